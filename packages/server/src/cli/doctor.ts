// `npx auth-service doctor [--json]`: the checks of ../admin/doctor.ts, as a table for people or
// JSON for scripts; exit 1 when any check failed (warnings alone exit 0).
import { type Check, hasFailure, runDoctor } from '../admin/doctor.js';
import { table } from '../admin/table-format.js';

export async function doctor(json: boolean): Promise<number> {
  const checks = await runDoctor();
  const failed = hasFailure(checks);
  process.stdout.write(`${json ? JSON.stringify({ ok: !failed, checks }, null, 2) : humanReport(checks, failed)}\n`);
  return failed ? 1 : 0;
}

function humanReport(checks: Check[], failed: boolean): string {
  const warned = checks.some((c) => c.status === 'warn');
  const verdict = failed ? 'problems found' : warned ? 'ok, with warnings' : 'ok';
  return [...table(checks as never, ['check', 'status', 'detail']), '', verdict].join('\n');
}

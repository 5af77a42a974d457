// `npx auth-service <command>`: the operators' CLI. It reads the same settings as the
// service. On PostgreSQL it opens its own connection; on the embedded database it talks to
// the running service through its admin socket, or opens the database itself (holding the
// lock) when no service runs. Commands, their usage and their output come from one table
// (../admin/commands.ts).
import { type Args, COMMANDS, type Command, type CommandIo } from '../admin/commands.js';
import { callAdminWhenUp } from '../admin/socket-client.js';
import { ConfigError, parseConfig } from '../config/config.js';
import { embeddedLockOwner } from '../db/embedded-lock.js';
import { hasCode } from '../errors.js';
import { createLogger } from '../logger.js';
import { openRuntime } from '../runtime.js';
import { doctor } from './doctor.js';
import { parseArgs, UsageError, usage } from './parse.js';
import { readPassword } from './password-input.js';
import { terminalProgress } from './progress.js';

/** The exit code, or null for `serve`: the service then runs on until a signal stops it. */
export async function runCli(argv: string[]): Promise<number | null> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv, COMMANDS);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`auth-service: ${err.message}\n\n${usage(COMMANDS)}\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${usage(COMMANDS)}\n`);
    return 0;
  }
  if (parsed.kind === 'doctor') return doctor(parsed.json);
  if (parsed.kind === 'serve') {
    await (await import('../service.js')).main();
    return null;
  }
  const { name, command, json } = parsed;
  const progress = terminalProgress();
  try {
    const args = command.prepare ? command.prepare(parsed.args) : parsed.args;
    if (command.password) args.password = await readPassword();
    const result = await execute(name, command, args, progress.io).finally(progress.done);
    process.stdout.write(`${json ? JSON.stringify(result, null, 2) : command.print(result).join('\n')}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`auth-service: ${describe(err)}\n`);
    return 1;
  }
}

async function execute(name: string, command: Command, args: Args, io: CommandIo): Promise<unknown> {
  const config = parseConfig();
  if (!config.databaseUrl && embeddedLockOwner(config.dataDir) !== null) {
    const reply = await callAdminWhenUp(config.dataDir, name, args);
    if (!reply.ok) throw new Error(reply.error?.message ?? 'the service refused the command');
    return reply.result;
  }
  // The CLI's runtime runs no serving step: no hashing threads until a command hashes, and no
  // Redis connection (the throttle is the service's), so it works while Redis is down.
  const runtime = await openRuntime(config, { log: createLogger('warn'), migrate: true });
  try {
    return await command.run(runtime, args, io);
  } finally {
    await runtime.close();
  }
}

function describe(err: unknown): string {
  if (err instanceof ConfigError) return `invalid configuration: ${err.message}`;
  if (hasCode(err)) return err.message;
  return (err as Error).message ?? String(err);
}

// Memory soak: rounds of hostile connections against the real service, then whether its resident
// memory comes back near where it started. See docs/performance.md ("Hostile connections").
//
//   node scripts/soak-memory.js [--rounds 3] [--driver pglite|postgres] [--settle 20]
//
// Each round: an idle flood that fills MAX_CONNECTIONS from 40 loopback addresses (never a
// ClientHello; 400 attempts in flight, under the listen backlog of 511), 2000 TLS clients stalled in their headers, 1000 stalled in their bodies, and
// honest logins and health checks throughout. Then it waits until the service has closed them all
// (its timeouts) and `--settle` seconds more, and samples VmRSS of the service process. Run
// after `npm run build` (it drives dist/); nice it on a shared machine.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { idleFlood, probeWhile } from '../dist/test/helpers/flood.js';
import { createDeployment } from '../dist/test/helpers/process.js';
import { sendAndWaitForClose } from '../dist/test/helpers/slow-client.js';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    driver: { type: 'string', default: 'pglite' },
    settle: { type: 'string', default: '20' },
    addresses: { type: 'string', default: '40' },
  },
});
const log = (line) => process.stderr.write(`soak: ${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ALICE = { username: 'alice', password: 'alice-password-1' };

function rssMB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Samples the peak while `work` runs. */
async function peakDuring(pid, work) {
  let peak = rssMB(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMB(pid));
  }, 100);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssMB(pid));
}

async function round(service, addresses) {
  const probes = probeWhile(service.port, service.ca, ALICE);
  // 250 from each address: under the per-client cap (256), so that together they reach the total one.
  const floods = await Promise.all(
    Array.from({ length: addresses }, (_, i) => idleFlood(service.port, { count: 250, from: `127.0.1.${i + 1}`, parallel: 10 })),
  );
  const held = floods.reduce((n, flood) => n + flood.held(), 0);
  log(`  idle flood: ${held} held`);
  const slowHeaders = Array.from({ length: 2000 }, () =>
    sendAndWaitForClose(service.port, 'GET /auth/health/live/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: a', 60_000).catch(
      () => null,
    ),
  );
  const body =
    'POST /auth/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"u';
  const slowBodies = Array.from({ length: 1000 }, () => sendAndWaitForClose(service.port, body, 60_000).catch(() => null));
  await Promise.all([...slowHeaders, ...slowBodies]);
  log('  slow clients closed');
  while (floods.some((flood) => flood.held() > 0)) await sleep(200);
  log('  idle flood closed');
  const tally = await probes.stop();
  return { held, probesOk: tally.ok, probesFailed: tally.failed.length };
}

const deployment = await createDeployment(opts.driver);
try {
  const service = await deployment.start();
  const created = await deployment.cli(['user', 'create', 'alice'], { input: `${ALICE.password}\n` });
  if (created.code !== 0) throw new Error(created.stderr);
  // Warm-up: honest traffic only, so that the baseline includes what any serving process holds.
  log('warming up');
  const warm = probeWhile(service.port, service.ca, ALICE);
  await sleep(5000);
  await warm.stop();
  await sleep(Number(opts.settle) * 1000);
  const baseline = rssMB(service.pid);
  log(`baseline ${baseline.toFixed(0)} MB (driver ${opts.driver})`);
  const rows = [];
  for (let i = 1; i <= Number(opts.rounds); i++) {
    let result;
    const peak = await peakDuring(service.pid, async () => {
      result = await round(service, Number(opts.addresses));
    });
    await sleep(Number(opts.settle) * 1000);
    const after = rssMB(service.pid);
    rows.push({ round: i, ...result, peakMB: Math.round(peak), afterMB: Math.round(after) });
    log(
      `round ${i}: held ${result.held}, probes ${result.probesOk} ok / ${result.probesFailed} failed, peak ${peak.toFixed(0)} MB, after ${after.toFixed(0)} MB`,
    );
  }
  console.log(JSON.stringify({ driver: opts.driver, baselineMB: Math.round(baseline), rounds: rows }, null, 2));
} finally {
  await deployment.dispose();
}

// Memory soak: rounds of hostile connections against the real service, then whether its resident
// memory comes back near where it started. See docs/performance.md ("Hostile connections").
//
//   node scripts/soak-memory.js [--rounds 3] [--driver pglite|postgres] [--settle 20] [--env NAME=value]
//                               [--control <seconds>]   (honest traffic only, that long per round)
//
// Each round: an idle flood of 10,000 connection attempts from 40 loopback addresses (never a
// ClientHello; 400 attempts in flight, under the listen backlog of 511), 2000 TLS clients stalled
// in their headers and 1000 in their bodies (from 20 other addresses), and honest logins and
// health checks throughout, each on a new connection from 127.0.0.1. Then it waits until the service has closed them all
// (its timeouts) and `--settle` seconds more, and samples VmRSS of the service process. Run
// after `npm run build` (it drives dist/); nice it on a shared machine.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { idleFlood, probeWhile } from '../dist/test/helpers/flood.js';
import { createDeployment, PACKAGE_DIR } from '../dist/test/helpers/process.js';
import { sendAndWaitForClose } from '../dist/test/helpers/slow-client.js';

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    driver: { type: 'string', default: 'pglite' },
    settle: { type: 'string', default: '20' },
    addresses: { type: 'string', default: '40' },
    // Honest traffic only, for as long as a hostile round took: what the probes alone cost.
    control: { type: 'string' },
    // Diagnosis: after each round's settle, force a full garbage collection in the service (a heap
    // snapshot on SIGUSR2 starts with one; the snapshot file is deleted) and sample again.
    'force-gc': { type: 'boolean', default: false },
    // Extra settings for the service, NAME=value (repeatable): e.g. MALLOC_ARENA_MAX=2.
    env: { type: 'string', multiple: true, default: [] },
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

/** Sends SIGUSR2 (a heap snapshot, which begins with a full GC), waits for the file, deletes it. */
async function afterFullGc(pid) {
  const snapshots = () => readdirSync(PACKAGE_DIR).filter((name) => name.endsWith('.heapsnapshot'));
  const before = snapshots().length;
  process.kill(pid, 'SIGUSR2');
  while (snapshots().length === before) await sleep(200);
  await sleep(5000); // the write finishes; its own memory is given back
  for (const name of snapshots()) rmSync(join(PACKAGE_DIR, name));
  return rssMB(pid);
}

async function round(service, addresses) {
  const probes = probeWhile(service.port, service.ca, ALICE);
  if (opts.control) {
    await sleep(Number(opts.control) * 1000);
    const tally = await probes.stop();
    return { held: 0, probesOk: tally.ok, probesFailed: tally.failed.length };
  }
  // 250 from each address: under the per-client cap (256), so that together they reach the total one.
  const floods = await Promise.all(
    Array.from({ length: addresses }, (_, i) => idleFlood(service.port, { count: 250, from: `127.0.1.${i + 1}`, parallel: 10 })),
  );
  const held = floods.reduce((n, flood) => n + flood.held(), 0);
  log(`  idle flood: ${held} held`);
  // From 20 addresses of their own (127.0.2.x), 150 each: under the per-client cap, and apart from the probes.
  const from = (i) => `127.0.2.${(i % 20) + 1}`;
  const headers = 'GET /auth/health/live/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: a';
  const slowHeaders = Array.from({ length: 2000 }, (_, i) =>
    sendAndWaitForClose(service.port, headers, 60_000, from(i)).catch(() => null),
  );
  const body =
    'POST /auth/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"u';
  const slowBodies = Array.from({ length: 1000 }, (_, i) =>
    sendAndWaitForClose(service.port, body, 60_000, from(i)).catch(() => null),
  );
  await Promise.all([...slowHeaders, ...slowBodies]);
  log('  slow clients closed');
  // The service closes what it accepted (TLS_HANDSHAKE_TIMEOUT); a connection the kernel
  // dropped from a full accept queue stays open on this side only (half-open): counted, closed.
  const deadline = Date.now() + 30_000;
  while (floods.some((flood) => flood.held() > 0) && Date.now() < deadline) await sleep(200);
  const halfOpen = floods.reduce((n, flood) => n + flood.held(), 0);
  for (const flood of floods) flood.close();
  log(`  idle flood closed (${halfOpen} half-open on this side)`);
  const tally = await probes.stop();
  for (const failure of new Set(tally.failed.slice(0, 3))) log(`  probe failed: ${failure}`);
  return { held, halfOpen, probesOk: tally.ok, probesFailed: tally.failed.length };
}

const deployment = await createDeployment(opts.driver);
try {
  const settings = Object.fromEntries(opts.env.map((pair) => pair.split(/=(.*)/s).slice(0, 2)));
  const nodeArgs = opts['force-gc'] ? ['--heapsnapshot-signal=SIGUSR2'] : [];
  const service = await deployment.start(settings, { nodeArgs });
  const created = await deployment.cli(['user', 'create', 'alice'], { input: `${ALICE.password}\n` });
  if (created.code !== 0) throw new Error(created.stderr);
  // Warm-up: honest traffic only, so that the baseline includes what any serving process holds.
  log('warming up');
  const warm = probeWhile(service.port, service.ca, ALICE);
  await sleep(5000);
  await warm.stop();
  await sleep(Number(opts.settle) * 1000);
  const baseline = rssMB(service.pid);
  log(`baseline ${baseline.toFixed(0)} MB (driver ${opts.driver}; ${opts.env.join(' ') || 'defaults'})`);
  const rows = [];
  for (let i = 1; i <= Number(opts.rounds); i++) {
    let result;
    const peak = await peakDuring(service.pid, async () => {
      result = await round(service, Number(opts.addresses));
    });
    await sleep(Number(opts.settle) * 1000);
    const after = rssMB(service.pid);
    const afterGc = opts['force-gc'] ? Math.round(await afterFullGc(service.pid)) : undefined;
    rows.push({ round: i, ...result, peakMB: Math.round(peak), afterMB: Math.round(after), afterGcMB: afterGc });
    if (afterGc !== undefined) log(`  after a full GC: ${afterGc} MB`);
    log(
      `round ${i}: held ${result.held}, probes ${result.probesOk} ok / ${result.probesFailed} failed, peak ${peak.toFixed(0)} MB, after ${after.toFixed(0)} MB`,
    );
  }
  console.log(JSON.stringify({ driver: opts.driver, env: opts.env, baselineMB: Math.round(baseline), rounds: rows }, null, 2));
} finally {
  await deployment.dispose();
}

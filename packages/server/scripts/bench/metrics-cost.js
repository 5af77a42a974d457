// `npm run bench -- --metrics-cost`: what the metrics cost per request. Two copies of the
// service run side by side, METRICS_PORT unset and set, each on its own database; for each
// endpoint, short wrk runs alternate between them (off, on, on, off, off, on, ...), so that a change in
// the machine's load hits both alike. Reported: the median of each side, the median of the
// paired on/off ratios, and the spread of the "off" runs (the run-to-run noise the cost is
// judged against). A scrape at the end checks that the requests were counted.
// The work the metrics add to one request is also timed in-process (microCost): the calls the
// hooks make, many times over, which no machine load blurs as much.
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { registerRequestMetrics } from '../../dist/src/http/request-metrics.js';
import { createPromMetrics } from '../../dist/src/metrics/prometheus.js';
import { startOurs, tokens } from './services.js';
import { wrk } from './wrk.js';

const SCENARIOS = ['verify', 'me', 'refresh'];
const PAIRS = 6;
const METRICS_PORT = Number(process.env.BENCH_METRICS_PORT ?? 19464);

/** Nanoseconds the metrics add to one request (the onResponse hook's and a use case's calls), and one scrape's time. */
export async function microCost() {
  const metrics = createPromMetrics();
  const routes = ['/auth/login/', '/auth/token/refresh/', '/auth/token/verify/', '/auth/me/'];
  const perRequest = (i) => {
    metrics.http.request('POST', routes[i % 4], 200, 0.004);
    metrics.auth.verification('bearer', 'valid');
  };
  const time = (n, fn) => {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    return ((performance.now() - start) * 1e6) / n;
  };
  time(100_000, perRequest); // warm-up (JIT)
  const samples = [1, 2, 3, 4, 5].map(() => time(500_000, perRequest)).sort((a, b) => a - b);
  const scrapes = [];
  for (let i = 0; i < 21; i++) {
    const start = performance.now();
    await metrics.registry.metrics();
    scrapes.push(performance.now() - start);
  }
  scrapes.sort((a, b) => a - b);
  return { nsPerRequest: samples[2], nsMin: samples[0], nsMax: samples[4], scrapeMs: scrapes[10] };
}

/**
 * The whole per-request cost of the hook, in-process: a bare Fastify app answering one route,
 * with and without registerRequestMetrics, each driven by app.inject() in alternating batches
 * (so a change in the machine's load hits both alike); microseconds per request, medians.
 */
export async function hookCost({ batches = 6, requests = 20_000 } = {}) {
  const build = async (metrics) => {
    const app = Fastify({ logger: false });
    if (metrics) registerRequestMetrics(app, metrics.http);
    app.get('/auth/health/live/', async () => ({ status: 'ok' }));
    await app.ready();
    return app;
  };
  const apps = { off: await build(null), on: await build(createPromMetrics()) };
  const run = async (app) => {
    const start = performance.now();
    for (let i = 0; i < requests; i++) await app.inject({ method: 'GET', url: '/auth/health/live/' });
    return ((performance.now() - start) * 1000) / requests;
  };
  await run(apps.off);
  await run(apps.on);
  const times = { off: [], on: [] };
  for (let i = 0; i < batches; i++) for (const side of ['off', 'on']) times[side].push(await run(apps[side]));
  await apps.off.close();
  await apps.on.close();
  const diffs = times.on.map((t, i) => t - times.off[i]);
  return { offUs: median(times.off), onUs: median(times.on), addedUs: median(diffs) };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function metricsCost({ adminUrl, port, users, load, log }) {
  const micro = await microCost();
  log(`in-process: ${micro.nsPerRequest.toFixed(0)} ns per request, one scrape ${micro.scrapeMs.toFixed(2)} ms`);
  const hook = await hookCost();
  log(
    `in-process hook: ${hook.offUs.toFixed(1)} µs off, ${hook.onUs.toFixed(1)} µs on, +${hook.addedUs.toFixed(1)} µs (median of pairs)`,
  );
  // Databases of their own: another bench run may be using the default one.
  const off = await startOurs({ adminUrl, port, users, database: 'auth_service_bench_metrics_off' });
  let on;
  try {
    on = await startOurs({
      adminUrl,
      port: port + 1,
      users,
      env: { METRICS_PORT: String(METRICS_PORT) },
      database: 'auth_service_bench_metrics_on',
    });
    const rows = {};
    for (const scenario of SCENARIOS) rows[scenario] = await alternate(scenario, { off, on }, users, load, log);
    const counted = await countedRequests();
    return report(rows, counted, { ...micro, hook }, load);
  } finally {
    await on?.stop();
    await off.stop();
  }
}

/** Short wrk runs alternating between services.off and services.on (`pairs` of them), after a warm-up of each. */
export async function alternate(scenario, services, users, load, log, pairs = PAIRS) {
  const env = {};
  for (const [side, service] of Object.entries(services)) {
    const pair = await tokens(service.base);
    env[side] = { REFRESH: pair.refresh, ACCESS: pair.access, BENCH_USERS: String(users) };
    await wrk({ base: service.base, scenario, ...load, seconds: 2, env: env[side], name: `${scenario}-warmup` });
  }
  const runs = { off: [], on: [] };
  for (let i = 0; i < pairs; i++) {
    // Off first, then on first: whichever runs second in a pair is not always the same side.
    for (const side of i % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
      const r = await wrk({ base: services[side].base, scenario, ...load, env: env[side], name: `${scenario}-${side}-${i}` });
      runs[side].push(r);
    }
    log(`${scenario} pair ${i + 1}: off ${runs.off[i].rps.toFixed(0)} rps, on ${runs.on[i].rps.toFixed(0)} rps`);
  }
  return runs;
}

async function countedRequests() {
  const text = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('auth_http_requests_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** One table row per scenario of alternate()'s off/on pairs: medians, the on/off ratio, the off runs' spread. */
export function pairRows(rows) {
  const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  return Object.entries(rows).map(([scenario, runs]) => {
    const offRps = runs.off.map((r) => r.rps);
    const ratio = median(runs.on.map((r, i) => r.rps / offRps[i])) - 1;
    const spread = (Math.max(...offRps) - Math.min(...offRps)) / median(offRps);
    const p50 = `${median(runs.off.map((r) => r.p50)).toFixed(2)} / ${median(runs.on.map((r) => r.p50)).toFixed(2)}`;
    return `| ${scenario} | ${median(offRps).toFixed(0)} | ${median(runs.on.map((r) => r.rps)).toFixed(0)} | ${pct(ratio)} | ${(spread * 100).toFixed(0)}% | ${p50} |`;
  });
}

function report(rows, counted, micro, load) {
  const lines = [
    '| endpoint | off rps (median) | on rps (median) | on/off, median of pairs | off runs: spread (max−min)/median | p50 ms off / on |',
    '|---|---|---|---|---|---|',
    ...pairRows(rows),
  ];
  lines.push(
    '',
    `requests counted by auth_http_requests_total on the "on" copy: ${counted}`,
    `in-process, the metrics' work per request: ${micro.nsPerRequest.toFixed(0)} ns (median of 5 runs of 500,000; ${micro.nsMin.toFixed(0)}–${micro.nsMax.toFixed(0)}); one scrape: ${micro.scrapeMs.toFixed(2)} ms`,
    `in-process, a bare Fastify route through app.inject(): ${micro.hook.offUs.toFixed(1)} µs per request without the metrics hook, ${micro.hook.onUs.toFixed(1)} µs with it (median of paired differences: +${micro.hook.addedUs.toFixed(1)} µs)`,
    `${PAIRS} alternating pairs of wrk -t${load.threads} -c${load.conns} -d${load.seconds}s per endpoint, keep-alive, HTTPS on loopback`,
  );
  return lines.join('\n');
}

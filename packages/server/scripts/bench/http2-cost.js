// `npm run bench -- --http2-cost`: what HTTP2=true costs HTTP/1.1 clients, and what HTTP/2
// clients get. Two copies of the service run side by side on their own databases, HTTP2 unset
// and set; for each endpoint, wrk (HTTP/1.1 only) alternates between them as in
// metrics-cost.js. Then, when h2load (Debian's nghttp2-client) is installed, GET /auth/me/
// through h2load over HTTP/2 on the HTTP2 copy and over HTTP/1.1 (--h1) on each copy.
import { spawnSync } from 'node:child_process';
import { alternate, pairRows } from './metrics-cost.js';
import { startOurs, tokens } from './services.js';

const SCENARIOS = ['verify', 'me'];
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
/** Streams an HTTP/2 client keeps in flight on each connection (h2load -m). */
const STREAMS = 10;

export async function http2Cost({ adminUrl, port, users, load, log }) {
  const off = await startOurs({ adminUrl, port, users, database: 'auth_service_bench_h2_off' });
  let on;
  try {
    on = await startOurs({ adminUrl, port: port + 1, users, env: { HTTP2: 'true' }, database: 'auth_service_bench_h2_on' });
    const rows = {};
    for (const scenario of SCENARIOS) rows[scenario] = await alternate(scenario, { off, on }, users, load, log, PAIRS);
    const h2 = await h2loadRows({ off, on }, load, log);
    return report(rows, h2, load);
  } finally {
    await on?.stop();
    await off.stop();
  }
}

/** GET /auth/me/ with h2load: [label, result] rows, or a line saying why there are none. */
async function h2loadRows(services, load, log) {
  if (spawnSync('h2load', ['--version']).error)
    return 'h2load not installed (apt-get install nghttp2-client): no HTTP/2 load run';
  const runs = [
    ['HTTP/1.1 (h2load --h1), HTTP2 unset', services.off, ['--h1']],
    ['HTTP/1.1 (h2load --h1), HTTP2=true', services.on, ['--h1']],
    ['HTTP/2 (h2load, 1 stream per connection), HTTP2=true', services.on, ['-m', '1']],
    [`HTTP/2 (h2load, ${STREAMS} streams per connection), HTTP2=true`, services.on, ['-m', String(STREAMS)]],
  ];
  const rows = [];
  for (const [label, service, args] of runs) {
    const { access } = await tokens(service.base);
    h2load(service.base, access, args, load.conns, 2); // warm-up
    const result = h2load(service.base, access, args, load.conns, load.seconds);
    log(`h2load ${label}: ${result.rps.toFixed(0)} rps, ${result.failed} failed`);
    rows.push([label, result]);
  }
  return rows;
}

function h2load(base, access, args, conns, seconds) {
  const run = spawnSync(
    'h2load',
    [...args, '-c', String(conns), '-t', '1', '-D', String(seconds), '-H', `authorization: Bearer ${access}`, `${base}/auth/me/`],
    { encoding: 'utf8' },
  );
  const out = run.stdout ?? '';
  const rps = Number(/finished in [^,]+, ([0-9.]+) req\/s/.exec(out)?.[1]);
  const status = /requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed/.exec(out);
  const codes = /status codes: (\d+) 2xx/.exec(out);
  const mean = /time for request:\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1] ?? '?';
  if (!status || Number.isNaN(rps)) throw new Error(`h2load: no result\n${out}\n${run.stderr}`);
  return { rps, failed: Number(status[3]), ok2xx: Number(codes?.[1] ?? 0), meanTime: mean };
}

function report(rows, h2, load) {
  const lines = [
    '| endpoint (HTTP/1.1, wrk) | HTTP2 unset rps (median) | HTTP2=true rps (median) | true/unset, median of pairs | unset runs: spread (max−min)/median | p50 ms unset / true |',
    '|---|---|---|---|---|---|',
    ...pairRows(rows),
  ];
  lines.push(
    '',
    `${PAIRS} alternating pairs of wrk -t${load.threads} -c${load.conns} -d${load.seconds}s per endpoint, keep-alive, HTTPS on loopback`,
    '',
  );
  if (typeof h2 === 'string') return [...lines, h2].join('\n');
  lines.push('| GET /auth/me/, h2load | rps | 2xx | failed | mean time per request |', '|---|---|---|---|---|');
  for (const [label, r] of h2) lines.push(`| ${label} | ${r.rps.toFixed(0)} | ${r.ok2xx} | ${r.failed} | ${r.meanTime} |`);
  lines.push('', `h2load -c ${load.conns} -t 1 -D ${load.seconds} after a 2 s run of the same as warm-up`);
  return lines.join('\n');
}

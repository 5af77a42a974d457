// The benchmark: `npm run bench [-- options]` from the repo root. See docs/performance.md.
//
//   --vs-peer          also run the SimpleJWT peer (tuned: config E; as shipped: config A)
//   --duration <s>     seconds per scenario (10), after a 2 s warm-up
//   --threads <n>      wrk threads (2)   --conns <n>  wrk connections (32)
//   --no-extras        skip the login-flood and sessions-growth scenarios
//   --no-limit         skip the machine-limit server (bench/limit-server.js) and the ours/limit column
//   --only <list>      only these of login,refresh,verify,me (comma-separated)
//   --json <file>      also write every figure as JSON
//   --metrics-cost     only: METRICS_PORT unset vs set, side by side (bench/metrics-cost.js)
//   --http2-cost       only: HTTP2 unset vs set, HTTP/1.1 throughput side by side, and h2load (bench/http2-cost.js)
//   --metrics-instructions  only: the metrics' work per request in instructions (valgrind)
//
// Needs wrk (`apt-get install wrk`) and PostgreSQL (BENCH_DATABASE_URL, default
// postgres://postgres@127.0.0.1:5432/postgres; a database auth_service_bench is recreated).
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { http2Cost } from './bench/http2-cost.js';
import { metricsCost } from './bench/metrics-cost.js';
import { metricsInstructions } from './bench/metrics-instructions.js';
import { PEER_DIR, startLimit, startOurs, startPeer, tokens } from './bench/services.js';
import { requireWrk, sampleMemory, wrk } from './bench/wrk.js';

const ALL_SCENARIOS = ['login', 'refresh', 'verify', 'me'];
const USERS = 100;
const PEER_CONFIGS = [
  { label: 'peer tuned (E)', env: { DB_CONN_MAX_AGE: '600', WORKER_CLASS: 'gthread', WORKER_THREADS: '4' } },
  { label: 'peer as shipped (A)', env: { DB_CONN_MAX_AGE: '0', WORKER_CLASS: 'sync' } },
];

const { values: opts } = parseArgs({
  options: {
    'vs-peer': { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    threads: { type: 'string', default: '2' },
    conns: { type: 'string', default: '32' },
    'no-extras': { type: 'boolean', default: false },
    'no-limit': { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'string' },
    'metrics-cost': { type: 'boolean', default: false },
    'http2-cost': { type: 'boolean', default: false },
    'metrics-instructions': { type: 'boolean', default: false },
  },
});
const SCENARIOS = opts.only ? opts.only.split(',').filter((s) => ALL_SCENARIOS.includes(s)) : ALL_SCENARIOS;
const load = { seconds: Number(opts.duration), threads: Number(opts.threads), conns: Number(opts.conns) };
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** The four endpoint scenarios, each with fresh tokens and a warm-up; memory sampled throughout. */
async function runScenarios(service) {
  const results = {};
  const memory = sampleMemory(service.rootPid());
  for (const scenario of SCENARIOS) {
    const pair = await tokens(service.base);
    const env = { REFRESH: pair.refresh, ACCESS: pair.access, BENCH_USERS: String(USERS) };
    await wrk({ base: service.base, scenario, ...load, seconds: 2, env, name: `${scenario}-warmup` });
    results[scenario] = await wrk({ base: service.base, scenario, ...load, env });
    log(`${service.name} ${scenario}: ${fmt(results[scenario])}`);
  }
  results.memory = memory.stop();
  return results;
}

/** Refresh latency while a login flood keeps every hashing thread busy. */
async function refreshUnderLoginFlood(service) {
  const pair = await tokens(service.base);
  const env = { REFRESH: pair.refresh, BENCH_USERS: String(USERS) };
  const flood = wrk({
    base: service.base,
    scenario: 'login',
    threads: 1,
    conns: 16,
    seconds: load.seconds + 4,
    env,
    name: 'flood',
  });
  await new Promise((r) => setTimeout(r, 2000));
  const refresh = await wrk({ base: service.base, scenario: 'refresh', threads: 1, conns: 8, seconds: load.seconds, env });
  const login = await flood;
  log(`refresh under a login flood: ${fmt(refresh)} (logins ${fmt(login)})`);
  return { refresh, login };
}

/** Refresh at the sessions table's current size, then again with a million rows. */
async function refreshAsSessionsGrow(service) {
  const db = new pg.Client({ connectionString: service.databaseUrl });
  await db.connect();
  const count = async () => Number((await db.query('SELECT count(*) AS n FROM sessions')).rows[0].n);
  const measure = async () => {
    const pair = await tokens(service.base);
    const env = { REFRESH: pair.refresh };
    await wrk({ base: service.base, scenario: 'refresh', ...load, seconds: 2, env, name: 'warmup' });
    return { rows: await count(), ...(await wrk({ base: service.base, scenario: 'refresh', ...load, env })) };
  };
  try {
    const small = await measure();
    log(`refresh with ${small.rows} sessions: ${fmt(small)}`);
    // Seeded with SQL: a million logins through the API would take hours of argon2id.
    await db.query(`INSERT INTO sessions (id, user_id, refresh_jti, created_at, expires_at)
      SELECT gen_random_uuid(), (SELECT min(id) FROM users) + (i % ${USERS}), gen_random_uuid(), now(), now() + interval '1 day'
      FROM generate_series(1, ${1_000_000 - small.rows}) AS i`);
    await db.query('VACUUM ANALYZE sessions');
    const large = await measure();
    log(`refresh with ${large.rows} sessions: ${fmt(large)}`);
    return { small, large };
  } finally {
    await db.end();
  }
}

const fmt = (r) => `${r.rps.toFixed(1)} rps, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, non-2xx ${r.non2xx}`;
const cell = (r) => (r ? [r.rps.toFixed(1), r.p50.toFixed(1), r.p99.toFixed(1)] : ['–', '–', '–']);
const percent = (a, b) => (a && b?.rps > 0 ? `${((a.rps / b.rps) * 100).toFixed(0)}%` : '–');
const ratio = (a, b) => (a && b?.rps > 0 ? `${(a.rps / b.rps).toFixed(1)}×` : '–');

function report(all) {
  const peers = PEER_CONFIGS.map((c) => c.label).filter((label) => all[label]);
  const lines = [];
  const figures = (who) => [`${who} rps`, 'p50 ms', 'p99 ms'];
  const limit = all.limit ? [...figures('limit'), 'ours/limit'] : [];
  const head = ['endpoint', ...figures('ours'), ...limit, ...peers.flatMap((p) => [...figures(p), `ours/${p}`])];
  lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  for (const s of SCENARIOS) {
    const atLimit = all.limit ? [...cell(all.limit[s]), percent(all.ours[s], all.limit[s])] : [];
    const row = [
      s,
      ...cell(all.ours[s]),
      ...atLimit,
      ...peers.flatMap((p) => [...cell(all[p][s]), ratio(all.ours[s], all[p][s])]),
    ];
    lines.push(`| ${row.join(' | ')} |`);
  }
  const mem = (m) => `${m.maxProcessMB.toFixed(0)} MB max per process, ${m.totalMB.toFixed(0)} MB in ${m.processes} processes`;
  lines.push('', `resident memory under load: ours ${mem(all.ours.memory)}`);
  for (const p of peers) lines.push(`resident memory under load: ${p} ${mem(all[p].memory)}`);
  if (all.flood)
    lines.push(
      `refresh during a login flood (16 login + 8 refresh connections): ${fmt(all.flood.refresh)}; logins ${fmt(all.flood.login)}`,
    );
  if (all.growth) {
    const { small, large } = all.growth;
    const change = ((large.rps / small.rps - 1) * 100).toFixed(1);
    lines.push(
      `refresh with ${small.rows} sessions: ${fmt(small)}`,
      `refresh with ${large.rows} sessions: ${fmt(large)} (${change}% rps)`,
    );
  }
  lines.push(
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}, wrk -t${load.threads} -c${load.conns} -d${load.seconds}s, keep-alive, HTTPS on loopback`,
  );
  return lines.join('\n');
}

async function main() {
  requireWrk();
  if (opts['vs-peer'] && !existsSync(`${PEER_DIR}start.sh`)) {
    throw new Error(`--vs-peer: the SimpleJWT peer is not at ${PEER_DIR} (expected ../shared beside the repo)`);
  }
  if (opts['metrics-instructions']) {
    process.stdout.write(`${metricsInstructions(log)}\n`);
    return;
  }
  if (opts['metrics-cost']) {
    const port = Number(process.env.BENCH_PORT ?? 18443);
    process.stdout.write(`${await metricsCost({ adminUrl, port, users: USERS, load, log })}\n`);
    return;
  }
  if (opts['http2-cost']) {
    const port = Number(process.env.BENCH_PORT ?? 18443);
    process.stdout.write(`${await http2Cost({ adminUrl, port, users: USERS, load, log })}\n`);
    return;
  }
  const all = {};
  const ours = await startOurs({ adminUrl, port: Number(process.env.BENCH_PORT ?? 18443), users: USERS });
  try {
    all.ours = await runScenarios(ours);
    if (!opts['no-extras']) {
      all.flood = await refreshUnderLoginFlood(ours);
      all.growth = await refreshAsSessionsGrow(ours);
    }
  } finally {
    await ours.stop();
  }
  if (!opts['no-limit']) {
    const limit = await startLimit({ port: Number(process.env.BENCH_LIMIT_PORT ?? 18444) });
    try {
      all.limit = await runScenarios(limit);
    } finally {
      await limit.stop();
    }
  }
  if (opts['vs-peer']) {
    for (const config of PEER_CONFIGS) {
      const peer = await startPeer({ port: Number(process.env.BENCH_PEER_PORT ?? 19443), users: USERS, ...config });
      try {
        all[config.label] = await runScenarios(peer);
      } finally {
        await peer.stop();
      }
    }
  }
  const table = report(all);
  process.stdout.write(`${table}\n`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ load, results: all }, null, 2));
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  process.exit(1);
});

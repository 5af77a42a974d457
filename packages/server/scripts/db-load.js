// Database load per request type: `npm run bench:db -w @auth-service/server` (docs/scaling.md).
// Starts our service on a fresh database (as the benchmark does), sends N requests of one type
// at a time, one after another, and reads PostgreSQL's own counters for that database
// (pg_stat_database: transactions, rows fetched and written) before and after each batch. A
// backend reports its counters within 10 s of going idle, so each reading waits that out; the
// background jobs' share, measured over an idle window of the same length, is subtracted.
//
//   --requests <n>   requests per type (200; logins: a quarter of it)
import { parseArgs } from 'node:util';
import pg from 'pg';
import { request, startOurs, tokens } from './bench/services.js';

const { values: opts } = parseArgs({ options: { requests: { type: 'string', default: '200' } } });
const N = Number(opts.requests);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SETTLE_MS = 11_000;
const USERS = 20;

const COUNTERS = ['xact_commit', 'xact_rollback', 'tup_fetched', 'tup_returned', 'tup_inserted', 'tup_updated', 'tup_deleted'];

async function counters(db) {
  const { rows } = await db.query(`SELECT ${COUNTERS.join(', ')} FROM pg_stat_database WHERE datname = current_database()`);
  return Object.fromEntries(COUNTERS.map((c) => [c, Number(rows[0][c])]));
}

const minus = (a, b) => Object.fromEntries(COUNTERS.map((c) => [c, a[c] - b[c]]));

/** The counters a batch moved: run it, wait for the backends to report, read. */
async function measure(db, batch) {
  const before = await counters(db);
  const started = Date.now();
  await batch();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  return { delta: minus(await counters(db), before), ms: Date.now() - started };
}

async function main() {
  const service = await startOurs({
    adminUrl,
    port: Number(process.env.BENCH_PORT ?? 18453),
    users: USERS,
    database: 'auth_service_dbload',
  });
  const db = new pg.Client({ connectionString: service.databaseUrl });
  await db.connect();
  try {
    const { base } = service;
    const ok = async (pending, what) => {
      const res = await pending;
      if (res.status !== 200) throw new Error(`${what}: ${res.status} ${res.text}`);
      return res;
    };
    const pairs = [];
    for (let i = 0; i < N; i++) pairs.push(await tokens(base));
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const idle = await measure(db, async () => {});
    const types = {
      login: [
        Math.max(1, Math.floor(N / 4)),
        (i) => ok(request(base, 'POST', '/auth/login/', { username: `bench${i % USERS}`, password: 'bench-password' }), 'login'),
      ],
      refresh: [N, (i) => ok(request(base, 'POST', '/auth/token/refresh/', { refresh: pairs[i].refresh }), 'refresh')],
      verify: [N, (i) => ok(request(base, 'POST', '/auth/token/verify/', { token: pairs[i].access }), 'verify')],
      me: [N, (i) => ok(request(base, 'GET', '/auth/me/', undefined, { authorization: `Bearer ${pairs[i].access}` }), 'me')],
      logout: [N, (i) => ok(request(base, 'POST', '/auth/logout/', { refresh_token: pairs[i].refresh }), 'logout')],
    };
    const rows = [];
    for (const [type, [count, send]] of Object.entries(types)) {
      const { delta, ms } = await measure(db, async () => {
        for (let i = 0; i < count; i++) await send(i);
      });
      const background = (c) => (idle.delta[c] * ms) / idle.ms;
      // Rounded, and never below 0 (the background's share is an estimate).
      const per = (...cs) => Math.max(0, cs.reduce((sum, c) => sum + delta[c] - background(c), 0) / count).toFixed(1);
      rows.push([
        type,
        count,
        per('xact_commit', 'xact_rollback'),
        per('tup_fetched'),
        per('tup_inserted', 'tup_updated', 'tup_deleted'),
      ]);
    }
    const lines = [
      '| request | requests | transactions / request | rows fetched / request | rows written / request |',
      '|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.join(' | ')} |`),
      '',
      `background (idle, subtracted): ${((idle.delta.xact_commit / idle.ms) * 1000).toFixed(2)} transactions/s`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await db.end();
    await service.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`db-load: ${err.stack ?? err}\n`);
  process.exit(1);
});

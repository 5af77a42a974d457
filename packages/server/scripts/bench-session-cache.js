// How stale the session cache can be (auth/session-cache.ts), seen from outside: two instances
// of the service on one PostgreSQL (WORKERS=2 each, so four caches), the session's state warm in
// every one of them, then the session ends and instance B is asked over and over, over fresh
// keep-alive connections spread across its workers, until it refuses. Two ways of ending it:
//   logout   POST /auth/logout/ through instance A; counted from its 200 reaching the client
//            (the logout answers only once its change has come back through its own LISTEN);
//   sql      an UPDATE of revoked_at from another connection (what the CLI or an operator's SQL
//            does: nobody waits for the echo); counted from the COMMIT's return.
// Reported per way: how many checks B still accepted afterwards, and the delay to B's first
// refusal (p50, p99, max). `npm run bench:cache [-- --rounds N]` after a build.
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { BENCH_PASSWORD, startOurs } from './bench/services.js';

const { values: opts } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const ROUNDS = Number(opts.rounds);
const POLLERS = 4; // parallel connections to B: reach both of its workers
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (line) => process.stderr.write(`bench: ${line}\n`);
const env = { WORKERS: '2', PURGE_INTERVAL: '0', LOGIN_FREE_FAILURES: '1000000' };

const agent = new https.Agent({ keepAlive: true, maxSockets: POLLERS, rejectUnauthorized: false });

function call(base, method, path, body, headers = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      new URL(path, base),
      { method, agent, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const me = (base, pair) => call(base, 'GET', '/auth/me/', undefined, { authorization: `Bearer ${pair.access}` });

/** Asks B with POLLERS parallel requests at a time until one is refused; counts the accepted. */
async function untilRefused(base, pair, since) {
  let accepted = 0;
  for (;;) {
    const answers = await Promise.all(Array.from({ length: POLLERS }, () => me(base, pair)));
    const refused = answers.filter((a) => a.status === 401).length;
    accepted += answers.filter((a) => a.status === 200).length;
    if (refused > 0) return { accepted, delayMs: performance.now() - since };
    if (performance.now() - since > 10_000) throw new Error('B never refused the ended session');
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

function summary(name, results) {
  const delays = results.map((r) => r.delayMs).sort((a, b) => a - b);
  const stale = results.filter((r) => r.accepted > 0);
  const f = (ms) => `${ms.toFixed(2)} ms`;
  return `| ${name} | ${results.length} | ${stale.length} | ${results.reduce((n, r) => n + r.accepted, 0)} | ${f(percentile(delays, 50))} | ${f(percentile(delays, 99))} | ${f(delays[delays.length - 1])} |`;
}

const a = await startOurs({ adminUrl, port: 18_643, users: 1, database: 'auth_service_bench_cache', env });
const b = await startOurs({ adminUrl, port: 18_644, users: 1, joining: a.databaseUrl, env });
const db = new pg.Client({ connectionString: a.databaseUrl });
await db.connect();
try {
  const results = { logout: [], sql: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const way of ['logout', 'sql']) {
      const login = await call(a.base, 'POST', '/auth/login/', { username: 'bench0', password: BENCH_PASSWORD });
      const pair = JSON.parse(login.text);
      const sid = JSON.parse(Buffer.from(pair.access.split('.')[1], 'base64url').toString()).sid;
      // Warm: every worker of B has checked it (several rounds of parallel requests).
      for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: POLLERS }, () => me(b.base, pair)));
      let since;
      if (way === 'logout') {
        const out = await call(a.base, 'POST', '/auth/logout/', { refresh_token: pair.refresh });
        since = performance.now();
        if (out.status !== 200) throw new Error(`logout answered ${out.status}`);
      } else {
        await db.query("UPDATE sessions SET revoked_at = now(), revoked_reason = 'bench' WHERE id = $1", [sid]);
        since = performance.now();
      }
      results[way].push(await untilRefused(b.base, pair, since));
    }
    if ((round + 1) % 50 === 0) log(`${round + 1} rounds`);
  }
  process.stdout.write(
    [
      '| ended by | rounds | rounds with an accepted check after | accepted checks in all | first refusal p50 | p99 | max |',
      '|---|---|---|---|---|---|---|',
      summary('logout through A (answers after the acks)', results.logout),
      summary('SQL UPDATE from another connection', results.sql),
      '',
    ].join('\n'),
  );
} finally {
  await db.end();
  agent.destroy();
  await b.stop();
  await a.stop();
}

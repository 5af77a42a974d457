// Side by side: does recording sessions (migration 015: address, user agent, a coarse
// last_used written by refresh at most once an hour) cost refresh or me anything? This build
// and a baseline build (another checkout's packages/server, built), alternating, same load;
// then this build's GET /auth/sessions/. See docs/performance.md.
//
//   node scripts/bench-sessions.js --baseline <dir of a built packages/server> [--rounds 2] [--duration 8]
//
// Needs wrk and PostgreSQL (BENCH_DATABASE_URL); uses its own database, auth_service_bench_sessions,
// and port BENCH_PORT (18643), so it does not disturb `npm run bench`.
import { parseArgs } from 'node:util';
import { startOurs, tokens } from './bench/services.js';
import { requireWrk, wrk } from './bench/wrk.js';

const { values: opts } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '8' },
    threads: { type: 'string', default: '1' },
    conns: { type: 'string', default: '16' },
  },
});
if (!opts.baseline) throw new Error('--baseline <dir of a built packages/server> is required');
const load = { seconds: Number(opts.duration), threads: Number(opts.threads), conns: Number(opts.conns) };
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const port = Number(process.env.BENCH_PORT ?? 18643);
const log = (line) => process.stderr.write(`bench-sessions: ${line}\n`);

async function measure(label, server, scenarios) {
  const service = await startOurs({
    adminUrl,
    port,
    users: 4,
    database: 'auth_service_bench_sessions',
    ...(server ? { server } : {}),
  });
  try {
    const figures = {};
    for (const scenario of scenarios) {
      const pair = await tokens(service.base);
      const env = { REFRESH: pair.refresh, ACCESS: pair.access, BENCH_USERS: '4' };
      await wrk({ base: service.base, scenario, ...load, seconds: 2, env, name: `${scenario}-warmup` });
      figures[scenario] = await wrk({ base: service.base, scenario, ...load, env });
      log(
        `${label} ${scenario}: ${figures[scenario].rps.toFixed(0)} rps, p50 ${figures[scenario].p50} ms, p99 ${figures[scenario].p99} ms`,
      );
    }
    return figures;
  } finally {
    await service.stop();
  }
}

async function main() {
  requireWrk();
  const runs = { baseline: [], branch: [] };
  for (let round = 0; round < Number(opts.rounds); round++) {
    runs.baseline.push(await measure('baseline', opts.baseline, ['refresh', 'me']));
    runs.branch.push(await measure('this build', undefined, ['refresh', 'me', 'sessions']));
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
  const cell = (side, scenario) => {
    const rows = runs[side].map((r) => r[scenario]).filter(Boolean);
    if (rows.length === 0) return '-';
    return `${median(rows.map((r) => r.rps)).toFixed(0)} rps, p99 ${median(rows.map((r) => r.p99))} ms`;
  };
  const lines = ['| scenario | baseline | this build |', '|---|---|---|'];
  for (const scenario of ['refresh', 'me', 'sessions'])
    lines.push(`| ${scenario} | ${cell('baseline', scenario)} | ${cell('branch', scenario)} |`);
  lines.push(
    '',
    `rounds ${opts.rounds} (median of each; the lower one for an even count), wrk -t${load.threads} -c${load.conns} -d${load.seconds}s, HTTPS on loopback`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench-sessions: ${err.stack ?? err}\n`);
  process.exit(1);
});

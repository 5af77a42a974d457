// `npm run bench -- --metrics-cost`: what the metrics cost per request. The same service, the
// same load, METRICS_PORT unset and set, in alternating rounds (off, on, off, on), so that the
// difference between the two "off" rounds shows the run-to-run noise the cost is judged against.
// One scrape after each "on" round checks that the requests were counted.
import { startOurs, tokens } from './services.js';
import { wrk } from './wrk.js';

const SCENARIOS = ['verify', 'me', 'refresh'];
const METRICS_PORT = Number(process.env.BENCH_METRICS_PORT ?? 19464);

export async function metricsCost({ adminUrl, port, users, load, log }) {
  const rounds = [];
  for (const metrics of [false, true, false, true]) {
    const env = metrics ? { METRICS_PORT: String(METRICS_PORT) } : {};
    // A database of its own: another bench run may be using the default one.
    const service = await startOurs({ adminUrl, port, users, env, database: 'auth_service_bench_metrics' });
    try {
      const results = {};
      for (const scenario of SCENARIOS) {
        const pair = await tokens(service.base);
        const wrkEnv = { REFRESH: pair.refresh, ACCESS: pair.access, BENCH_USERS: String(users) };
        await wrk({ base: service.base, scenario, ...load, seconds: 2, env: wrkEnv, name: `${scenario}-warmup` });
        results[scenario] = await wrk({ base: service.base, scenario, ...load, env: wrkEnv });
        log(
          `metrics ${metrics ? 'on ' : 'off'} ${scenario}: ${results[scenario].rps.toFixed(1)} rps, p50 ${results[scenario].p50.toFixed(2)} ms`,
        );
      }
      if (metrics) results.counted = await countedRequests();
      rounds.push({ metrics, results });
    } finally {
      await service.stop();
    }
  }
  return report(rounds, load);
}

async function countedRequests() {
  const text = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('auth_http_requests_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

function report(rounds, load) {
  const lines = [
    '| endpoint | off 1 rps | on 1 rps | off 2 rps | on 2 rps | off→on (mean) | off 1→off 2 (noise) | p50 off/on ms |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const s of SCENARIOS) {
    const [a, b, c, d] = rounds.map((r) => r.results[s]);
    const off = (a.rps + c.rps) / 2;
    const on = (b.rps + d.rps) / 2;
    const pct = (x, y) => `${(((y - x) / x) * 100).toFixed(1)}%`;
    const p50 = `${((a.p50 + c.p50) / 2).toFixed(2)} / ${((b.p50 + d.p50) / 2).toFixed(2)}`;
    lines.push(
      `| ${s} | ${[a, b, c, d].map((r) => r.rps.toFixed(0)).join(' | ')} | ${pct(off, on)} | ${pct(a.rps, c.rps)} | ${p50} |`,
    );
  }
  const counted = rounds.filter((r) => r.metrics).map((r) => r.results.counted);
  lines.push('', `requests counted by auth_http_requests_total in the "on" rounds: ${counted.join(', ')}`);
  lines.push(`wrk -t${load.threads} -c${load.conns} -d${load.seconds}s per round and endpoint, keep-alive, HTTPS on loopback`);
  return lines.join('\n');
}

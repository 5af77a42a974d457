// One side of the instruction counts of the metrics' per-request work (bench/metrics-cost.js
// runs it under valgrind's callgrind, which counts instructions whatever else the machine does):
//   node scripts/bench/hook-instructions.js <on|off> <requests>   a bare Fastify route through
//       app.inject(), with or without registerRequestMetrics
//   node scripts/bench/hook-instructions.js record <requests>     only the recording calls a
//       request makes (the hook's and a use case's)
// Two counts with different <requests> give the cost per request (the start-up cancels out).
import Fastify from 'fastify';
import { registerRequestMetrics } from '../../dist/src/http/request-metrics.js';
import { createPromMetrics } from '../../dist/src/metrics/prometheus.js';

const [side, count] = process.argv.slice(2);
const n = Number(count);
if (side === 'record') {
  const metrics = createPromMetrics();
  const routes = ['/auth/login/', '/auth/token/refresh/', '/auth/token/verify/', '/auth/me/'];
  for (let i = 0; i < n; i++) {
    metrics.http.request('POST', routes[i % 4], 200, 0.004);
    metrics.auth.verification('bearer', 'valid');
  }
} else {
  const app = Fastify({ logger: false });
  if (side === 'on') registerRequestMetrics(app, createPromMetrics().http);
  app.get('/auth/health/live/', async () => ({ status: 'ok' }));
  await app.ready();
  for (let i = 0; i < n; i++) await app.inject({ method: 'GET', url: '/auth/health/live/' });
  await app.close();
}

// One side of the instruction count of the metrics hook (bench/metrics-cost.js runs it under
// valgrind's callgrind, which counts instructions whatever else the machine is doing):
//   node scripts/bench/hook-instructions.js <on|off> <requests>
// A bare Fastify route, with or without registerRequestMetrics, driven by app.inject().
import Fastify from 'fastify';
import { registerRequestMetrics } from '../../dist/src/http/request-metrics.js';
import { createPromMetrics } from '../../dist/src/metrics/prometheus.js';

const [side, count] = process.argv.slice(2);
const app = Fastify({ logger: false });
if (side === 'on') registerRequestMetrics(app, createPromMetrics().http);
app.get('/auth/health/live/', async () => ({ status: 'ok' }));
await app.ready();
for (let i = 0; i < Number(count); i++) await app.inject({ method: 'GET', url: '/auth/health/live/' });
await app.close();

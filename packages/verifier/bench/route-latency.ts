// The latency a protected Fastify route adds: one Fastify app, the same handler behind the
// plugin and without it, requests one at a time over a keep-alive connection, alternating, so
// that both see the same machine. The difference of the two distributions is the plugin's cost.
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { fastifyAuth } from '../src/fastify.js';
import type { Verifier } from '../src/index.js';

export interface Latency {
  p50: number;
  p99: number;
  mean: number;
}

export async function routeLatency(
  verifier: Verifier,
  tokens: string[],
  requests: number,
): Promise<{ open: Latency; protected: Latency }> {
  const app = Fastify();
  app.get('/open', async () => ({ ok: true }));
  await app.register(async (scope) => {
    await scope.register(fastifyAuth, { verifier });
    scope.get('/protected', async () => ({ ok: true }));
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples = { open: [] as number[], protected: [] as number[] };
  try {
    for (let i = 0; i < requests + 200; i++) {
      const headers = { authorization: `Bearer ${tokens[i % tokens.length]}` };
      for (const path of ['open', 'protected'] as const) {
        const ms = await timed(port, `/${path}`, headers, agent);
        if (i >= 200) samples[path].push(ms); // the first 200 warm up
      }
    }
  } finally {
    agent.destroy();
    await app.close();
  }
  return { open: summarise(samples.open), protected: summarise(samples.protected) };
}

function timed(port: number, path: string, headers: Record<string, string>, agent: Agent): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${path} answered ${res.statusCode}`));
      res.resume();
      res.on('end', () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
    });
    req.on('error', reject);
    req.end();
  });
}

function summarise(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

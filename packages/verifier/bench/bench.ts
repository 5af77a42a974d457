// The verifier benchmark: `npm run bench -w @auth-service/verifier [-- --seconds 3 --rounds 3]`.
// Verifications per CPU-second (the process's user + system time, threads included: jose
// verifies on libuv's thread pool, so wall-clock time on a loop would not be per core) of our
// verifier and of jose, fast-jwt and jsonwebtoken + jwks-rsa, on the same ES256 tokens from the
// same JWKS (a real HTTPS server), in one run, rounds interleaved; the median round is reported,
// with the wall-clock rate of the same sequential loop beside it. Then the latency a protected
// Fastify route adds. See docs/verifier.md ("Performance").
//  - cold: every token distinct (a verifier meeting each token once): every signature checked;
//  - warm: one client's token, again and again (what a service mostly sees): our verified-token
//    cache and fast-jwt's cache skip the signature; jose and jsonwebtoken have no such cache.
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { refreshAudience } from '@auth-service/protocol';
import { createVerifier } from '../src/index.js';
import { AUDIENCE, accessClaims, ISSUER, newKey, sign, startJwksServer } from '../test/helpers/jwks-server.js';
import { type Contender, fastJwt, jose, jsonwebtokenRsa, ours, type Target } from './contenders.js';
import { routeLatency } from './route-latency.js';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '3000' },
  },
});
const SECONDS = Number(opts.seconds);
const ROUNDS = Number(opts.rounds);
const log = (line: string) => process.stdout.write(`${line}\n`);

const key = newKey();
const server = await startJwksServer([key]);
const target: Target = { jwksUrl: server.jwksUri, url: server.url, ca: server.ca, issuer: ISSUER, audience: AUDIENCE };
const hour = Math.floor(Date.now() / 1000) + 3600;
const distinct = Array.from({ length: 20_000 }, () => sign(key, accessClaims({ exp: hour })));
const refresh = sign(key, accessClaims({ exp: hour, token_type: 'refresh', aud: refreshAudience(ISSUER) }), 'refresh+jwt');

const scenarios: { name: string; tokens: string[]; contenders: Contender[] }[] = [
  {
    name: 'cold (every token distinct)',
    tokens: distinct,
    contenders: [
      ours(target, 0, '@auth-service/verifier (no cache)'),
      jose(target),
      fastJwt(target, false),
      jsonwebtokenRsa(target),
    ],
  },
  {
    name: 'warm (one token, reused)',
    tokens: distinct.slice(0, 1),
    contenders: [ours(target, 10_000, '@auth-service/verifier'), jose(target), fastJwt(target, true), jsonwebtokenRsa(target)],
  },
];

log(`verifier benchmark: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}, ${SECONDS} s x ${ROUNDS} rounds each`);
for (const scenario of scenarios) {
  // Every contender must accept our access tokens and refuse our refresh token before it is timed.
  for (const c of scenario.contenders) {
    await c.verify(scenario.tokens[0] as string);
    await assert.rejects(c.verify(refresh), `${c.name} accepted a refresh token`);
  }
  const rounds = new Map<string, Rate[]>(scenario.contenders.map((c) => [c.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of scenario.contenders) rounds.get(c.name)?.push(await measure(c, scenario.tokens));
  }
  log(`\n${scenario.name}: verifications per CPU-second, median of ${ROUNDS} (all rounds) | wall-clock /s, sequential`);
  for (const [name, figures] of rounds) {
    const median = (of: (r: Rate) => number) => [...figures.map(of)].sort((a, b) => a - b)[Math.floor(figures.length / 2)] ?? 0;
    const all = figures.map((r) => fmt(r.perCpuSecond)).join(', ');
    log(`  ${name.padEnd(44)} ${fmt(median((r) => r.perCpuSecond)).padStart(8)} (${all}) | ${fmt(median((r) => r.perSecond))}`);
  }
  for (const c of scenario.contenders) await c.close?.();
}

const requests = Number(opts.requests);
for (const [label, tokens, cacheSize] of [
  ['one token, reused', distinct.slice(0, 1), 10_000],
  ['every token distinct', distinct, 0],
] as const) {
  const verifier = createVerifier({ url: target.url, ca: target.ca, issuer: ISSUER, audience: AUDIENCE, cacheSize });
  const latency = await routeLatency(verifier, [...tokens], requests);
  await verifier.close();
  const ms = (v: number) => `${v.toFixed(3)} ms`;
  log(`\nFastify route latency, ${requests} sequential requests each over keep-alive HTTP/1.1 (${label}):`);
  log(`  without the plugin  p50 ${ms(latency.open.p50)}  p99 ${ms(latency.open.p99)}  mean ${ms(latency.open.mean)}`);
  log(
    `  with the plugin     p50 ${ms(latency.protected.p50)}  p99 ${ms(latency.protected.p99)}  mean ${ms(latency.protected.mean)}`,
  );
  log(
    `  added               p50 ${ms(latency.protected.p50 - latency.open.p50)}  mean ${ms(latency.protected.mean - latency.open.mean)}`,
  );
}
await server.stop();

interface Rate {
  perCpuSecond: number;
  perSecond: number;
}

/** Sequential verifications of `tokens`, cycling, for SECONDS (after a short warm-up). */
async function measure(c: Contender, tokens: string[]): Promise<Rate> {
  let i = 0;
  for (const end = Date.now() + 300; Date.now() < end; i++) await c.verify(tokens[i % tokens.length] as string);
  let count = 0;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    for (let j = 0; j < 100; j++, i++, count++) await c.verify(tokens[i % tokens.length] as string);
  }
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { perCpuSecond: count / cpuSeconds, perSecond: count / (Number(process.hrtime.bigint() - start) / 1e9) };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

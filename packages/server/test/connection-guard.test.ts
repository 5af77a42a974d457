// The connection guard on a real listening server (plain HTTP: the caps act before TLS, on the
// TCP connection): what it counts, and that its log is one line per interval whatever the flood.
// Eviction at the total cap needs TLS: test/process/connection-flood.test.ts.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { type ConnectionStats, guardConnections } from '../src/http/connection-guard.js';
import { waitFor } from './helpers/feed.js';
import { idleFlood } from './helpers/flood.js';

const LIMITS = { handshakeTimeoutMs: 5000, headersTimeoutMs: 5000, keepAliveTimeoutMs: 5000, max: 20, maxPerClient: 5 };
const INTERVAL_MS = 1000;

describe('connection guard', () => {
  const lines: Array<{ refused: { totalCap: number; clientCap: number }; addresses: string[] }> = [];
  const log = { info() {}, error() {}, warn: (obj: object) => lines.push(obj as (typeof lines)[number]) };
  let server: Server;
  let stats: ConnectionStats;
  let port: number;
  before(async () => {
    server = createServer((_req, res) => res.end('ok'));
    stats = guardConnections(server, LIMITS, log, INTERVAL_MS);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('per address: 5 held, the rest refused and counted; one log line, then one summary', async () => {
    const started = Date.now();
    const flood = await idleFlood(port, { count: 50, from: '127.0.0.2', parallel: 10 });
    await waitFor('refusals to close', () => flood.held() === LIMITS.maxPerClient);
    await waitFor('the server to count them', () => stats.refusedClientCap === 45);
    assert.equal(stats.open, LIMITS.maxPerClient);
    const logged = () => lines.reduce((n, line) => n + line.refused.clientCap, 0);
    await waitFor('the summary', () => logged() === 45, 5000);
    // The first refusal at once, the others in summaries: one per interval at most.
    assert.equal(lines[0]?.refused.clientCap, 1);
    assert.ok(lines.length <= 2 + (Date.now() - started) / INTERVAL_MS, `${lines.length} lines`);
    assert.deepEqual(lines[0]?.addresses, ['127.0.0.2']);
    // Another address still gets its own 5.
    const other = await idleFlood(port, { count: 5, from: '127.0.0.3' });
    await waitFor('the other address to be held', () => stats.open === 10);
    assert.equal(other.held(), 5);
    flood.close();
    other.close();
    await waitFor('the counts to fall back', () => stats.open === 0);
  });

  test('in all, without TLS (nothing to evict): MAX_CONNECTIONS held, the rest refused and counted', async () => {
    lines.length = 0;
    const floods = await Promise.all(
      ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8'].map((from) => idleFlood(port, { count: 5, from })),
    );
    await waitFor('the total to hold', () => floods.reduce((n, f) => n + f.held(), 0) === LIMITS.max);
    await waitFor('the drops to be counted', () => stats.refusedTotalCap === 5);
    assert.equal(stats.open, LIMITS.max);
    await waitFor('a notice', () => lines.some((line) => line.refused.totalCap > 0), 5000);
    for (const flood of floods) flood.close();
  });
});

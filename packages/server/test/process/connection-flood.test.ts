// Idle-connection floods against the real process: connections that never send a byte, from
// one loopback address (127.0.0.2) while honest clients on 127.0.0.1 probe health and login,
// each probe on a new TLS connection. Sized to what this test process can hold open: up to
// 20,000 attempts, fewer when its open-file limit is lower.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../helpers/feed.js';
import { idleFlood, ownFileLimit, probeWhile } from '../helpers/flood.js';
import { createDeployment, type Deployment, type Service } from '../helpers/process.js';

const FLOOD_SIZE = Math.min(20_000, ownFileLimit() - 1000);
const ALICE = { username: 'alice', password: 'alice-password-1' };
const CAP_NOTICE = /connection cap reached/;

function capNotices(service: Service): Array<{ refused: { totalCap: number; clientCap: number }; evictedHandshakes: number }> {
  return service
    .output()
    .split('\n')
    .filter((line) => CAP_NOTICE.test(line))
    .map((line) => JSON.parse(line));
}

describe('an idle flood from one address (defaults, pglite)', () => {
  let deployment: Deployment;
  let service: Service;
  before(async () => {
    deployment = await createDeployment('pglite');
    service = await deployment.start();
    const created = await deployment.cli(['user', 'create', 'alice'], { input: `${ALICE.password}\n` });
    assert.equal(created.code, 0, created.stderr);
  });
  after(() => deployment?.dispose());

  test(`${FLOOD_SIZE} idle connections: the address gets its cap, honest clients keep being served`, async () => {
    assert.ok(FLOOD_SIZE >= 5000, `this process can hold only ${FLOOD_SIZE} connections (ulimit -n)`);
    const probes = probeWhile(service.port, service.ca, ALICE);
    const started = Date.now();
    const flood = await idleFlood(service.port, { count: FLOOD_SIZE });
    // The server closes what is over the per-address cap (256 by default) at once.
    await waitFor('the refused connections to close', () => flood.held() <= 256);
    const during = probes.tally.ok;
    await waitFor('honest probes while the flood holds its connections', () => probes.tally.ok >= during + 10);
    const tally = await probes.stop();
    assert.deepEqual(tally.failed, [], 'every honest probe answered 200');
    assert.equal(flood.established + flood.failed, FLOOD_SIZE);

    // Refusals are logged, rate-limited: the first at once, then one summary per 10 s at most.
    await waitFor('the summary of refusals', () => capNotices(service).reduce((n, l) => n + l.refused.clientCap, 0) > 0, 15_000);
    const notices = capNotices(service);
    assert.ok(notices.length <= 2 + Math.ceil((Date.now() - started) / 10_000), `${notices.length} notices`);
    // The connections it kept never sent a ClientHello: TLS_HANDSHAKE_TIMEOUT (5 s) closes them.
    await waitFor('the server to close the idle connections', () => flood.held() === 0, 5000 + 20_000);
    flood.close();
  });
});

describe('an idle flood past MAX_CONNECTIONS (pglite)', () => {
  let deployment: Deployment;
  let service: Service;
  before(async () => {
    // No per-address cap: one address stands for a flood from many. A long handshake timeout:
    // the flood's connections stay until evicted.
    deployment = await createDeployment('pglite', {
      MAX_CONNECTIONS: '2000',
      MAX_CONNECTIONS_PER_CLIENT: '0',
      TLS_HANDSHAKE_TIMEOUT: '60s',
    });
    service = await deployment.start();
    const created = await deployment.cli(['user', 'create', 'alice'], { input: `${ALICE.password}\n` });
    assert.equal(created.code, 0, created.stderr);
  });
  after(() => deployment?.dispose());

  test('holds at most MAX_CONNECTIONS; honest clients take the place of the oldest idle handshakes', async () => {
    const flood = await idleFlood(service.port, { count: 5000 });
    // Evictions reach this side a moment after the server closed them.
    await waitFor('the flood to hold at most MAX_CONNECTIONS', () => flood.held() <= 2000);
    assert.ok(flood.held() > 1900, `${flood.held()} held: the flood itself fills the slots`);
    // Every slot is taken by the flood: each honest connection evicts its oldest connection.
    const probes = probeWhile(service.port, service.ca, ALICE);
    await waitFor('honest probes while the flood fills every slot', () => probes.tally.ok >= 10);
    const tally = await probes.stop();
    assert.deepEqual(tally.failed, [], 'every honest probe answered 200');
    await waitFor('the eviction notice', () => capNotices(service).some((line) => line.evictedHandshakes > 0));
    flood.close();
  });
});

// The revocation feed across processes: two instances on one PostgreSQL, the first a cluster of
// two workers. Subscribers are spread over every process; logouts and logout/all go through
// each instance in turn; every subscriber must see every revocation, whichever process made it
// and whichever process it is connected to. Then the embedded database: the CLI's
// `user disable` (through the admin socket) reaches a subscriber of the running service.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openRevocationFeed, type RevocationFeed } from '@auth-service/verifier';
import { bearer } from '../helpers/endpoint.js';
import { FEED_TOKEN, waitFor } from '../helpers/feed.js';
import { claimsOf } from '../helpers/http.js';
import { createDeployment, type Deployment, DRIVERS, type Service } from '../helpers/process.js';

const sidOf = (token: string) => String(claimsOf(token).sid);
const feedFor = (service: Service) =>
  openRevocationFeed({ url: `https://127.0.0.1:${service.port}`, ca: service.ca, token: FEED_TOKEN });

if (DRIVERS.includes('postgres')) {
  describe('revocation feed across instances and workers (postgres, real processes)', () => {
    let deployment: Deployment;
    let clustered: Service;
    let single: Service;
    const feeds: RevocationFeed[] = [];
    before(async () => {
      deployment = await createDeployment('postgres', { REVOCATION_FEED_TOKEN: FEED_TOKEN });
      clustered = await deployment.start({ WORKERS: '2' });
      single = await deployment.start({ WORKERS: '1' });
      const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
      assert.equal(created.code, 0, created.stderr);
    });
    after(async () => {
      for (const feed of feeds) await feed.close();
      await deployment?.dispose();
    });

    test('every subscriber sees every revocation, wherever it was made', async () => {
      // Four streams to the cluster (the primary hands connections to its workers in turn), two to the other instance.
      for (const service of [clustered, clustered, clustered, clustered, single, single]) feeds.push(feedFor(service));
      await Promise.all(feeds.map((feed) => feed.ready()));
      const ended: string[] = [];
      for (const [i, service] of [clustered, single, clustered, single, clustered, single].entries()) {
        const pair = await service.login('alice');
        if (i === 4) assert.equal((await service.post('/auth/logout/all/', {}, bearer(pair.access))).status, 200);
        else assert.equal((await service.post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
        ended.push(sidOf(pair.access));
      }
      for (const [n, feed] of feeds.entries()) {
        for (const sid of ended) await waitFor(`subscriber ${n} to see ${sid}`, () => feed.isRevoked(sid));
      }
      const live = await single.login('alice');
      assert.ok(
        feeds.every((feed) => !feed.isRevoked(sidOf(live.access))),
        'a live session is in no feed',
      );
    });
  });
}

describe('revocation feed, embedded database: the CLI revokes through the running service', () => {
  let deployment: Deployment;
  let service: Service;
  let feed: RevocationFeed | undefined;
  before(async () => {
    deployment = await createDeployment('pglite', { REVOCATION_FEED_TOKEN: FEED_TOKEN });
    service = await deployment.start();
    const created = await deployment.cli(['user', 'create', 'bob'], { input: 'bob-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await feed?.close();
    await deployment?.dispose();
  });

  test('user disable and user set-password reach a subscriber', async () => {
    feed = feedFor(service);
    await feed.ready();
    const first = await service.login('bob');
    const passwordChanged = await deployment.cli(['user', 'set-password', 'bob'], { input: 'bob-password-2\n' });
    assert.equal(passwordChanged.code, 0, passwordChanged.stderr);
    await waitFor('set-password in the feed', () => feed?.isRevoked(sidOf(first.access)) ?? false);
    const second = await service.login('bob', 'bob-password-2');
    const disabled = await deployment.cli(['user', 'disable', 'bob']);
    assert.equal(disabled.code, 0, disabled.stderr);
    await waitFor('disable in the feed', () => feed?.isRevoked(sidOf(second.access)) ?? false);
  });
});

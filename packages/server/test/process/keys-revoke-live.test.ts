// A key revoked while clients are connected, with real processes: two instances of the service
// on one PostgreSQL (KEY_RELOAD_INTERVAL=1s), the operator's CLI in a third process. Both
// instances refuse the revoked key's tokens and drop it from the JWKS at their next reload,
// without a restart; the tokens of the current key keep working throughout. Then the key
// encryption secret is changed under the running instances.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer } from '../helpers/endpoint.js';
import { waitFor } from '../helpers/feed.js';
import { headerOf } from '../helpers/http.js';
import { createDeployment, type Deployment, type Service } from '../helpers/process.js';

const OLD = 'the-old-secret-0123456789';
const NEW = 'the-new-secret-9876543210';

describe('keys revoke and reencrypt beside two running instances (postgres, real processes)', () => {
  let deployment: Deployment;
  let instances: Service[];
  before(async () => {
    deployment = await createDeployment('postgres', { KEY_RELOAD_INTERVAL: '1s', KEY_ENCRYPTION_SECRET: OLD });
    instances = [await deployment.start(), await deployment.start()];
    const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
  });
  after(() => deployment?.dispose());

  const kidOf = (token: string) => String(headerOf(token).kid);
  const meStatus = async (service: Service, access: string) => (await service.get('/auth/me/', bearer(access))).status;
  const published = async (service: Service) =>
    ((await service.get('/auth/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid);

  test('revoke: both instances refuse the key within KEY_RELOAD_INTERVAL; the current key never stops', async () => {
    const [first, second] = instances as [Service, Service];
    const leaked = await first.login('alice');
    for (const service of instances) assert.equal(await meStatus(service, leaked.access), 200);

    const refused = await deployment.cli(['keys', 'revoke', kidOf(leaked.access)]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is the current signing key and has no successor: run `keys rotate --now` first/);

    assert.equal((await deployment.cli(['keys', 'rotate', '--now'])).code, 0);
    await waitFor('both instances sign with the new key', async () => {
      const kids = await Promise.all(instances.map(async (s) => kidOf((await s.login('alice')).access)));
      return kids.every((kid) => kid !== kidOf(leaked.access));
    });
    const fresh = await second.login('alice');

    const revoked = await deployment.cli(['keys', 'revoke', kidOf(leaked.access), '--json']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual(JSON.parse(revoked.stdout), { kid: kidOf(leaked.access), was: 'retired (verifying)', successor: null });

    for (const service of instances) {
      await waitFor(
        `instance on ${service.port} refuses the revoked key`,
        async () => (await meStatus(service, leaked.access)) === 401,
      );
      assert.ok(!(await published(service)).includes(kidOf(leaked.access)));
      assert.equal(await meStatus(service, fresh.access), 200, 'the current key still verifies');
      assert.equal((await service.post('/auth/token/refresh/', { refresh: leaked.refresh })).status, 401);
    }
    const listed = JSON.parse((await deployment.cli(['keys', 'list', '--json'])).stdout) as { kid: string; state: string }[];
    assert.equal(listed.find((k) => k.kid === kidOf(leaked.access))?.state, 'revoked');
    const table = await deployment.cli(['keys', 'list']);
    assert.match(table.stdout, /^kid\s+alg\s+state\s+createdAt\s+activatesAt\s+retiredAt\s+revokedAt\s+encrypted$/m);
  });

  test('reencrypt under running old-secret instances: they serve on; restarted with the new secret, they start', async () => {
    const pair = { KEY_ENCRYPTION_SECRET: NEW, KEY_ENCRYPTION_SECRET_PREVIOUS: OLD };
    const moved = await deployment.cli(['keys', 'reencrypt', '--json'], { env: pair });
    assert.equal(moved.code, 0, moved.stderr);
    const result = JSON.parse(moved.stdout) as { reencrypted: string[]; unchanged: string[] };
    assert.equal(result.unchanged.length, 0);
    assert.ok(result.reencrypted.length >= 2);
    for (const service of instances) {
      const tokens = await service.login('alice');
      assert.equal(await meStatus(service, tokens.access), 200, 'an instance still on the old secret signs and verifies');
    }
    const oldOnly = await deployment.cli(['keys', 'list']);
    assert.equal(oldOnly.code, 1, 'a process started with only the old secret refuses the keys');
    assert.match(oldOnly.stderr, /KEY_ENCRYPTION_SECRET is wrong/);

    const before = await (instances[0] as Service).login('alice');
    assert.equal(await (instances[0] as Service).stop('SIGTERM'), 0);
    const restarted = await deployment.start({ KEY_ENCRYPTION_SECRET: NEW });
    assert.equal(await meStatus(restarted, before.access), 200, 'tokens signed before the change verify after it');
    const human = await deployment.cli(['keys', 'reencrypt'], { env: pair });
    assert.match(human.stdout, /^re-encrypted 0 key\(s\); \d+ already under KEY_ENCRYPTION_SECRET$/m);
  });
});

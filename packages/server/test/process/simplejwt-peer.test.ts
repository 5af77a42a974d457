// The cut-over from the real Django + SimpleJWT service (shared/peers/simplejwt, Debian's
// Django 3.2 and SimpleJWT 5.2.2), end to end: users are made there with several password
// hashers, log in there over HTTPS and some log out (their tokens blacklisted); then
// `auth-service import django` reads the Django database (twice), and, over HTTPS here:
// every user logs in with the old password and gets argon2id; the peer's refresh tokens
// refresh and log out here; its blacklisted ones are refused; its access tokens are read;
// `user create` still works. The other way round, the peer's /auth/me/ (SimpleJWT's
// JWTAuthentication, unchanged) accepts our HS256 access tokens signed with the shared key,
// and, with ALGORITHM and JWK_URL changed, our ES256 tokens through our JWKS. Last, the same
// import from a `manage.py dumpdata` file into the embedded database, through the CLI beside
// the running service.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { CURRENT_PREFIX } from '../../src/crypto/argon2.js';
import { djangoMissing, FIXTURES } from '../helpers/django.js';
import { bearer, expectCode, type TokenPair } from '../helpers/endpoint.js';
import { manage, type Peer, type PeerDatabase, peerPython, peerSource, preparePeer, startPeer } from '../helpers/peer.js';
import { createDeployment, type Deployment, PACKAGE_DIR, type Service } from '../helpers/process.js';

const ROLLBACK_SQL = join(PACKAGE_DIR, 'scripts', 'rollback-to-simplejwt.sql');

const SKIP = djangoMissing() ?? (peerSource() ? undefined : 'the simplejwt peer is not beside the repository');

/** Users made at the peer: one per hasher (and parameters) a Django service may have stored. */
const SEEDED = [
  { username: 'pbkdf2-user', hasher: 'pbkdf2_sha256' },
  { username: 'pbkdf2-1000-user', hasher: 'pbkdf2_sha256', iterations: 1000 },
  { username: 'pbkdf2-sha1-user', hasher: 'pbkdf2_sha1' },
  { username: 'argon2-user', hasher: 'argon2' },
  { username: 'bcrypt-sha256-user', hasher: 'bcrypt_sha256' },
  { username: 'bcrypt-user', hasher: 'bcrypt' },
  { username: 'scrypt-user', hasher: 'scrypt' },
  { username: 'rex', hasher: 'pbkdf2_sha256' },
  { username: 'md5-user', hasher: 'md5', refused: true },
  { username: 'unsalted-md5-user', hasher: 'unsalted_md5', refused: true },
  { username: 'unusable-user', hasher: 'unusable', refused: true },
].map((u) => ({ ...u, password: `${u.username}-pässword-1` }));

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());

describe('cut-over from the SimpleJWT peer', { skip: SKIP, timeout: 900_000 }, () => {
  let db: PeerDatabase;
  let peer: Peer;
  let deployment: Deployment;
  let service: Service;
  let ids: Record<string, number>;
  /** alice's two logins at the peer (the second logged out there), and rex's. */
  let alice1: TokenPair;
  let alice2: TokenPair;
  let rex: TokenPair;

  before(async () => {
    db = preparePeer();
    peer = await startPeer(db);
    ids = await peerPython(db, join(FIXTURES, 'peer_seed.py'), SEEDED);
    alice1 = await peer.login('alice', 'alice-password-1');
    alice2 = await peer.login('alice', 'alice-password-1');
    rex = await peer.login('rex', 'rex-pässword-1');
    assert.equal((await peer.post('/auth/logout/', { refresh_token: alice2.refresh })).status, 200);
    assert.deepEqual((await peer.get('/auth/me/', bearer(alice1.access))).body, { id: ids.alice, username: 'alice' });
    // Consumers keep verifying with the shared key: our service signs HS256 with it too.
    deployment = await createDeployment('postgres', {
      JWT_ALGORITHM: 'HS256',
      JWT_SIGNING_KEY: db.secretKey,
      SIMPLEJWT_SIGNING_KEY: db.secretKey,
    });
  });
  after(async () => {
    await peer?.stop();
    await deployment?.dispose();
    await db?.drop();
  });

  test('import django --dry-run writes nothing; the import, run twice, imports once', async () => {
    const dry = await deployment.cli(['import', 'django', '--from', db.url, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^DRY RUN/);
    const first = await deployment.cli(['import', 'django', '--from', db.url, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout);
    const users = SEEDED.length + 2; // start.sh seeds alice and inactive
    assert.equal(summary.users.seen, users);
    assert.equal(summary.users.imported, users);
    assert.deepEqual(summary.refused, { weak: { md5: 1, unsalted_md5: 1 }, unsupported: 0, unusable: 1 });
    assert.equal(summary.sessions.imported, 3);
    assert.equal(summary.sessions.blacklisted, 1);
    const again = await deployment.cli(['import', 'django', '--from', db.url]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`0 imported, 0 updated, ${users} unchanged, 0 refused`));
    assert.match(again.stdout, /what to do: .*PASSWORD_HASHERS/s);
    service = await deployment.start();
  });

  test('every user logs in here with the old password and gets an argon2id hash; refused hashes never log in', async () => {
    for (const user of SEEDED) {
      const res = await service.post('/auth/login/', { username: user.username, password: user.password });
      assert.equal(res.status, user.refused ? 401 : 200, `${user.username}: ${res.raw}`);
      if (!user.refused) assert.equal(claimsOf(res.body.access as string).user_id, ids[user.username]);
    }
    const client = new pg.Client({ connectionString: deployment.databaseUrl });
    await client.connect();
    try {
      const logged = SEEDED.filter((u) => !u.refused).map((u) => u.username);
      const upgraded = async () =>
        Number(
          (
            await client.query('SELECT count(*) AS n FROM users WHERE username = ANY($1) AND password_hash LIKE $2', [
              logged,
              `${CURRENT_PREFIX}%`,
            ])
          ).rows[0].n,
        );
      for (let i = 0; i < 200 && (await upgraded()) < logged.length; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await upgraded(), logged.length);
    } finally {
      await client.end();
    }
  });

  test("the peer's refresh tokens refresh and log out here; the one it blacklisted is refused", async () => {
    const refreshed = await service.post('/auth/token/refresh/', { refresh: alice1.refresh });
    assert.equal(refreshed.status, 200, refreshed.raw);
    assert.deepEqual((await service.get('/auth/me/', bearer(refreshed.body.access as string))).body, {
      id: ids.alice,
      username: 'alice',
    });
    const blacklisted = await service.post('/auth/token/refresh/', { refresh: alice2.refresh });
    expectCode(blacklisted, 401, 'token_not_valid', 'blacklisted at the peer');
    assert.equal(blacklisted.body.detail, 'Token is blacklisted');
    expectCode(await service.post('/auth/logout/', { refresh_token: alice2.refresh }), 400, 'logout_failed', 'logout');
    assert.equal((await service.post('/auth/logout/', { refresh_token: alice1.refresh })).status, 200);
    expectCode(await service.post('/auth/token/refresh/', { refresh: alice1.refresh }), 401, 'token_not_valid', 'after logout');
  });

  test("the peer's access tokens are accepted on /auth/me/ and verify until they expire", async () => {
    assert.deepEqual((await service.get('/auth/me/', bearer(rex.access))).body, { id: ids.rex, username: 'rex' });
    assert.equal((await service.post('/auth/token/verify/', { token: rex.access })).status, 200);
    assert.equal((await service.post('/auth/token/verify/', { token: rex.refresh })).status, 200);
  });

  test('user create works after the import: the next id is past the imported ones', async () => {
    const created = await deployment.cli(['user', 'create', 'newcomer'], { input: 'newcomer-password-1\n' });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`created user id ${Math.max(...Object.values(ids)) + 1}$`, 'm'));
  });

  test("the peer's /auth/me/ (SimpleJWT's JWTAuthentication, unchanged) accepts our HS256 access tokens", async () => {
    const ours = await service.login('rex', 'rex-pässword-1');
    assert.ok(claimsOf(ours.access).sid, 'a token of ours');
    assert.deepEqual((await peer.get('/auth/me/', bearer(ours.access))).body, { id: ids.rex, username: 'rex' });
  });

  test('rollback: the old service refreshes our tokens; rollback-to-simplejwt.sql carries our logouts back', async () => {
    const ours = await service.login('rex', 'rex-pässword-1');
    assert.equal((await peer.post('/auth/token/refresh/', { refresh: ours.refresh })).status, 200);
    assert.equal((await service.post('/auth/logout/', { refresh_token: ours.refresh })).status, 200);
    const copy = spawnSync(
      'bash',
      [
        '-c',
        `psql "$AUTH_DB" -Atc "COPY (SELECT replace(refresh_jti::text, '-', ''), user_id, created_at, expires_at, revoked_at
           FROM sessions WHERE revoked_at IS NOT NULL AND expires_at > now()) TO STDOUT" |
         psql "$DJANGO_DB" -q -v ON_ERROR_STOP=1 -f "$SCRIPT"`,
      ],
      { env: { ...process.env, AUTH_DB: deployment.databaseUrl, DJANGO_DB: db.url, SCRIPT: ROLLBACK_SQL }, encoding: 'utf8' },
    );
    assert.equal(copy.status, 0, copy.stderr);
    const refused = await peer.post('/auth/token/refresh/', { refresh: ours.refresh });
    assert.equal(refused.status, 401, refused.raw);
    assert.equal(refused.body.detail, 'Token is blacklisted');
    // The peer's own sessions it never saw revoked are untouched: rex's first login still refreshes there.
    assert.equal((await peer.post('/auth/token/refresh/', { refresh: rex.refresh })).status, 200);
  });

  test('with ALGORITHM ES256 and JWK_URL, a consumer verifies our ES256 tokens through our JWKS', async () => {
    const es256 = await deployment.start({ JWT_ALGORITHM: 'ES256', JWT_SIGNING_KEY: '' });
    const caFile = join(db.dir, 'our-ca.pem');
    writeFileSync(caFile, es256.ca);
    const consumer = await startPeer(db, {
      PEER_JWK_URL: `https://127.0.0.1:${es256.port}/auth/.well-known/jwks.json`,
      SSL_CERT_FILE: caFile,
    });
    try {
      const ours = await es256.login('rex', 'rex-pässword-1');
      assert.deepEqual((await consumer.get('/auth/me/', bearer(ours.access))).body, { id: ids.rex, username: 'rex' });
      expectCode(await consumer.get('/auth/me/', bearer(`${ours.access.slice(0, -4)}AAAA`)), 401, 'token_not_valid', 'tampered');
    } finally {
      await consumer.stop();
      await es256.stop();
    }
  });

  test('from a dumpdata file, into the embedded database, through the CLI beside the running service', async () => {
    const dump = await manage(db, ['dumpdata', 'auth.user', 'token_blacklist']);
    const embedded = await createDeployment('pglite', { SIMPLEJWT_SIGNING_KEY: db.secretKey });
    try {
      const file = join(embedded.dataDir, 'dump.json');
      writeFileSync(file, dump);
      const running = await embedded.start();
      const imported = await embedded.cli(['import', 'django', '--from', file]);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, /users: \d+ read/);
      assert.equal((await running.post('/auth/token/refresh/', { refresh: rex.refresh })).status, 200);
      await running.login('scrypt-user', 'scrypt-user-pässword-1');
    } finally {
      await embedded.dispose();
    }
  });
});

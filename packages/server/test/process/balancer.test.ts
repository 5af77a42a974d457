// Three real instances on one PostgreSQL behind a real HAProxy (round robin, TLS passthrough,
// health check on /auth/health/ready/), as docs/scaling.md describes: started together on an
// empty database they migrate once; a logout through the balancer is refused by every
// instance at once, with the session's state cached in every worker (auth/session-cache.ts); the login throttle is one counter for all (on the database, and on Redis);
// `keys rotate` and `keys rotate --now` run once by the CLI reach every instance, and none
// refuses a token another signed; a rolling restart under a steady mixed load fails nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { loadMigrations } from '../../src/db/migrate.js';
import { bearer, type Endpoint, expectCode, pairRefused } from '../helpers/endpoint.js';
import { type Fleet, startFleet } from '../helpers/fleet.js';
import { HAPROXY } from '../helpers/haproxy.js';
import { headerOf } from '../helpers/http.js';
import { DRIVERS, type Service, sleep } from '../helpers/process.js';

// In CI (CI=true) a missing haproxy or PostgreSQL fails here; locally the suite is skipped.
const runnable = DRIVERS.includes('postgres') && (Boolean(HAPROXY) || process.env.CI === 'true');
const WRONG = 'not-the-password';

const FLEET_ENV = {
  // Longer than the balancer needs to take an instance out (2 checks 300 ms apart).
  SHUTDOWN_DRAIN_DELAY: '3s',
  KEY_RELOAD_INTERVAL: '2s',
  LOGIN_FREE_FAILURES: '3',
  LOGIN_BASE_DELAY: '1h',
  HASH_QUEUE_TIMEOUT: '60s',
};

async function createUsers(fleet: Fleet, names: string[]): Promise<void> {
  for (const name of names) {
    const created = await fleet.deployment.cli(['user', 'create', name], { input: `${name}-password-1\n` });
    assert.equal(created.code, 0, created.stderr);
  }
}

/** Three wrong passwords through the balancer (one per instance), then every instance refuses the right one. */
async function throttleIsShared(fleet: Fleet, username: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    expectCode(await fleet.balancer.post('/auth/login/', { username, password: WRONG }), 401, 'no_active_account', `wrong ${i}`);
  }
  for (const [i, instance] of fleet.instances.entries()) {
    const res = await instance.post('/auth/login/', { username, password: `${username}-password-1` });
    expectCode(res, 429, 'throttled', `instance ${i} after 3 failures spread over the instances`);
  }
}

if (runnable) {
  describe('three instances behind HAProxy on one PostgreSQL (real processes)', () => {
    let fleet: Fleet;
    before(async () => {
      fleet = await startFleet(3, FLEET_ENV);
      await createUsers(fleet, ['alice', 'bob', 'carol']);
    });
    after(() => fleet?.close());

    test('started together on an empty database, they apply every migration exactly once', async () => {
      const outputs = fleet.instances.map((instance) => instance.output());
      const applying = outputs.filter((output) => /"msg":"migrations applied"/.test(output));
      assert.equal(applying.length, 1, 'one instance applied the migrations, the others found them done');
      const client = new pg.Client({ connectionString: fleet.deployment.databaseUrl });
      await client.connect();
      const { rows } = await client.query('SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version');
      const keys = await client.query('SELECT count(*)::int AS n FROM signing_keys');
      await client.end();
      assert.equal(rows.length, loadMigrations().length);
      assert.ok(rows.every((row) => row.n === 1));
      assert.equal(keys.rows[0]?.n, 1, 'one first signing key, created by one of them');
    });

    test('a logout through the balancer: every instance refuses the session at once, its cache warm', async () => {
      // Ten rounds; in each, every worker of every instance has the session's state in its
      // session cache (parallel requests open parallel connections, spread over the workers).
      for (let round = 0; round < 10; round++) {
        const pair = await fleet.balancer.login('alice');
        for (const instance of fleet.instances) {
          const warm = await Promise.all(Array.from({ length: 4 }, () => instance.get('/auth/me/', bearer(pair.access))));
          assert.deepEqual(
            warm.map((res) => res.status),
            [200, 200, 200, 200],
          );
        }
        assert.equal((await fleet.balancer.post('/auth/logout/', { refresh_token: pair.refresh })).status, 200);
        for (const [i, instance] of fleet.instances.entries()) {
          const checks = await Promise.all(Array.from({ length: 4 }, () => instance.get('/auth/me/', bearer(pair.access))));
          assert.deepEqual(
            checks.map((res) => res.status),
            [401, 401, 401, 401],
            `round ${round}, instance ${i}`,
          );
          await pairRefused(instance, pair, `round ${round}, instance ${i}`);
        }
        await pairRefused(fleet.balancer, pair, 'through the balancer');
      }
      const sessions = await fleet.balancer.sessions();
      for (const name of ['s0', 's1', 's2'])
        assert.ok((sessions[name] ?? 0) > 0, `round robin reached ${name}: ${JSON.stringify(sessions)}`);
    });

    test('the login throttle counts failures across the instances (database store)', () => throttleIsShared(fleet, 'bob'));

    test('keys rotate (staged) and --now, run once: all instances pick them up; none refuses a token another signed', async () => {
      const staged = await fleet.deployment.cli(['keys', 'rotate']);
      assert.equal(staged.code, 0, staged.stderr);
      const stagedKid = kidOf(staged.stdout);
      for (const instance of fleet.instances) await untilPublished(instance, stagedKid);
      // During the staged switch the previous key signs on, and every instance accepts its tokens.
      const before = await signAndCheckEverywhere(fleet.instances);
      assert.ok(
        before.kids.every((kid) => kid !== stagedKid),
        'the staged key does not sign yet',
      );

      const now = await fleet.deployment.cli(['keys', 'rotate', '--now']);
      assert.equal(now.code, 0, now.stderr);
      const nowKid = kidOf(now.stdout);
      // Until every instance signs with the new key: each signs a token, each token goes to
      // every instance 4 times at once (the first instances to reload sign with it while the
      // others have not loaded it yet).
      const refused: string[] = [];
      for (;;) {
        const round = await signAndCheckEverywhere(fleet.instances);
        refused.push(...round.refused);
        if (round.kids.every((kid) => kid === nowKid)) break;
      }
      assert.deepEqual(refused, []);
    });

    test('a rolling restart under a steady mixed load through the balancer: zero failed requests', async () => {
      // Kept-alive connections: those to a draining instance are closed after their answer.
      const load = steadyLoad(fleet.balancer.keptAlive(), 'carol', 4);
      await load.until(20);
      for (let i = 0; i < fleet.instances.length; i++) {
        await fleet.restart(i);
        await load.until(load.count() + 20); // traffic between the steps, on the restarted fleet
      }
      const { failures, count } = await load.stop();
      assert.deepEqual(failures, []);
      assert.ok(count > 60);
      for (const instance of fleet.instances) assert.match(instance.output(), /auth-service listening/);
    });
  });

  describe('three instances behind HAProxy, throttle counters in Redis (real processes)', () => {
    let fleet: Fleet;
    // Redis outlives the test: a name of its own, so that no earlier run's counters count.
    const dave = `dave${Date.now()}`;
    before(async () => {
      const redisDb = process.env.TEST_REDIS_DB ?? '0';
      fleet = await startFleet(3, { ...FLEET_ENV, REDIS_URL: `redis://127.0.0.1:6379/${redisDb}` });
      await createUsers(fleet, [dave]);
    });
    after(() => fleet?.close());

    test('the login throttle counts failures across the instances (Redis store)', () => throttleIsShared(fleet, dave));
  });
}

const kidOf = (stdout: string) => {
  const kid = /new key (\S+),/.exec(stdout)?.[1];
  assert.ok(kid, stdout);
  return kid;
};

async function untilPublished(instance: Service, kid: string): Promise<void> {
  for (;;) {
    const jwks = await instance.get('/auth/.well-known/jwks.json');
    if ((jwks.body.keys as Array<{ kid: string }>).some((key) => key.kid === kid)) return;
    await sleep(100);
  }
}

/** Each instance signs a token (a login); each token goes to every instance 4 times at once. */
async function signAndCheckEverywhere(instances: Service[]): Promise<{ kids: string[]; refused: string[] }> {
  const tokens = await Promise.all(instances.map(async (instance) => (await instance.login('alice')).access));
  const refused: string[] = [];
  await Promise.all(
    tokens.flatMap((token, signer) =>
      instances.flatMap((instance, checker) =>
        Array.from({ length: 4 }, async () => {
          const res = await instance.get('/auth/me/', bearer(token));
          if (res.status !== 200) refused.push(`signed by ${signer} (${headerOf(token).kid}), refused by ${checker}: ${res.raw}`);
        }),
      ),
    ),
  );
  return { kids: tokens.map((token) => String(headerOf(token).kid)), refused };
}

/** `workers` loops of login, me, refresh through `api`, recording every request that is not a 200. */
function steadyLoad(api: Endpoint, username: string, workers: number) {
  const failures: string[] = [];
  let count = 0;
  let stopped = false;
  const attempt = async (what: string, send: () => Promise<{ status: number; raw: string }>) => {
    count++;
    try {
      const res = await send();
      if (res.status !== 200) failures.push(`${what}: ${res.status} ${res.raw}`);
      return res;
    } catch (err) {
      failures.push(`${what}: ${(err as Error).message}`);
      return null;
    }
  };
  const loop = async () => {
    while (!stopped) {
      const login = await attempt('login', () => api.post('/auth/login/', { username, password: `${username}-password-1` }));
      const pair = login?.status === 200 ? (JSON.parse(login.raw) as { access: string; refresh: string }) : null;
      if (!pair) continue;
      await attempt('me', () => api.get('/auth/me/', bearer(pair.access)));
      await attempt('refresh', () => api.post('/auth/token/refresh/', { refresh: pair.refresh }));
    }
  };
  const running = Promise.all(Array.from({ length: workers }, loop));
  return {
    count: () => count,
    async until(n: number) {
      while (count < n && !stopped) await sleep(20);
    },
    async stop() {
      stopped = true;
      await running;
      return { failures, count };
    },
  };
}

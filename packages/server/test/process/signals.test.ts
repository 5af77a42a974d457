// Stopping the real process: SIGTERM drains what is in flight and exits 0; SIGKILL in the
// middle of logouts loses none that was answered 200 (and, on PGlite, leaves a stale lock
// that the next start takes over).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectionRefused, createDeployment, type Deployment, DRIVERS, type Service } from '../helpers/process.js';

const ALICE = { username: 'alice', password: 'alice-password-1' };
const SESSIONS = 120;
const KILL_AFTER = 60;
const CONCURRENCY = 8;

/** Runs fn(0..count-1), `concurrency` at a time, until done or until `stop()` says so. */
async function inPool(count: number, concurrency: number, fn: (i: number) => Promise<void>, stop = () => false) {
  let next = 0;
  const worker = async () => {
    while (next < count && !stop()) await fn(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

for (const driver of DRIVERS) {
  describe(`signals (${driver}, real process)`, () => {
    let deployment: Deployment;
    let service: Service;
    before(async () => {
      // Concurrent logins of one account count as attempts until they succeed: allow many,
      // and let them wait for a hashing thread rather than be refused on a busy machine.
      deployment = await createDeployment(driver, { LOGIN_FREE_FAILURES: '1000000', HASH_QUEUE_TIMEOUT: '60s' });
      // ACCESS_LOG prints "incoming request": the test sees when the logins are in flight.
      // One hashing thread keeps them queued for a while.
      service = await deployment.start({ ACCESS_LOG: 'true', HASH_CONCURRENCY: '1', SHUTDOWN_TIMEOUT: '60s' });
      const created = await deployment.cli(['user', 'create', 'alice'], { input: `${ALICE.password}\n` });
      assert.equal(created.code, 0, created.stderr);
    });
    after(() => deployment?.dispose());

    test('SIGTERM with 20 logins in flight: all of them answered 200, exit 0, then connections are refused', async () => {
      let signalled = false;
      let answeredBeforeSignal = 0;
      const logins = Array.from({ length: 20 }, () =>
        service.post('/auth/login/', ALICE).then((res) => {
          if (!signalled) answeredBeforeSignal++;
          return res;
        }),
      );
      await service.waitForOutput(/"url":"\/auth\/login\/".*"msg":"incoming request"/, 20);
      signalled = true;
      const exitCode = service.stop('SIGTERM');
      const answers = await Promise.all(logins);
      assert.ok(answeredBeforeSignal < 20, 'some logins were still in flight when the signal came');
      assert.deepEqual(
        answers.map((res) => res.status),
        Array(20).fill(200),
      );
      for (const res of answers) assert.equal(typeof res.body.access, 'string');
      assert.equal(await exitCode, 0);
      assert.equal(await connectionRefused(service.port), 'ECONNREFUSED');
    });

    test('SIGKILL amid a stream of logouts: after a restart, every logout answered 200 holds', async () => {
      service = await deployment.start();
      const pairs: Array<{ refresh: string }> = [];
      await inPool(SESSIONS, CONCURRENCY, async () => {
        pairs.push(await service.login('alice'));
      });

      const confirmed: number[] = [];
      const sent = new Set<number>();
      let killed: Promise<number | null> | undefined;
      await inPool(
        SESSIONS,
        CONCURRENCY,
        async (i) => {
          sent.add(i);
          const res = await service.post('/auth/logout/', { refresh_token: pairs[i]?.refresh }).catch(() => null);
          if (res?.status === 200) confirmed.push(i);
          if (confirmed.length >= KILL_AFTER && !killed) killed = service.stop('SIGKILL');
        },
        () => killed !== undefined,
      );
      await killed;
      assert.ok(confirmed.length >= KILL_AFTER);
      assert.ok(sent.size < SESSIONS, 'the kill came in the middle of the stream');

      if (driver === 'pglite') {
        const lock = join(deployment.dataDir, 'pglite.lock');
        assert.equal(readFileSync(lock, 'utf8').trim(), String(service.pid), 'the killed process left its lock behind');
        assert.equal(isAlive(service.pid), false);
      }
      service = await deployment.start();
      if (driver === 'pglite')
        assert.equal(readFileSync(join(deployment.dataDir, 'pglite.lock'), 'utf8').trim(), String(service.pid));

      const refreshStatus = async (i: number) =>
        (await service.post('/auth/token/refresh/', { refresh: pairs[i]?.refresh })).status;
      const afterConfirmed: number[] = [];
      await inPool(confirmed.length, CONCURRENCY, async (k) => {
        afterConfirmed.push(await refreshStatus(confirmed[k] as number));
      });
      assert.deepEqual(afterConfirmed, Array(confirmed.length).fill(401));
      // Sessions never logged out are untouched: the 401s above are the logouts, not a broken restart.
      const untouched = pairs.map((_, i) => i).filter((i) => !sent.has(i));
      const afterUntouched: number[] = [];
      await inPool(untouched.length, CONCURRENCY, async (k) => {
        afterUntouched.push(await refreshStatus(untouched[k] as number));
      });
      assert.deepEqual(afterUntouched, Array(untouched.length).fill(200));
    });
  });
}

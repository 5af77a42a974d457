// Waiting for a turn (issue 14): a login that finds every turn of its account or address taken
// waits at most LOGIN_WAIT_TIMEOUT and then gets 429 throttled with Retry-After, never a hang;
// a turn that is never settled (its instance died, in this process or as a real process
// killed with SIGKILL) expires after the lease, so it never becomes a lock. Turns are held
// here through the Throttle itself, so that nothing depends on timing.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LoginTicket } from '../src/auth/throttle.js';
import { type ThrottleStore, Turns } from '../src/auth/throttle-turns.js';
import { parseConfig } from '../src/config/config.js';
import { anotherInstance, useTestApp } from './helpers/app.js';
import { assertThrottled, attempt, cleanUpRedis, freshIp, right, uname, VARIANTS, WRONG } from './helpers/throttle.js';

after(cleanUpRedis);

const SETTINGS = { LOGIN_WAIT_TIMEOUT: '300ms' };
const HOLD_TURNS = fileURLToPath(new URL('./helpers/hold-turns.js', import.meta.url));

/** Runs hold-turns.js until it holds `count` turns on `username`, then kills it (SIGKILL). */
async function dieHoldingTurns(env: Record<string, string>, username: string, count: number): Promise<void> {
  const child = spawn(process.execPath, [HOLD_TURNS, username, String(count)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const held = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('held')) resolve();
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('exit', (code) => reject(new Error(`hold-turns exited (${code}) before holding: ${output}`)));
  });
  await held;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  const [, signal] = await exited;
  assert.equal(signal, 'SIGKILL');
}

test('LOGIN_WAIT_TIMEOUT: 10 s by default; the lease outlasts the longest a live login holds a turn', () => {
  const defaults = parseConfig({}).throttle;
  assert.equal(defaults.waitTimeoutMs, 10_000);
  assert.equal(defaults.leaseMs, 37_000); // 10 s wait + 2 s hash queue + 3 x 5 s statements + 10 s
  const tuned = parseConfig({ LOGIN_WAIT_TIMEOUT: '0', HASH_QUEUE_TIMEOUT: '30s', DB_STATEMENT_TIMEOUT: '20s' }).throttle;
  assert.deepEqual([tuned.waitTimeoutMs, tuned.leaseMs], [0, 100_000]);
  assert.throws(() => parseConfig({ LOGIN_WAIT_TIMEOUT: 'soon' }), /^ConfigError: LOGIN_WAIT_TIMEOUT: /);
});

test('a store that throws at once fails that attempt only: the key is not left with a dead queue', async () => {
  let calls = 0;
  const store: ThrottleStore = {
    take: (() => {
      calls++;
      if (calls === 1) throw new Error('store broke');
      return Promise.resolve('granted');
    }) as ThrottleStore['take'],
    settle: async () => {},
    connect: async () => {},
    ping: async () => {},
    close: async () => {},
  };
  const turns = new Turns(store, Date.now);
  const far = performance.now() + 60_000;
  await assert.rejects(turns.take('account', 'a:x', 'first', far), /store broke/);
  await turns.take('account', 'a:x', 'second', far); // granted, not left waiting for a pump that died
  assert.equal(calls, 2);
});

for (const v of VARIANTS) {
  describe(`waiting for a turn is bounded (${v.name})`, { skip: v.skip }, () => {
    const t = useTestApp(v.driver, { ...v.env, ...SETTINGS, LOGIN_CLIENT_LIMIT: '3' });

    test('every turn of the account taken: the login waits, then 429 with Retry-After; a settled turn lets it in', async () => {
      const alice = uname('alice');
      await t.user(alice);
      const held: LoginTicket[] = [];
      for (let i = 0; i < 5; i++) held.push(await t.deps.throttle.reserve(alice, freshIp()));
      const waited = await attempt(t.app, alice, right(alice), { ip: freshIp() });
      assert.equal(assertThrottled(waited), 1, 'a wait that ran out: try again in a second');
      // A failure settles one turn but takes its place: 1 failure + 4 in flight, still full.
      await held[0]?.failed();
      assertThrottled(await attempt(t.app, alice, right(alice), { ip: freshIp() }));
      // A success clears the failures: 3 in flight, room for the login.
      await held[1]?.succeeded();
      assert.equal((await attempt(t.app, alice, right(alice), { ip: freshIp() })).status, 200);
      for (const ticket of held) await ticket.release();
    });

    test('every turn of the address taken: the login waits, then 429; only failures use the budget up', async () => {
      const ip = freshIp();
      const held: LoginTicket[] = [];
      for (let i = 0; i < 3; i++) held.push(await t.deps.throttle.reserve(uname(`held${i}`), ip));
      const bob = uname('bob');
      await t.user(bob);
      assert.equal(assertThrottled(await attempt(t.app, bob, right(bob), { ip })), 1);
      await held[0]?.succeeded(); // not charged to the address: its turn is free again
      assert.equal((await attempt(t.app, bob, right(bob), { ip })).status, 200);
      await held[1]?.failed();
      await held[2]?.failed();
      assert.equal((await attempt(t.app, uname('carl'), WRONG, { ip })).status, 401, 'the third failure');
      const retryAfter = assertThrottled(await attempt(t.app, bob, right(bob), { ip }));
      assert.ok(retryAfter > 1 && retryAfter <= 60, `refused until the window ends, not a wait: ${retryAfter}`);
    });

    test('an instance that stops holding turns: they expire after the lease, never a lock', async () => {
      const dora = uname('dora');
      await t.user(dora);
      const other = await anotherInstance(t);
      for (let i = 0; i < 5; i++) await other.deps.throttle.reserve(dora, freshIp());
      await other.close(); // gone without settling them
      assertThrottled(await attempt(t.app, dora, right(dora), { ip: freshIp() }));
      t.clock.advance(t.config.throttle.leaseMs - 1);
      assertThrottled(await attempt(t.app, dora, right(dora), { ip: freshIp() }));
      t.clock.advance(1);
      assert.equal((await attempt(t.app, dora, right(dora), { ip: freshIp() })).status, 200);
    });
  });

  // The embedded database is one process's: only a shared store can outlive a killed instance.
  const shared = v.driver === 'postgres';
  describe(`an instance killed holding turns (${v.name})`, { skip: v.skip || (!shared && 'needs PostgreSQL') }, () => {
    const t = useTestApp(v.driver, { ...v.env, ...SETTINGS });

    test('SIGKILL with every turn of an account taken: the account waits out the lease, then logs in', async () => {
      const erin = uname('erin');
      await t.user(erin);
      // The same settings as the test's instance, so that its turns carry the same lease.
      const env: Record<string, string> = { DATABASE_URL: t.config.databaseUrl ?? '', ...v.env, ...SETTINGS };
      await dieHoldingTurns(env, erin, 5);
      const heldBy = Date.now(); // the dead process stamped its turns with its clock, before this
      t.clock.ms = Math.max(t.clock.ms, heldBy);
      assertThrottled(await attempt(t.app, erin, right(erin), { ip: freshIp() }));
      t.clock.ms = heldBy + t.config.throttle.leaseMs;
      assert.equal((await attempt(t.app, erin, right(erin), { ip: freshIp() })).status, 200);
    });
  });
}

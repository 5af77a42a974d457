// The hashing threads: a thread that dies fails only its own job and is replaced, so that
// logins keep working (the limiter in front counts on a free thread for every job it admits).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { HashPool } from '../src/crypto/hash-pool.js';

describe('hash pool', () => {
  const pool = new HashPool(2);
  after(() => pool.close());
  const threads = () => [...(pool as unknown as { all: Set<Worker> }).all];

  test('a dead thread is replaced and the pool keeps its size', async () => {
    const hash = await pool.hash('a-password-1');
    assert.equal(await pool.verify(hash, 'a-password-1'), true);
    const [first] = threads();
    await first?.terminate();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(threads().length, 2);
    assert.ok(!threads().includes(first as Worker));
    // Both threads at once: the replacement works.
    const [one, two] = await Promise.all([pool.verify(hash, 'a-password-1'), pool.verify(hash, 'wrong')]);
    assert.deepEqual([one, two], [true, false]);
  });

  test('a thread dying mid-job fails that job only', async () => {
    const hash = await pool.hash('a-password-1');
    const doomed = pool.verify(hash, 'a-password-1');
    const other = pool.verify(hash, 'a-password-1');
    const busy = (pool as unknown as { busy: Map<Worker, number> }).busy;
    const [victim] = [...busy.keys()];
    await victim?.terminate();
    const results = await Promise.allSettled([doomed, other]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.equal(threads().length, 2);
    assert.equal(await pool.verify(hash, 'a-password-1'), true);
  });
});

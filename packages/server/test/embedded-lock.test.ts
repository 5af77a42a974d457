// The PGlite lock (DATA_DIR/pglite.lock) when many processes start at once on a lock left by a
// crashed owner: exactly one of them may take it over, every other one must see it busy. Two
// winners would both open the embedded database and corrupt it.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { lockPath } from '../src/db/embedded-lock.js';

const CONTENDERS = 8;
const ROUNDS = 3;
const LOCK_MODULE = new URL('../src/db/embedded-lock.js', import.meta.url).href;

// Each contender loads the module, says "ready", and tries the lock when told "go" (so that all
// of them try at the same moment). A winner holds the lock until its stdin ends: the others
// must find it held however slow they are.
const CONTENDER = `
import { acquireEmbeddedLock } from ${JSON.stringify(LOCK_MODULE)};
import { createInterface } from 'node:readline';
console.log('ready');
createInterface({ input: process.stdin }).once('line', () => {
  try {
    const lock = acquireEmbeddedLock(process.argv[1]);
    console.log('won');
    process.stdin.on('end', () => lock.release()).resume();
  } catch (err) {
    console.log(err.name === 'EmbeddedDatabaseBusyError' ? 'busy' : \`error \${err.message}\`);
    process.exit(0);
  }
});`;

function contender(dataDir: string): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return { child, lines: createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]() };
}

const nextLine = async (lines: AsyncIterator<string>) => String((await lines.next()).value);

/** The pid of a process that has exited: what a crashed owner leaves in its lock. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

describe('embedded database lock', () => {
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (let round = 1; round <= ROUNDS; round++) {
    test(`${CONTENDERS} processes take over a stale lock at once: exactly one wins (round ${round})`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'auth-lock-'));
      dirs.push(dataDir);
      const dead = await deadPid();
      writeFileSync(lockPath(dataDir), String(dead));

      const contenders = Array.from({ length: CONTENDERS }, () => contender(dataDir));
      const exited = Promise.all(contenders.map(({ child }) => new Promise((resolve) => child.on('exit', resolve))));
      try {
        for (const { lines } of contenders) assert.equal(await nextLine(lines), 'ready');
        for (const { child } of contenders) child.stdin?.write('go\n');
        const results = await Promise.all(contenders.map(({ lines }) => nextLine(lines)));

        assert.deepEqual([...results].sort(), [...Array(CONTENDERS - 1).fill('busy'), 'won']);
        const winner = contenders[results.indexOf('won')]?.child;
        assert.equal(readFileSync(lockPath(dataDir), 'utf8').trim(), String(winner?.pid), 'the lock names the winner');
      } finally {
        for (const { child } of contenders) child.stdin?.end(); // winners release and exit
        await exited;
      }
      // The winner released the lock, and the takeover left nothing behind.
      assert.deepEqual(readdirSync(dataDir), []);
    });
  }
});

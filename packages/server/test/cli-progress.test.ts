// The CLI's long commands report progress, which the terminal bar draws (a pipe gets none):
// `keys reencrypt` per key, `tokens flush-expired` per batch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMMANDS } from '../src/admin/commands.js';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { rotateKeys } from '../src/auth/keys/operations.js';
import { terminalProgress } from '../src/cli/progress.js';
import { anotherInstance, type TestApp, useTestApp } from './helpers/app.js';

function fakeTerminal(isTTY: boolean) {
  const written: string[] = [];
  const stream = { isTTY, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

function withNewSecret(t: TestApp): TestApp {
  const jwt = {
    ...t.config.jwt,
    keyEncryptionSecret: 'the-new-secret-9876543210',
    keyEncryptionSecretPrevious: 'the-old-secret-0123456789',
  };
  return { ...t, config: { ...t.config, jwt } };
}

describe('progress of long CLI commands (pglite)', () => {
  const t = useTestApp('pglite', { KEY_ENCRYPTION_SECRET: 'the-old-secret-0123456789' });

  test('keys reencrypt: a bar up to every key on a terminal; nothing on a pipe', async () => {
    await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
    await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
    const cli = await anotherInstance(withNewSecret(t));
    try {
      const terminal = fakeTerminal(true);
      const progress = terminalProgress(terminal.stream);
      await COMMANDS['keys.reencrypt'].run(cli.deps, {}, progress.io);
      progress.done();
      assert.ok(
        terminal.written.some((line) => line.includes('keys [##############################] 3/3')),
        terminal.written.join('|'),
      );
      assert.equal(terminal.written.at(-1), '\r\x1b[2K', 'the bar is cleared at the end');
      const pipe = fakeTerminal(false);
      const none = terminalProgress(pipe.stream);
      await COMMANDS['keys.reencrypt'].run(cli.deps, {}, none.io);
      none.done();
      assert.deepEqual(pipe.written, []);
    } finally {
      await cli.close();
    }
  });

  test('tokens flush-expired: each phase reports as it goes', async () => {
    const phases: string[] = [];
    await COMMANDS['tokens.flush-expired'].run(t.deps, {}, { progress: ({ phase }) => phases.push(phase) });
    assert.deepEqual([...new Set(phases)], ['successor tokens', 'sessions', 'throttle rows', 'audit events', 'revocations']);
  });
});

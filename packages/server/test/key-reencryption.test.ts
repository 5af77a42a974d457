// `keys reencrypt`: every stored private key moved to a new KEY_ENCRYPTION_SECRET in one
// transaction. An instance still running with the old secret keeps working (its keys are in
// memory) until it is restarted, and then needs the new secret; a key no secret given opens
// stops the command before anything is written.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { COMMANDS } from '../src/admin/commands.js';
import { CLI_CONTEXT } from '../src/auth/context.js';
import { rotateKeys } from '../src/auth/keys/operations.js';
import { type Reencryption, reencryptKeys } from '../src/auth/keys/reencrypt.js';
import { KeyRing } from '../src/auth/keys/ring.js';
import { KeyStore } from '../src/auth/keys/store.js';
import type { Config } from '../src/config/config.js';
import { parseStoredKey } from '../src/crypto/signing-keys.js';
import { listSigningKeys } from '../src/db/repos/signing-keys.js';
import { anotherInstance, DRIVERS, type TestApp, useTestApp } from './helpers/app.js';
import { injectEndpoint, pairAccepted } from './helpers/endpoint.js';

const OLD = 'the-old-secret-0123456789';
const NEW = 'the-new-secret-9876543210';
const OTHER = 'a-third-secret-5555555555';

/** The same deployment with other key secrets: what a restarted instance (or the CLI) would run with. */
function withSecrets(t: TestApp, keyEncryptionSecret: string, keyEncryptionSecretPrevious?: string): TestApp {
  const config = { ...t.config, jwt: { ...t.config.jwt, keyEncryptionSecret, keyEncryptionSecretPrevious } } as Config;
  return { ...t, config };
}

/** What reencryptKeys needs, with a key store of other secrets (not loaded: it parses nothing up front). */
function storeDeps(t: TestApp, keyEncryptionSecret: string, keyEncryptionSecretPrevious?: string) {
  const settings = { algorithm: 'ES256' as const, keyEncryptionSecret, keyEncryptionSecretPrevious };
  const keyStore = new KeyStore(t.db, new KeyRing('ES256', 0, t.clock.now), settings, t.clock.now);
  return { db: t.db, keyStore, audit: t.deps.audit };
}

const reencrypt = (deps: Parameters<(typeof COMMANDS)['keys.reencrypt']['run']>[0]) =>
  COMMANDS['keys.reencrypt'].run(deps) as Promise<Reencryption>;

for (const driver of DRIVERS) {
  describe(`keys reencrypt (${driver})`, () => {
    const t = useTestApp(driver, { KEY_ENCRYPTION_SECRET: OLD });
    let kids: string[];
    before(async () => {
      await t.user('alice');
      await rotateKeys(t.deps, CLI_CONTEXT, { immediate: true });
      await rotateKeys(t.deps, CLI_CONTEXT); // a staged key too
      kids = (await listSigningKeys(t.db)).map((row) => row.kid).sort();
      assert.equal(kids.length, 3);
    });
    const privateHalves = async () => (await listSigningKeys(t.db)).map((row) => row.privateJwk).sort();

    test('a key no given secret opens: refused, naming it, and nothing is written', async () => {
      const outsider = new KeyStore(
        t.db,
        new KeyRing('ES256', 0, t.clock.now),
        { algorithm: 'ES256', keyEncryptionSecret: OTHER },
        t.clock.now,
      );
      await outsider.rotate(new Date(t.clock.ms + 3_600_000));
      const before = await privateHalves();
      // The store alone, not a runtime: a runtime's start-up load would already stop at that key.
      await assert.rejects(
        reencryptKeys(storeDeps(t, NEW, OLD), CLI_CONTEXT),
        /opens with neither KEY_ENCRYPTION_SECRET nor KEY_ENCRYPTION_SECRET_PREVIOUS: nothing was changed/,
      );
      assert.deepEqual(await privateHalves(), before, 'not one row changed');
      // Clean up: the outsider's key to the old secret, the way an operator would.
      assert.equal((await reencryptKeys(storeDeps(t, OLD, OTHER), CLI_CONTEXT)).reencrypted.length, 1);
      kids = (await listSigningKeys(t.db)).map((row) => row.kid).sort();
    });

    test('every key moves to the new secret; the old-secret instance works on; a restart needs the new secret', async () => {
      const cli = await anotherInstance(withSecrets(t, NEW, OLD));
      let result: Reencryption;
      try {
        result = await reencrypt(cli.deps);
      } finally {
        await cli.close();
      }
      assert.deepEqual(result.reencrypted.sort(), kids);
      assert.deepEqual(result.unchanged, []);
      for (const row of await listSigningKeys(t.db)) {
        assert.doesNotThrow(() => parseStoredKey(row, NEW), `${row.kid} opens with the new secret`);
        assert.throws(() => parseStoredKey(row, OLD), /KEY_ENCRYPTION_SECRET is wrong/, `${row.kid} no longer with the old`);
      }

      // The instance started with the old secret only: its keys are parsed, a reload keeps them.
      await t.deps.keyStore.load();
      await pairAccepted(t.api, await t.api.login('alice'), 'the instance running with the old secret');

      // Restarted with the new secret alone (after the change is done): starts, and accepts the old instance's tokens.
      const restarted = await anotherInstance(withSecrets(t, NEW));
      try {
        await pairAccepted(injectEndpoint(restarted.app), await t.api.login('alice'), 'restarted with the new secret');
      } finally {
        await restarted.close();
      }
      // Restarted with the old secret alone: refuses to start, naming a key.
      await assert.rejects(anotherInstance(withSecrets(t, OLD)), /cannot be decrypted: KEY_ENCRYPTION_SECRET is wrong/);
    });

    test('run again: idempotent, every key already under the new secret', async () => {
      const cli = await anotherInstance(withSecrets(t, NEW, OLD));
      try {
        const again = await reencrypt(cli.deps);
        assert.deepEqual(again.reencrypted, []);
        assert.deepEqual(again.unchanged.sort(), kids);
      } finally {
        await cli.close();
      }
    });
  });
}

describe('keys reencrypt from plain keys (pglite)', () => {
  const t = useTestApp('pglite');

  test('without KEY_ENCRYPTION_SECRET: refused with what to set', async () => {
    await assert.rejects(reencrypt(t.deps), /KEY_ENCRYPTION_SECRET: set it to the new secret/);
  });

  test('keys stored plain (no secret before) are encrypted', async () => {
    const [plain] = await listSigningKeys(t.db);
    assert.ok(plain && !plain.privateJwk.startsWith('enc:'));
    const cli = await anotherInstance(withSecrets(t, NEW));
    try {
      assert.deepEqual((await reencrypt(cli.deps)).reencrypted, [plain.kid]);
    } finally {
      await cli.close();
    }
    const [row] = await listSigningKeys(t.db);
    assert.ok(row?.privateJwk.startsWith('enc:v1:'));
    if (!row) return;
    assert.doesNotThrow(() => parseStoredKey(row, NEW));
  });
});

// `keys reencrypt`: every stored private key moved to the current KEY_ENCRYPTION_SECRET, in one
// transaction (all or none: a key that no secret given opens stops it before anything is
// written). The old secret is KEY_ENCRYPTION_SECRET_PREVIOUS; instances still running with only
// the old secret keep the keys they have parsed in memory and go on signing and verifying until
// they are restarted with the new pair.
import { encryptPrivateKey, isEncrypted } from '../../crypto/key-encryption.js';
import { decryptWithAny } from '../../crypto/signing-keys.js';
import type { Database } from '../../db/port.js';
import { listSigningKeys, lockSigningKeys, updatePrivateKey } from '../../db/repos/signing-keys.js';
import { invalidField } from '../../errors.js';
import type { AuditLog } from '../audit.js';
import type { RequestContext } from '../context.js';
import type { KeyStore } from './store.js';

export interface Reencryption {
  /** Keys now stored under the current secret that were not before (previous secret, or plain). */
  reencrypted: string[];
  /** Keys already under the current secret: left as they were. */
  unchanged: string[];
}

export interface ReencryptDeps {
  db: Database;
  keyStore: Pick<KeyStore, 'secrets' | 'load' | 'algorithm'>;
  audit: Pick<AuditLog, 'recordBestEffort'>;
}

export type ReencryptProgress = (progress: { phase: string; done: number; total: number | null }) => void;

export async function reencryptKeys(
  deps: ReencryptDeps,
  ctx: RequestContext,
  progress?: ReencryptProgress,
): Promise<Reencryption> {
  const [secret] = deps.keyStore.secrets();
  if (deps.keyStore.algorithm === 'HS256') throw invalidField('keys', 'HS256 has no stored keys');
  if (!secret) {
    throw invalidField(
      'KEY_ENCRYPTION_SECRET',
      'set it to the new secret (and KEY_ENCRYPTION_SECRET_PREVIOUS to the old one) to re-encrypt the keys',
    );
  }
  const result = await deps.db.transaction(async (tx) => {
    await lockSigningKeys(tx);
    const rows = await listSigningKeys(tx);
    const done: Reencryption = { reencrypted: [], unchanged: [] };
    for (const row of rows) {
      progress?.({ phase: 'keys', done: done.reencrypted.length + done.unchanged.length, total: rows.length });
      if (opensWith(row.privateJwk, row.kid, secret)) {
        done.unchanged.push(row.kid);
        continue;
      }
      const plain = decryptOrExplain(row.privateJwk, row.kid, deps.keyStore.secrets());
      await updatePrivateKey(tx, row.kid, encryptPrivateKey(plain, row.kid, secret));
      done.reencrypted.push(row.kid);
    }
    progress?.({ phase: 'keys', done: rows.length, total: rows.length });
    return done;
  });
  await deps.audit.recordBestEffort(
    { event: 'keys_reencrypted', details: { reencrypted: result.reencrypted.length, unchanged: result.unchanged.length } },
    ctx,
  );
  await deps.keyStore.load();
  return result;
}

function opensWith(stored: string, kid: string, secret: string): boolean {
  if (!isEncrypted(stored)) return false;
  try {
    decryptWithAny(stored, kid, [secret]);
    return true;
  } catch {
    return false;
  }
}

function decryptOrExplain(stored: string, kid: string, secrets: (string | undefined)[]): string {
  try {
    return decryptWithAny(stored, kid, secrets);
  } catch {
    throw invalidField(
      'KEY_ENCRYPTION_SECRET_PREVIOUS',
      `signing key ${kid} opens with neither KEY_ENCRYPTION_SECRET nor KEY_ENCRYPTION_SECRET_PREVIOUS: nothing was changed`,
    );
  }
}

// Where the ring's keys come from. ES256: key pairs kept in the database, shared by every
// instance; the first start creates one (a named start-up step, not a side effect of
// construction), reloads pick up a rotation made by another process. HS256: the shared secret.
import type { Algorithm } from '@auth-service/protocol';
import { generateEs256Key, parseStoredKey, type SigningKey, sharedSecretKey } from '../../crypto/signing-keys.js';
import type { Database } from '../../db/port.js';
import {
  insertSigningKey,
  listSigningKeys,
  lockSigningKeys,
  retireSigningKeysAt,
  revokeSigningKey,
  type SigningKeyRow,
} from '../../db/repos/signing-keys.js';
import { AuthError, internalError, invalidField } from '../../errors.js';
import type { KeyRing } from './ring.js';
import type { KeyState } from './state.js';

export interface KeySettings {
  algorithm: Algorithm;
  /** The HS256 secret (JWT_SIGNING_KEY). */
  signingKey?: string;
  keyEncryptionSecret?: string;
  /** The secret keys were encrypted with before KEY_ENCRYPTION_SECRET, while `keys reencrypt` moves them. */
  keyEncryptionSecretPrevious?: string;
}

export interface Revocation {
  kid: string;
  /** Its state when it was revoked. */
  was: KeyState;
  /** The staged key that signs from now on in its place, when it was the current one. */
  successor: string | null;
}

/** A token naming a kid we do not know reloads the keys at most this often. */
const UNKNOWN_KID_RELOAD_MS = 5000;

export class KeyStore {
  private lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  /** The unknown-kid reload in flight, which every token that meets an unknown kid meanwhile awaits. */
  private unknownKidReload: Promise<void> | null = null;
  /** The last load queued: loads run one after another, so that an older read never applies last. */
  private loads: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly ring: KeyRing,
    private readonly settings: KeySettings,
    private readonly now: () => number,
  ) {}

  /** First start: creates the current ES256 key unless one exists (serialised across instances). */
  async ensureSigningKey(): Promise<void> {
    if (this.settings.algorithm === 'HS256') return;
    await this.db.transaction(async (tx) => {
      await lockSigningKeys(tx);
      const rows = await listSigningKeys(tx);
      if (rows.some((r) => r.retiredAt === null)) return;
      await insertSigningKey(tx, generateEs256Key(this.settings.keyEncryptionSecret, new Date(this.now())));
    });
  }

  /**
   * (Re)loads the ring. At start-up (`strict`) a key that cannot be loaded (a wrong
   * KEY_ENCRYPTION_SECRET) stops the service; later, such a row (written by a CLI with another
   * secret, say) is left out and the keys that do load keep working.
   */
  load(options: { strict?: boolean } = {}): Promise<void> {
    const run = this.loads.then(() => this.loadNow(options));
    this.loads = run.catch(() => {});
    return run;
  }

  private async loadNow(options: { strict?: boolean }): Promise<void> {
    if (this.settings.algorithm === 'HS256') return this.ring.replace([sharedSecretKey(this.settings.signingKey ?? '')]);
    const keys: SigningKey[] = [];
    for (const row of await listSigningKeys(this.db)) {
      const known = this.ring.loaded(row.kid);
      if (known) {
        keys.push({ ...known, activatesAt: row.activatesAt, retiredAt: row.retiredAt, revokedAt: row.revokedAt });
        continue;
      }
      try {
        keys.push(parseStoredKey(row, this.secrets()));
      } catch (err) {
        if (options.strict) throw err;
      }
    }
    this.ring.replace(keys);
  }

  get algorithm(): Algorithm {
    return this.settings.algorithm;
  }

  /** The secrets a stored key may be encrypted with: the current one first. */
  secrets(): (string | undefined)[] {
    const { keyEncryptionSecret, keyEncryptionSecretPrevious } = this.settings;
    return keyEncryptionSecretPrevious ? [keyEncryptionSecret, keyEncryptionSecretPrevious] : [keyEncryptionSecret];
  }

  /**
   * Revokes a leaked key: from now on it neither signs nor verifies nor is published (each
   * instance at its next reload). The key signing now can be revoked only when a successor
   * exists: another current key, or a staged one, which then signs at once. Idempotent.
   */
  async revoke(kid: string): Promise<Revocation> {
    if (this.settings.algorithm === 'HS256') throw invalidField('kid', 'HS256 has no stored keys: change JWT_SIGNING_KEY');
    const result = await this.db.transaction(async (tx) => {
      await lockSigningKeys(tx);
      const rows = await listSigningKeys(tx);
      const row = rows.find((r) => r.kid === kid);
      if (!row) throw new AuthError('not_found', `no signing key ${kid} (see keys list)`);
      const was = this.ring.stateOf(row);
      if (was === 'revoked') return { kid, was, successor: null };
      const successor = was === 'current' ? this.successorOf(kid, rows) : null;
      await revokeSigningKey(tx, kid, new Date(this.now()), successor ?? undefined);
      return { kid, was, successor };
    });
    await this.load();
    return result;
  }

  /** null when another key signs already; a staged key's kid; refused when nothing could sign. */
  private successorOf(kid: string, rows: SigningKeyRow[]): string | null {
    const others = rows.filter((r) => r.kid !== kid);
    if (others.some((r) => this.ring.stateOf(r) === 'current')) return null;
    const staged = others.find((r) => this.ring.stateOf(r) === 'next');
    if (staged) return staged.kid;
    throw invalidField(
      'kid',
      `${kid} is the current signing key and has no successor: run \`keys rotate --now\` first, then revoke it`,
    );
  }

  /**
   * A token named a kid we do not know: reload, at most once per UNKNOWN_KID_RELOAD_MS, so that a
   * flood of made-up kids is not a flood of database reads. Its own timer: the periodic reload
   * must not postpone it (a rotation made elsewhere is seen at the first token that needs it).
   * Tokens that arrive while that reload runs wait for it and are checked again (they are the
   * burst a rotation --now sends to every instance at once), rather than being refused by the
   * cooldown the first one started.
   */
  async reloadForUnknownKid(): Promise<boolean> {
    if (this.unknownKidReload) {
      await this.unknownKidReload;
      return true;
    }
    const now = this.now();
    if (now - this.lastUnknownKidReload < UNKNOWN_KID_RELOAD_MS) return false;
    this.lastUnknownKidReload = now;
    this.unknownKidReload = this.load().finally(() => {
      this.unknownKidReload = null;
    });
    await this.unknownKidReload;
    return true;
  }

  /**
   * Creates a new key that signs from `activatesAt` (now, or later for a staged rotation); the
   * keys that would sign then retire at that moment. Returns the new kid and the retiring ones.
   */
  async rotate(activatesAt: Date): Promise<{ retiring: string[]; next: string }> {
    if (this.settings.algorithm === 'HS256') {
      throw internalError('HS256 uses JWT_SIGNING_KEY: rotate it in the environment');
    }
    const result = await this.db.transaction(async (tx) => {
      await lockSigningKeys(tx);
      const now = new Date(this.now());
      const retiring = await retireSigningKeysAt(tx, now, activatesAt);
      const row = generateEs256Key(this.settings.keyEncryptionSecret, now, activatesAt);
      await insertSigningKey(tx, row);
      return { retiring, next: row.kid };
    });
    await this.load();
    return result;
  }
}

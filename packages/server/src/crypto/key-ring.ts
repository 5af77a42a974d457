// The keys this instance signs and verifies with. ES256 (default): key pairs generated once
// and kept in the database, shared by every instance. A key is published in the JWKS from its
// creation, signs from its activation (a staged rotation leaves verifiers time to fetch it
// first), and after its retirement still verifies until every token it signed has expired.
// HS256: one shared secret from JWT_SIGNING_KEY, never published.
import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Algorithm } from '../config/config.js';
import type { Database } from '../db/port.js';
import {
  insertSigningKey,
  listSigningKeys,
  lockSigningKeys,
  retireSigningKeysAt,
  type SigningKeyRow,
} from '../db/repos/signing-keys.js';
import { decryptPrivateKey, encryptPrivateKey } from './key-encryption.js';

/** ES256: a KeyObject (parsed once, at load: never per request). HS256: the secret's bytes. */
export type KeyMaterial = KeyObject | Buffer;

export interface LoadedKey {
  kid: string;
  alg: Algorithm;
  verifyKey: KeyMaterial;
  signKey?: KeyMaterial;
  publicJwk?: JWK;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
}

export interface KeyRingOptions {
  algorithm: Algorithm;
  signingKey?: string;
  keyEncryptionSecret?: string;
  /** How long a retired key must keep verifying: the longest token lifetime plus leeway. */
  retentionMs: number;
  now: () => number;
}

export type KeyState = 'next' | 'current' | 'retired (verifying)' | 'expired';

export class KeyRing {
  private keys = new Map<string, LoadedKey>();
  private lastReload = 0;

  constructor(
    private readonly db: Database,
    private readonly options: KeyRingOptions,
  ) {}

  /** Makes sure a current key exists (first start), then loads the ring. */
  async init(): Promise<void> {
    if (this.options.algorithm === 'HS256') return this.loadSharedSecret();
    await ensureSigningKey(this.db, this.options);
    await this.reload({ strict: true });
  }

  /** The one algorithm every token must name (each key has exactly this one). */
  get algorithm(): Algorithm {
    return this.options.algorithm;
  }

  /**
   * The key that signs now: of the keys active and not retired at this moment, the one
   * activated last. Computed per call (the ring holds two or three keys) so that a staged
   * rotation takes effect at its instant on every instance that has loaded the new key.
   */
  signingKey(): LoadedKey {
    const now = this.options.now();
    let signer: LoadedKey | undefined;
    for (const key of this.keys.values()) {
      if (this.stateOf(key, now) !== 'current') continue;
      if (!signer || key.activatesAt > signer.activatesAt) signer = key;
    }
    if (!signer) throw new Error('no current signing key');
    return signer;
  }

  /** A key of ours that may still verify tokens, or undefined. Never fetches anything. */
  verificationKey(kid: string): LoadedKey | undefined {
    const key = this.keys.get(kid);
    return key && this.stateOf(key) !== 'expired' ? key : undefined;
  }

  /** Public keys to publish: next, current and retired-but-verifying ES256 keys. */
  jwks(): { keys: JWK[] } {
    const keys: JWK[] = [];
    for (const key of this.keys.values()) {
      if (key.publicJwk && this.stateOf(key) !== 'expired') keys.push(key.publicJwk);
    }
    return { keys };
  }

  stateOf(key: { activatesAt: Date; retiredAt: Date | null }, now = this.options.now()): KeyState {
    const activates = key.activatesAt.getTime();
    const retires = key.retiredAt?.getTime() ?? Number.POSITIVE_INFINITY;
    // A staged key superseded before it activated (retires <= activates) never signs.
    if (retires > now && retires > activates) return activates > now ? 'next' : 'current';
    return retires + this.options.retentionMs > now ? 'retired (verifying)' : 'expired';
  }

  /**
   * Re-reads keys from the database (after a rotation by another process). At start-up
   * (`strict`) a key that cannot be loaded (wrong KEY_ENCRYPTION_SECRET) stops the service;
   * later, such a row (written by a CLI with another secret, say) is left out and the keys
   * that do load keep working.
   */
  async reload(options: { strict?: boolean } = {}): Promise<void> {
    if (this.options.algorithm === 'HS256') return;
    const rows = await listSigningKeys(this.db);
    const next = new Map<string, LoadedKey>();
    for (const row of rows) {
      const known = this.keys.get(row.kid);
      const times = { activatesAt: row.activatesAt, retiredAt: row.retiredAt };
      if (known) {
        next.set(row.kid, { ...known, ...times });
        continue;
      }
      const loaded = await loadRow(row, this.options.keyEncryptionSecret).catch((err) => {
        if (options.strict) throw err;
        return undefined;
      });
      if (loaded) next.set(row.kid, loaded);
    }
    this.keys = next;
    this.lastReload = this.options.now();
  }

  /**
   * Reload when a token names a kid we do not know, at most once per `minIntervalMs`: a
   * flood of made-up kids must not turn into a flood of database reads.
   */
  async reloadForUnknownKid(minIntervalMs = 5000): Promise<void> {
    if (this.options.now() - this.lastReload < minIntervalMs) return;
    this.lastReload = this.options.now();
    await this.reload();
  }

  private loadSharedSecret(): void {
    const secret = Buffer.from(this.options.signingKey ?? '', 'utf8');
    // The kid names the secret without revealing it (a digest of a >= 32-byte secret).
    const kid = `hs256-${createHash('sha256').update(secret).digest('base64url').slice(0, 12)}`;
    const since = new Date(0);
    const key: LoadedKey = {
      kid,
      alg: 'HS256',
      verifyKey: secret,
      signKey: secret,
      createdAt: since,
      activatesAt: since,
      retiredAt: null,
    };
    this.keys = new Map([[kid, key]]);
  }
}

async function loadRow(row: SigningKeyRow, secret: string | undefined): Promise<LoadedKey> {
  const alg = row.alg as Algorithm;
  const privateJwk = JSON.parse(decryptPrivateKey(row.privateJwk, row.kid, secret)) as JWK;
  return {
    kid: row.kid,
    alg,
    verifyKey: createPublicKey({ key: row.publicJwk as never, format: 'jwk' }),
    signKey: createPrivateKey({ key: privateJwk as never, format: 'jwk' }),
    publicJwk: { ...row.publicJwk, kid: row.kid, alg, use: 'sig' },
    createdAt: row.createdAt,
    activatesAt: row.activatesAt,
    retiredAt: row.retiredAt,
  };
}

async function newKeyRow(alg: Algorithm, secret: string | undefined, now: Date, activatesAt = now) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID().replaceAll('-', '').slice(0, 16);
  const privateJwk = encryptPrivateKey(JSON.stringify(await exportJWK(privateKey)), kid, secret);
  return { kid, alg, publicJwk: await exportJWK(publicKey), privateJwk, createdAt: now, activatesAt };
}

/** First start: create the current key unless one exists (serialised across instances). */
async function ensureSigningKey(db: Database, options: KeyRingOptions): Promise<void> {
  await db.transaction(async (tx) => {
    await lockSigningKeys(tx);
    const rows = await listSigningKeys(tx);
    if (rows.some((r) => r.retiredAt === null)) return;
    await insertSigningKey(tx, await newKeyRow(options.algorithm, options.keyEncryptionSecret, new Date(options.now())));
  });
}

/**
 * Creates a new key that signs from `activatesAt` (now, or later for a staged rotation); the
 * keys that would sign then retire at that moment. Returns the new kid and the retiring ones.
 */
export async function rotateSigningKey(
  db: Database,
  options: KeyRingOptions,
  activatesAt: Date,
): Promise<{ retiring: string[]; next: string }> {
  if (options.algorithm === 'HS256') throw new Error('HS256 uses JWT_SIGNING_KEY: rotate it in the environment');
  return db.transaction(async (tx) => {
    await lockSigningKeys(tx);
    const now = new Date(options.now());
    const retiring = await retireSigningKeysAt(tx, now, activatesAt);
    const row = await newKeyRow(options.algorithm, options.keyEncryptionSecret, now, activatesAt);
    await insertSigningKey(tx, row);
    return { retiring, next: row.kid };
  });
}

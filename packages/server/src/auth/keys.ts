// Operator use cases on signing keys.
import { rotateSigningKey } from '../crypto/key-ring.js';
import { listSigningKeys } from '../db/repos/signing-keys.js';
import type { AuthDeps, RequestContext } from './deps.js';

export interface KeyInfo {
  kid: string;
  alg: string;
  state: string;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  encrypted: boolean;
}

/** How long verifiers may cache the JWKS (its Cache-Control max-age). */
export const JWKS_MAX_AGE_SECONDS = 300;

export interface Rotation {
  next: string;
  retiring: string[];
  /** When the new key starts signing, and the retiring ones stop. */
  signsFrom: Date;
}

/**
 * Rotates the signing key. Staged (the default): the new key is published at once and signs
 * only after every verifier can have seen it: a JWKS cached just before the rotation (max-age)
 * served by an instance that had not reloaded its keys yet (KEY_RELOAD_INTERVAL). `immediate`
 * (a suspected key compromise) switches now and accepts that verifiers with a cached JWKS
 * refetch it when they meet the new kid.
 */
export async function rotateKeys(deps: AuthDeps, ctx: RequestContext, options: { immediate?: boolean } = {}): Promise<Rotation> {
  const { jwt } = deps.config;
  const delayMs = options.immediate ? 0 : JWKS_MAX_AGE_SECONDS * 1000 + jwt.keyReloadMs;
  const signsFrom = new Date(deps.now() + delayMs);
  const result = await rotateSigningKey(
    deps.db,
    { algorithm: jwt.algorithm, keyEncryptionSecret: jwt.keyEncryptionSecret, retentionMs: 0, now: deps.now },
    signsFrom,
  );
  await deps.keys.reload();
  await deps.audit.record('key_rotated', {}, ctx, {
    ...result,
    signsFrom: signsFrom.toISOString(),
    immediate: !!options.immediate,
  });
  return { ...result, signsFrom };
}

export async function listKeys(deps: AuthDeps): Promise<KeyInfo[]> {
  const rows = await listSigningKeys(deps.db);
  return rows.map((row) => ({
    kid: row.kid,
    alg: row.alg,
    state: deps.keys.stateOf(row),
    createdAt: row.createdAt,
    activatesAt: row.activatesAt,
    retiredAt: row.retiredAt,
    encrypted: row.privateJwk.startsWith('enc:'),
  }));
}

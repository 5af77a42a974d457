// Operator use cases on signing keys: rotate, list.
import { isEncrypted } from '../../crypto/key-encryption.js';
import type { Database } from '../../db/port.js';
import { listSigningKeys } from '../../db/repos/signing-keys.js';
import type { AuditLog } from '../audit.js';
import type { Clock, RequestContext } from '../context.js';
import type { KeyRing } from './ring.js';
import type { KeyStore } from './store.js';

export interface KeyInfo {
  kid: string;
  alg: string;
  state: string;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  revokedAt: Date | null;
  encrypted: boolean;
}

/** How long verifiers may cache the JWKS (its Cache-Control max-age). */
export const JWKS_MAX_AGE_SECONDS = 300;

/**
 * How long a staged rotation publishes the new key before it signs: the longest a consumer
 * keeps a JWKS without refetching (KEY_ROTATION_DELAY, 10 min by default: Envoy's jwt_authn
 * cache, which never refetches on an unknown kid; at least our own max-age), counted from the
 * moment every instance publishes the key, which is up to KEY_RELOAD_INTERVAL after the
 * rotation (an instance that has not reloaded yet serves the JWKS without it). A consumer that
 * fetched the JWKS from such an instance just before it reloaded refetches before the key signs.
 */
export const stagedRotationDelayMs = (keyRotationDelayMs: number, keyReloadMs: number) =>
  Math.max(keyRotationDelayMs, JWKS_MAX_AGE_SECONDS * 1000) + keyReloadMs;

export interface Rotation {
  next: string;
  retiring: string[];
  /** When the new key starts signing, and the retiring ones stop. */
  signsFrom: Date;
}

export interface KeyDeps {
  db: Database;
  ring: Pick<KeyRing, 'stateOf'>;
  keyStore: Pick<KeyStore, 'rotate'>;
  audit: Pick<AuditLog, 'recordBestEffort'>;
  now: Clock;
  keyRotation: { stagedDelayMs: number };
}

/**
 * Rotates the signing key. Staged (the default): the new key is published at once and signs
 * only after every verifier can have seen it. `immediate` (a suspected key compromise)
 * switches now and accepts that verifiers with a cached JWKS refetch it when they meet the
 * new kid.
 */
export async function rotateKeys(deps: KeyDeps, ctx: RequestContext, options: { immediate?: boolean } = {}): Promise<Rotation> {
  const signsFrom = new Date(deps.now() + (options.immediate ? 0 : deps.keyRotation.stagedDelayMs));
  const result = await deps.keyStore.rotate(signsFrom);
  const details = { ...result, signsFrom: signsFrom.toISOString(), immediate: !!options.immediate };
  await deps.audit.recordBestEffort({ event: 'key_rotated', details }, ctx);
  return { ...result, signsFrom };
}

/** Revokes a leaked key (KeyStore.revoke) and audits it. */
export async function revokeKey(
  deps: Pick<KeyDeps, 'keyStore' | 'audit'> & { keyStore: Pick<KeyStore, 'revoke'> },
  ctx: RequestContext,
  kid: string,
) {
  const result = await deps.keyStore.revoke(kid);
  await deps.audit.recordBestEffort({ event: 'key_revoked', details: { ...result } }, ctx);
  return result;
}

export async function listKeys(deps: Pick<KeyDeps, 'db' | 'ring'>): Promise<KeyInfo[]> {
  const rows = await listSigningKeys(deps.db);
  return rows.map((row) => ({
    kid: row.kid,
    alg: row.alg,
    state: deps.ring.stateOf(row),
    createdAt: row.createdAt,
    activatesAt: row.activatesAt,
    retiredAt: row.retiredAt,
    revokedAt: row.revokedAt,
    encrypted: isEncrypted(row.privateJwk),
  }));
}

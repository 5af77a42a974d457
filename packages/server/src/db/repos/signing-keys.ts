// signing_keys table: the ES256 key pairs every instance shares. Creating and retiring keys is
// serialised across instances by an advisory lock held for the transaction.
import type { Queryable, Transaction } from '../port.js';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  /** JWK JSON, or "enc:v1:…" (AES-256-GCM) when KEY_ENCRYPTION_SECRET is set. */
  privateJwk: string;
  createdAt: Date;
  /** When it starts signing (after a staged rotation, later than createdAt). */
  activatesAt: Date;
  /** When it stops signing (may be in the future: the moment its successor activates). */
  retiredAt: Date | null;
  revokedAt: Date | null;
}

export function listSigningKeys(db: Queryable): Promise<SigningKeyRow[]> {
  return db.query<SigningKeyRow>(
    `SELECT kid, alg, public_jwk AS "publicJwk", private_jwk AS "privateJwk", created_at AS "createdAt",
     activates_at AS "activatesAt", retired_at AS "retiredAt", revoked_at AS "revokedAt" FROM signing_keys ORDER BY created_at DESC`,
  );
}

export async function insertSigningKey(tx: Transaction, key: Omit<SigningKeyRow, 'retiredAt' | 'revokedAt'>): Promise<void> {
  await tx.query(
    'INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk, created_at, activates_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [key.kid, key.alg, JSON.stringify(key.publicJwk), key.privateJwk, key.createdAt, key.activatesAt],
  );
}

/**
 * Makes room for a key that signs from `at`. Of the keys not retired by `now`: one still
 * waiting for its activation (staged) is retired at that activation, so it never signs; the
 * one signing now signs on until `at` (sooner or later than planned before), so that there is
 * never an instant without a signing key. Returns the kids it changed.
 */
export async function retireSigningKeysAt(tx: Transaction, now: Date, at: Date): Promise<string[]> {
  const rows = await tx.query<{ kid: string }>(
    `UPDATE signing_keys
     SET retired_at = CASE WHEN activates_at > $1 THEN activates_at ELSE $2::timestamptz END
     WHERE (retired_at IS NULL OR retired_at > $1) AND retired_at IS DISTINCT FROM activates_at AND revoked_at IS NULL
     RETURNING kid`,
    [now, at],
  );
  return rows.map((row) => row.kid);
}

/** Serialises key creation across instances until the transaction ends. */
export async function lockSigningKeys(tx: Transaction): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [0x6b657973]); // "keys"
}

/**
 * Revokes `kid` at `now`. A successor staged to activate later signs from `now` instead; keys
 * that were to stop signing when the revoked one activated (it was staged) sign on.
 */
export async function revokeSigningKey(tx: Transaction, kid: string, now: Date, successor?: string): Promise<void> {
  const [revoked] = await tx.query<{ activatesAt: Date }>(
    `UPDATE signing_keys SET revoked_at = $2, retired_at = LEAST(COALESCE(retired_at, $2::timestamptz), $2::timestamptz)
     WHERE kid = $1 RETURNING activates_at AS "activatesAt"`,
    [kid, now],
  );
  if (!revoked) return;
  if (successor) await tx.query('UPDATE signing_keys SET activates_at = $2 WHERE kid = $1', [successor, now]);
  await tx.query(
    `UPDATE signing_keys SET retired_at = NULL
     WHERE kid <> $1 AND revoked_at IS NULL AND retired_at = $2 AND retired_at > $3 AND retired_at IS DISTINCT FROM activates_at`,
    [kid, revoked.activatesAt, now],
  );
}

/** Replaces a key's stored private half (re-encryption under a new KEY_ENCRYPTION_SECRET). */
export async function updatePrivateKey(tx: Transaction, kid: string, privateJwk: string): Promise<void> {
  await tx.query('UPDATE signing_keys SET private_jwk = $2 WHERE kid = $1', [kid, privateJwk]);
}

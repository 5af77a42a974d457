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
}

export function listSigningKeys(db: Queryable): Promise<SigningKeyRow[]> {
  return db.query<SigningKeyRow>(
    `SELECT kid, alg, public_jwk AS "publicJwk", private_jwk AS "privateJwk", created_at AS "createdAt",
     activates_at AS "activatesAt", retired_at AS "retiredAt" FROM signing_keys ORDER BY created_at DESC`,
  );
}

export async function insertSigningKey(tx: Transaction, key: Omit<SigningKeyRow, 'retiredAt'>): Promise<void> {
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
     WHERE (retired_at IS NULL OR retired_at > $1) AND retired_at IS DISTINCT FROM activates_at
     RETURNING kid`,
    [now, at],
  );
  return rows.map((row) => row.kid);
}

/** Serialises key creation across instances until the transaction ends. */
export async function lockSigningKeys(tx: Transaction): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [0x6b657973]); // "keys"
}

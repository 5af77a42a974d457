// The forged-token kit for tests that send forgeries to something other than our own app
// (a gateway in front of us, a third-party verifier): our published key, our signer (for the
// forgeries that keep our signature), an attacker key, and a listener that counts any fetch of
// an attacker's jku/x5u (it must stay at zero).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attackerFrom, es256, type Kit, kitFor } from '@auth-service/verifier/testing';
import pg from 'pg';
import { generate } from 'selfsigned';

export interface KitHandle {
  kit: Kit;
  listenerHits: string[];
  close(): Promise<void>;
}

/** The kit for the first key of `jwks` (as the service publishes it), `ours` its private key. */
export async function forgeryKit(jwks: { keys: Record<string, unknown>[] }, ours: KeyObject): Promise<KitHandle> {
  const pems = await generate([{ name: 'commonName', value: 'attacker.example' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
  } as never);
  const attacker = attackerFrom(pems.private, pems.cert);
  const listenerHits: string[] = [];
  const server = createServer((req, res) => {
    listenerHits.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [{ ...attacker.publicJwk, kid: attacker.kid, alg: 'ES256', use: 'sig' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const published = jwks.keys[0];
  if (!published) throw new Error('the JWKS is empty');
  const kit = kitFor({
    published,
    ours: es256(ours),
    attacker,
    listenerUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  return { kit, listenerHits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * The signing key of a real service process on PostgreSQL, read from its database (stored as a
 * plain JWK when KEY_ENCRYPTION_SECRET is unset): so that a test can sign "as the service".
 */
export async function signingKeyFromDatabase(databaseUrl: string): Promise<KeyObject> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT private_jwk FROM signing_keys WHERE activates_at <= now() AND (retired_at IS NULL OR retired_at > now())
       ORDER BY activates_at DESC LIMIT 1`,
    );
    return createPrivateKey({ key: JSON.parse(rows[0].private_jwk), format: 'jwk' });
  } finally {
    await client.end();
  }
}

/** Forgeries whose text an HTTP header can carry at all (no line breaks). */
export const headerSafe = (token: string) => !/[\r\n]/.test(token);

/**
 * Forgeries signed by our key whose claims break a rule of ours that generic libraries do not
 * have: jose and jsonwebtoken compare an exp of 1e400 (Infinity) with the clock and accept it.
 */
export const CLAIMS_LENIENT_ELSEWHERE = [/ of -?1e400 /];

/**
 * Forgeries that keep our valid signature over our claims and differ only in spelling or in
 * extra header parameters, and those above: refused by our stricter rules, and not expected to
 * be refused by a generic JOSE library. Every other forgery must be refused by any verifier
 * worth the name.
 */
export const LENIENT_ELSEWHERE = [
  ...CLAIMS_LENIENT_ELSEWHERE,
  /^jku on a token signed by our key/,
  /^x5u on a token signed by our key/,
  /^crit /,
  /^typ /, // the header typ on our genuine signature over our genuine claims (generic libraries ignore typ)
  /s replaced by n - s/,
  /padded/,
  /non-canonical/,
  /standard base64/,
  /trailing (space|newline)/,
  /leading space/,
];

// The forged-token table: every way we know to make a token that a careless verifier accepts
// (RFC 8725 attacks: "none", key confusion, key material in the header, kid injection, ECDSA
// signature bytes, tampered claims, other spellings of one token). Each forgery is built from
// the claims of a token that is valid, so that only the forged part can make it fail. Our
// server runs it through every endpoint, and @auth-service/verifier through validateToken;
// a consumer can run it against whatever verifies our tokens for them.
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import { LEGACY_TYP, TOKEN_TYP } from '@auth-service/protocol';
import {
  b64u,
  type Claims,
  derOf,
  enc,
  es256,
  flipBit,
  highTwin,
  hs256,
  jwt,
  nonCanonicalTwin,
  P256_ORDER,
  parts,
  type Signer,
} from './forge.js';

export interface Attacker {
  key: KeyObject;
  publicJwk: Record<string, unknown>;
  kid: string;
  /** A certificate for the attacker's key (DER), for x5c. */
  certDer: Buffer;
}

/** Everything a forgery may use: the victim's published key, its signer (for controls), the attacker's key, a listener. */
export interface Kit {
  kid: string;
  publicPem: string;
  publicJwkText: string;
  publicDer: Buffer;
  /** Signs as the service does: a control, and for headers refused on a token "we" signed. */
  ours: Signer;
  attacker: Attacker;
  /** Where an attacker's jku/x5u points: a listener the test watches, which must never be hit. */
  listenerUrl: string;
}

/** A Kit from the service's published JWK (as anyone can get it from the JWKS). */
export function kitFor(options: {
  published: Record<string, unknown>;
  ours: Signer;
  attacker: Attacker;
  listenerUrl: string;
}): Kit {
  const publicKey = createPublicKey({ key: options.published as never, format: 'jwk' });
  return {
    kid: options.published.kid as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    publicJwkText: JSON.stringify(options.published),
    publicDer: publicKey.export({ type: 'spki', format: 'der' }),
    ours: options.ours,
    attacker: options.attacker,
    listenerUrl: options.listenerUrl,
  };
}

/** The attacker: their own P-256 key, and a certificate for it (PEM, e.g. self-signed) for x5c. */
export function attackerFrom(privateKeyPem: string, certPem: string): Attacker {
  const key = createPrivateKey(privateKeyPem);
  const publicJwk = createPublicKey(key).export({ format: 'jwk' }) as Record<string, unknown>;
  return { key, publicJwk, kid: 'attacker-key-1', certDer: Buffer.from(new X509Certificate(certPem).raw) };
}

export type Forgery = (k: Kit, claims: Claims) => string;

/**
 * The header we issue: typ says the token type of `claims` (at+jwt, refresh+jwt), as the
 * service writes it; without claims, the legacy typ JWT (still accepted until such tokens expire).
 */
export const ourHeader = (k: Kit, claims?: Claims) => ({ alg: 'ES256', typ: typOf(claims), kid: k.kid });
const typOf = (claims?: Claims) =>
  claims?.token_type === 'access' || claims?.token_type === 'refresh' ? TOKEN_TYP[claims.token_type] : LEGACY_TYP;
export const signedByUs = (k: Kit, claims: Claims) => jwt(ourHeader(k, claims), claims, k.ours);
const attackerSigned = (header: object) => (k: Kit, claims: Claims) => jwt(header, claims, es256(k.attacker.key));
const withSignature = (sig: Buffer) => (k: Kit, claims: Claims) => jwt(ourHeader(k, claims), claims, sig);
/** Our valid token with its signature bytes changed by `mutate`. */
const mutatedSignature = (mutate: (sig: Buffer) => Buffer) => (k: Kit, claims: Claims) => {
  const [h, p, s] = parts(signedByUs(k, claims));
  return `${h}.${p}.${b64u(mutate(Buffer.from(s, 'base64url')))}`;
};
/** Our valid token with its payload replaced, the original signature kept. */
const tampered = (change: (c: Claims) => Claims) => (k: Kit, claims: Claims) => {
  const [h, , s] = parts(signedByUs(k, claims));
  return `${h}.${enc(change(claims))}.${s}`;
};
/** Signed by our key, the number of claim `name` written as `text` (JSON.stringify cannot write 1e400). */
const signedWithNumberText = (name: string, text: string) => (k: Kit, claims: Claims) => {
  const payload = JSON.stringify(claims).replace(new RegExp(`"${name}":[-+.0-9eE]+`), `"${name}":${text}`);
  const input = `${enc(ourHeader(k, claims))}.${b64u(payload)}`;
  return `${input}.${b64u(k.ours(input))}`;
};
/** Our valid token, respelled as text by `respell`. */
const respelled = (respell: (token: string) => string) => (k: Kit, claims: Claims) => respell(signedByUs(k, claims));

export const NONE_SPELLINGS = ['none', 'None', 'NONE', 'nOnE'];

export const FORGERIES: [string, Forgery][] = [
  ...NONE_SPELLINGS.flatMap((alg): [string, Forgery][] => [
    [`alg "${alg}", empty signature`, (k, c) => `${enc({ ...ourHeader(k, c), alg })}.${enc(c)}.`],
    [`alg "${alg}", no kid, empty signature`, (_k, c) => `${enc({ alg, typ: 'JWT' })}.${enc(c)}.`],
    [`alg "${alg}" with a valid ES256 signature of our key`, (k, c) => jwt({ ...ourHeader(k, c), alg }, c, k.ours)],
  ]),
  // Key confusion: HMAC keyed with our public key, in every form a confused verifier might use.
  ['HS256 keyed with our public key as PEM', (k, c) => jwt({ ...ourHeader(k, c), alg: 'HS256' }, c, hs256(k.publicPem))],
  [
    'HS256 keyed with our public key as trimmed PEM',
    (k, c) => jwt({ ...ourHeader(k, c), alg: 'HS256' }, c, hs256(k.publicPem.trim())),
  ],
  ['HS256 keyed with our public key as JWK JSON', (k, c) => jwt({ ...ourHeader(k, c), alg: 'HS256' }, c, hs256(k.publicJwkText))],
  ['HS256 keyed with our public key as DER', (k, c) => jwt({ ...ourHeader(k, c), alg: 'HS256' }, c, hs256(k.publicDer))],
  // Key material or key locations carried by the token itself.
  [
    'embedded jwk of the attacker, attacker kid',
    (k, c) => jwt({ alg: 'ES256', typ: 'JWT', kid: k.attacker.kid, jwk: k.attacker.publicJwk }, c, es256(k.attacker.key)),
  ],
  [
    'embedded jwk of the attacker, our kid',
    (k, c) => jwt({ ...ourHeader(k, c), jwk: k.attacker.publicJwk }, c, es256(k.attacker.key)),
  ],
  [
    'jku to the attacker listener',
    (k, c) => jwt({ alg: 'ES256', typ: 'JWT', kid: k.attacker.kid, jku: `${k.listenerUrl}/jwks.json` }, c, es256(k.attacker.key)),
  ],
  [
    'jku to the attacker listener, our kid',
    (k, c) => jwt({ ...ourHeader(k, c), jku: `${k.listenerUrl}/jwks.json` }, c, es256(k.attacker.key)),
  ],
  [
    'x5u to the attacker listener',
    (k, c) => jwt({ alg: 'ES256', typ: 'JWT', kid: k.attacker.kid, x5u: `${k.listenerUrl}/cert.pem` }, c, es256(k.attacker.key)),
  ],
  [
    'x5c with the attacker certificate',
    (k, c) =>
      jwt(
        { alg: 'ES256', typ: 'JWT', kid: k.attacker.kid, x5c: [k.attacker.certDer.toString('base64')] },
        c,
        es256(k.attacker.key),
      ),
  ],
  [
    'x5c with the attacker certificate, our kid',
    (k, c) => jwt({ ...ourHeader(k, c), x5c: [k.attacker.certDer.toString('base64')] }, c, es256(k.attacker.key)),
  ],
  // The same headers on a token our key signed: refused for the header alone.
  ['jku on a token signed by our key', (k, c) => jwt({ ...ourHeader(k, c), jku: `${k.listenerUrl}/jwks.json` }, c, k.ours)],
  ['x5u on a token signed by our key', (k, c) => jwt({ ...ourHeader(k, c), x5u: `${k.listenerUrl}/cert.pem` }, c, k.ours)],
  ['crit on a token signed by our key', (k, c) => jwt({ ...ourHeader(k, c), crit: ['exp'] }, c, k.ours)],
  [
    'crit naming an unknown extension',
    (k, c) => jwt({ ...ourHeader(k, c), crit: ['x-attacker'], 'x-attacker': true }, c, k.ours),
  ],
  // kid injection, signed with the attacker's key.
  ['kid path traversal', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: '../../etc/passwd' })],
  ['kid SQL injection', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: "' OR 1=1 --" })],
  ['kid of 1000 characters', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: 'k'.repeat(1000) })],
  ['kid of 65 characters', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: 'k'.repeat(65) })],
  ['kid of a key that does not exist', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: randomBytes(8).toString('hex') })],
  ['kid that is not a string', attackerSigned({ alg: 'ES256', typ: 'JWT', kid: { $ne: null } })],
  // Signature bytes that some ECDSA verifiers have accepted (CVE-2022-21449: r = s = 0).
  ['all-zero signature (64 bytes)', withSignature(Buffer.alloc(64))],
  ['DER r = s = 0 (8 bytes)', withSignature(Buffer.from('3006020100020100', 'hex'))],
  [
    'DER r = s = 0 as 32-byte integers',
    withSignature(
      Buffer.concat([Buffer.from('30440220', 'hex'), Buffer.alloc(32), Buffer.from('0220', 'hex'), Buffer.alloc(32)]),
    ),
  ],
  ['r = s = n (the group order)', withSignature(Buffer.concat([P256_ORDER, P256_ORDER]))],
  // ECDSA malleability: (r, n - s) verifies mathematically; we accept one spelling only.
  ['the same signature with s replaced by n - s', mutatedSignature(highTwin)],
  ['r = 0 with a real s', mutatedSignature((sig) => Buffer.concat([Buffer.alloc(32), sig.subarray(32)]))],
  ['real r with s = 0', mutatedSignature((sig) => Buffer.concat([sig.subarray(0, 32), Buffer.alloc(32)]))],
  ['ES256 with an empty signature', withSignature(Buffer.alloc(0))],
  ['our signature in DER form', mutatedSignature((sig) => derOf(sig))],
  ['our signature with one extra byte', mutatedSignature((sig) => Buffer.concat([sig, Buffer.from([0])]))],
  ['flipped bit: first byte of r', mutatedSignature(flipBit(0, 0))],
  ['flipped bit: last byte of r', mutatedSignature(flipBit(31, 7))],
  ['flipped bit: first byte of s', mutatedSignature(flipBit(32, 3))],
  ['flipped bit: last byte of s', mutatedSignature(flipBit(63, 0))],
  // Claims changed under the original signature.
  ['user_id changed', tampered((c) => ({ ...c, user_id: Number(c.user_id) + 1, sub: String(Number(c.user_id) + 1) }))],
  ['exp extended by a year', tampered((c) => ({ ...c, exp: Number(c.exp) + 365 * 86_400 }))],
  ['token_type switched', tampered((c) => ({ ...c, token_type: c.token_type === 'access' ? 'refresh' : 'access' }))],
  ['sid of another session', tampered((c) => ({ ...c, sid: '00000000-0000-4000-8000-000000000000' }))],
  // Times that every comparison with the clock lets through, signed by our key: a JSON number
  // too large for a double parses as Infinity (an exp that never expires).
  ['exp of 1e400 (Infinity), signed by our key', signedWithNumberText('exp', '1e400')],
  ['iat of -1e400 (minus Infinity), signed by our key', signedWithNumberText('iat', '-1e400')],
  // The header typ of the other token type, signed by our key (RFC 8725 3.11: typ and
  // token_type must agree).
  [
    'typ of the other token type',
    (k, c) => jwt({ ...ourHeader(k, c), typ: c.token_type === 'access' ? TOKEN_TYP.refresh : TOKEN_TYP.access }, c, k.ours),
  ],
  ['typ of no type we issue', (k, c) => jwt({ ...ourHeader(k, c), typ: 'application/jwt' }, c, k.ours)],
  // Issuer and audience of someone else, signed by our key.
  ['wrong iss', (k, c) => signedByUs(k, { ...c, iss: 'https://evil.example' })],
  ['no iss', (k, c) => signedByUs(k, { ...c, iss: undefined })],
  ['wrong aud', (k, c) => signedByUs(k, { ...c, aud: 'another-service' })],
  ['aud list without ours', (k, c) => signedByUs(k, { ...c, aud: ['another-service'] })],
  // One token, one spelling: anything but the compact serialisation we issue.
  [
    'JSON serialisation',
    respelled((tok) => {
      const [protectedHeader, payload, signature] = parts(tok);
      return JSON.stringify({ protected: protectedHeader, payload, signature });
    }),
  ],
  [
    'general JSON serialisation',
    respelled((tok) => {
      const [protectedHeader, payload, signature] = parts(tok);
      return JSON.stringify({ payload, signatures: [{ protected: protectedHeader, signature }] });
    }),
  ],
  ['two parts', respelled((tok) => tok.slice(0, tok.lastIndexOf('.')))],
  ['four parts', respelled((tok) => `${tok}.${parts(tok)[2]}`)],
  ['trailing dot', respelled((tok) => `${tok}.`)],
  ['padded signature', respelled((tok) => `${tok}==`)],
  ['padded header', respelled((tok) => tok.replace('.', '=.'))],
  [
    'standard base64 signature',
    respelled((tok) => `${tok.slice(0, tok.lastIndexOf('.'))}.${Buffer.from(parts(tok)[2], 'base64url').toString('base64')}`),
  ],
  ['non-base64url character', respelled((tok) => `${tok.slice(0, -2)}*${tok.slice(-1)}`)],
  ['percent-encoded dot', respelled((tok) => tok.replace('.', '%2E'))],
  ['non-canonical last character (unused bits set)', respelled((tok) => `${tok.slice(0, -1)}${nonCanonicalTwin(tok.slice(-1))}`)],
  ['leading space', respelled((tok) => ` ${tok}`)],
  ['trailing space', respelled((tok) => `${tok} `)],
  ['space inside', respelled((tok) => tok.replace('.', '. '))],
  ['trailing newline', respelled((tok) => `${tok}\n`)],
  ['tab inside', respelled((tok) => tok.replace('.', '.\t'))],
];

// Building blocks for forged tokens: a compact JWS from any header, claims and signer, and the
// ECDSA spellings an attacker may try. For tests of any verifier (ours, or one a consumer runs).
import { createHmac, type KeyObject, sign } from 'node:crypto';

export type Claims = Record<string, unknown>;
export type Signer = (signingInput: string) => Buffer;

export const b64u = (data: Buffer | string) => Buffer.from(data).toString('base64url');
export const enc = (value: object) => b64u(JSON.stringify(value));
export const parts = (token: string) => token.split('.') as [string, string, string];

/** The P-256 group order n: r = s = n is as invalid as r = s = 0. */
export const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
const ORDER = BigInt(`0x${P256_ORDER.toString('hex')}`);
export const sOf = (sig: Buffer) => BigInt(`0x${sig.subarray(32).toString('hex')}`);
export const withS = (sig: Buffer, s: bigint) =>
  Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]);
const lowS = (sig: Buffer) => (sOf(sig) > ORDER >> 1n ? withS(sig, ORDER - sOf(sig)) : sig);
/** The other valid ECDSA spelling of a signature: (r, n - s). */
export const highTwin = (sig: Buffer) => withS(sig, ORDER - sOf(sig));

/** ES256 in the one spelling our verification accepts: the low s of the pair (s, n - s). */
export const es256 =
  (key: KeyObject): Signer =>
  (input) =>
    lowS(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }));

export const hs256 =
  (secret: Buffer | string): Signer =>
  (input) =>
    createHmac('sha256', secret).update(input).digest();

/** A compact JWS: the signature is computed by `signer`, or given as fixed bytes. */
export function jwt(header: object, claims: Claims, signer: Signer | Buffer): string {
  const input = `${enc(header)}.${enc(claims)}`;
  return `${input}.${b64u(Buffer.isBuffer(signer) ? signer : signer(input))}`;
}

/** ES256 signature R || S as an ASN.1 DER SEQUENCE of two INTEGERs. */
export function derOf(sig: Buffer): Buffer {
  const int = (x: Buffer) => {
    let v = x;
    while (v.length > 1 && v[0] === 0) v = v.subarray(1);
    if ((v[0] ?? 0) & 0x80) v = Buffer.concat([Buffer.from([0]), v]);
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(sig.subarray(0, 32)), int(sig.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A 64-byte signature is 86 base64url characters: the last one carries 2 bits of data and 4
 * unused bits. Setting an unused bit gives another text that decodes to the same bytes.
 */
export function nonCanonicalTwin(last: string): string {
  return ALPHABET[ALPHABET.indexOf(last) ^ 1] as string;
}

export const flipBit = (byte: number, bit: number) => (sig: Buffer) => {
  const copy = Buffer.from(sig);
  copy[byte] = (copy[byte] ?? 0) ^ (1 << bit);
  return copy;
};

// An imported SimpleJWT refresh token has a jti but no session id. It becomes one session here,
// whose id is derived from the jti (a UUIDv8 of SHA-256 over a domain tag and the jti, RFC 9562
// 5.8): the import and every later check of that token find the same row with no lookup table,
// and the id can never equal one we draw at random for a login here (those are UUIDv4).
import { createHash } from 'node:crypto';

export function importedSessionId(jti: string): string {
  const bytes = createHash('sha256').update(`auth-service/simplejwt-session/${jti}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80; // version 8
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

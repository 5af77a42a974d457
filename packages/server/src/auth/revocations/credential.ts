// The feed's credential check. Both sides are hashed first, so that timingSafeEqual compares
// equal lengths and the time taken says nothing about the token's length or any prefix of it
// (a byte-by-byte compare would let an attacker guess REVOCATION_FEED_TOKEN one byte at a time).
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function feedTokenMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

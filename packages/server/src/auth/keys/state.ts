// The life of a signing key, as a pure function of its times: published from its creation,
// signing from its activation, verifying after its retirement until every token it signed has
// expired (the retention: the longest token lifetime plus the leeway).
import type { KeyTimes } from '../../crypto/signing-keys.js';

export type KeyState = 'next' | 'current' | 'retired (verifying)' | 'expired' | 'revoked';

export function keyState(key: KeyTimes, now: number, retentionMs: number): KeyState {
  if (key.revokedAt && key.revokedAt.getTime() <= now) return 'revoked';
  const activates = key.activatesAt.getTime();
  const retires = key.retiredAt?.getTime() ?? Number.POSITIVE_INFINITY;
  // A staged key superseded before it activated (retires <= activates) never signs.
  if (retires > now && retires > activates) return activates > now ? 'next' : 'current';
  return retires + retentionMs > now ? 'retired (verifying)' : 'expired';
}

/**
 * The key that signs at `now`: of the current ones, the one activated last (during a staged
 * switch the outgoing key is still current until the instant the new one activates).
 */
export function pickSigner<K extends KeyTimes>(keys: Iterable<K>, now: number, retentionMs: number): K | undefined {
  let signer: K | undefined;
  for (const key of keys) {
    if (keyState(key, now, retentionMs) !== 'current') continue;
    if (!signer || key.activatesAt > signer.activatesAt) signer = key;
  }
  return signer;
}

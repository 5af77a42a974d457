// The keys this process signs and verifies with, in memory. No I/O: store.ts fills it (from
// the database for ES256, from JWT_SIGNING_KEY for HS256). Every question is answered at the
// moment it is asked, so that a staged rotation takes effect at its instant on every instance
// that has loaded the new key.
import type { Algorithm, Jwks } from '@auth-service/protocol';
import type { KeyLookup } from '@auth-service/verifier';
import type { KeyTimes, SigningKey } from '../../crypto/signing-keys.js';
import { internalError } from '../../errors.js';
import { type KeyState, keyState, pickSigner } from './state.js';

export class KeyRing implements KeyLookup {
  private keys = new Map<string, SigningKey>();

  constructor(
    /** The one algorithm every key and every token has. */
    readonly algorithm: Algorithm,
    /** How long a retired key keeps verifying: the longest token lifetime plus the leeway. */
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  replace(keys: Iterable<SigningKey>): void {
    this.keys = new Map([...keys].map((key) => [key.kid, key]));
  }

  /** The key loaded under `kid`, whatever its state (for reloads, which keep parsed keys). */
  loaded(kid: string): SigningKey | undefined {
    return this.keys.get(kid);
  }

  /** A key that may still verify tokens (KeyLookup, for validateToken). */
  get(kid: string): SigningKey | undefined {
    const key = this.keys.get(kid);
    return key && this.verifies(key) ? key : undefined;
  }

  signer(): SigningKey {
    const signer = pickSigner(this.keys.values(), this.now(), this.retentionMs);
    if (!signer) throw internalError('no current signing key');
    return signer;
  }

  /** Public keys to publish: next, current and retired-but-verifying ES256 keys. */
  jwks(): Jwks {
    const keys = [...this.keys.values()].flatMap((key) => (key.alg === 'ES256' && this.verifies(key) ? [key.publicJwk] : []));
    return { keys };
  }

  /** How many keys are in each state, and how long the signing key has signed (for metrics). */
  summary(): { states: Map<KeyState, number>; signerAgeSeconds: number | null } {
    const states = new Map<KeyState, number>();
    for (const key of this.keys.values()) {
      const state = this.stateOf(key);
      states.set(state, (states.get(state) ?? 0) + 1);
    }
    const signer = pickSigner(this.keys.values(), this.now(), this.retentionMs);
    return { states, signerAgeSeconds: signer ? (this.now() - signer.activatesAt.getTime()) / 1000 : null };
  }

  private verifies(key: KeyTimes): boolean {
    const state = this.stateOf(key);
    return state !== 'expired' && state !== 'revoked';
  }

  stateOf(key: KeyTimes): KeyState {
    return keyState(key, this.now(), this.retentionMs);
  }
}

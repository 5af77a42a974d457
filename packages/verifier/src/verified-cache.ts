// Tokens whose signature has already been verified, keyed by their exact text. A client sends
// one access token for its whole lifetime, and ECDSA verification is the largest single cost of
// checking one. Only a token that passed verification is stored, so garbage cannot fill it;
// everything but the signature (expiry, the key still trusted, type, issuer, audience) is still
// checked on every use. Bounded: the oldest entry goes first when it is full.

export interface Verified {
  kid: string;
  /** The header typ (the token type is checked against it on every use). */
  typ: string;
  payload: Record<string, unknown>;
}

export class VerifiedCache {
  private readonly entries = new Map<string, Verified>();

  constructor(private readonly maxEntries = 10_000) {}

  get(token: string): Verified | undefined {
    return this.entries.get(token);
  }

  add(token: string, value: Verified): void {
    if (this.maxEntries === 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, value);
  }
}

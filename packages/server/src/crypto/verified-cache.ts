// Tokens whose signature we have already verified, keyed by their exact text. A client uses
// one access token for every call of its lifetime, and ECDSA verification is the largest
// single cost of /auth/me/ and /auth/token/verify/ (a profile: ~28% of a busy process).
// Only a token that passed signature verification is ever stored, so garbage cannot fill
// the cache; everything except the signature (exp, key still trusted, type, revocation) is
// still checked on every use. Bounded: the oldest entry goes first when it is full.

export class VerifiedCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly maxEntries = 10_000) {}

  get(token: string): T | undefined {
    return this.entries.get(token);
  }

  add(token: string, value: T): void {
    if (this.maxEntries === 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, value);
  }
}

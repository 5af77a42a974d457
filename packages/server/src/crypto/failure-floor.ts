// Timing of a failed password check (OWASP ASVS 2.2: no account enumeration). A wrong password
// costs what its stored hash costs: an unknown user's dummy argon2id, a user's own argon2id, or
// an imported user's Django hash, which may cost several times more (pbkdf2_sha256 at 260,000
// iterations, bcrypt at cost 12: docs/performance.md). Without a floor, the answer time would
// tell the users who exist and have not logged in since the import from the usernames that
// exist not.
//
// So a failed check answers no sooner than the slowest kind of check the service knows it may
// have to make: each kind ("class": algorithm and parameters, never the salt) is timed on a
// hashing thread at start-up and every few minutes (calibrate), from one stored hash of each
// class found in the users table. A class met before it was timed (an import made since) is
// timed by that first check, which alone may show its cost. A successful check is never
// delayed: the one who knows the password learns nothing from the time.

/** Head room over the slowest class, for the jitter of a busy machine. */
const MARGIN = 1.2;

export class FailureFloor {
  private costs = new Map<string, number>();
  private floorMs = 0;

  /** The time every failed check is padded to, in ms (0: nothing timed yet). */
  get ms(): number {
    return this.floorMs;
  }

  /** Replaces every class's cost with fresh timings. */
  calibrated(costs: Map<string, number>): void {
    this.costs = new Map(costs);
    this.recompute();
  }

  /** A check of `hashClass` took `ms`: counts only for a class that was never timed. */
  observe(hashClass: string, ms: number): void {
    if (this.costs.has(hashClass)) return;
    this.costs.set(hashClass, ms);
    this.recompute();
  }

  /** Waits until `startedAt` (performance.now()) plus the floor. */
  async pad(startedAt: number): Promise<void> {
    const wait = this.floorMs - (performance.now() - startedAt);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  private recompute(): void {
    this.floorMs = Math.max(0, ...this.costs.values()) * MARGIN;
  }
}

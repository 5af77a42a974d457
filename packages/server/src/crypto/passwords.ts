// Password hashing: argon2id (argon2.ts), on dedicated low-priority threads (hash-pool.ts),
// never on the event loop, behind a bounded Limiter. Verifies Django's hashes too
// (django-hashes.ts: pbkdf2_sha256, pbkdf2_sha1, argon2, bcrypt_sha256, bcrypt, scrypt), on
// the same threads and limiter, so that users imported from the original service log in (and
// are rehashed to argon2id on their next login). A failed check is padded to a floor
// (failure-floor.ts), so that its time does not tell which kind of hash, if any, was checked.
import { randomBytes } from 'node:crypto';
import { CURRENT_PREFIX } from './argon2.js';
import { classifyHash, type HashClass } from './django-hashes.js';
import { FailureFloor } from './failure-floor.js';
import { HashPool } from './hash-pool.js';
import type { Limiter } from './limiter.js';

export interface VerifyResult {
  ok: boolean;
  /** True when the stored hash is of an older kind or weaker parameters: store a new one. */
  needsRehash: boolean;
}

/** Timings taken per class in calibrate(): the median of this many. */
const CALIBRATION_RUNS = 3;

export class PasswordHasher {
  private dummyHash?: Promise<string>;
  private readonly pool: HashPool;
  readonly floor = new FailureFloor();

  /** `limiter`: the bounded queue in front of the threads (its stats: hashes running and waiting). */
  constructor(readonly limiter: Limiter) {
    this.pool = new HashPool(limiter.concurrency);
  }

  hash(password: string): Promise<string> {
    return this.limiter.run(() => this.pool.hash(password));
  }

  async verify(stored: string, password: string): Promise<VerifyResult> {
    const found = classifyHash(stored);
    const usable = found.kind === 'argon2' || found.kind === 'django';
    // An unusable, weak or unknown hash (Django's "!..." for instance) costs what a wrong
    // password costs: the dummy verification, which cannot succeed.
    const checked = usable ? stored : await this.warmUp();
    let startedAt = 0;
    const ok = await this.limiter.run(async () => {
      startedAt = performance.now();
      const matched = await this.pool.verify(checked, password).catch(() => false);
      this.floor.observe(classOf(found, checked), performance.now() - startedAt);
      return usable && matched;
    });
    if (!ok) await this.floor.pad(startedAt);
    return { ok, needsRehash: ok && !stored.startsWith(CURRENT_PREFIX) };
  }

  /**
   * Verifies against a fixed hash of a random password, so that an unknown username costs
   * exactly what a wrong password costs: response time must not tell whether a user exists.
   */
  async verifyDummy(password: string): Promise<void> {
    await this.verify(await this.warmUp(), password);
  }

  /**
   * Times a check of each class of `samples` (stored hashes, one per class) and of the dummy
   * hash, on the hashing threads; the slowest sets the failure floor. Returns the costs in ms.
   */
  async calibrate(samples: readonly string[]): Promise<Map<string, number>> {
    const costs = new Map<string, number>();
    const wrong = randomBytes(16).toString('hex');
    for (const stored of [await this.warmUp(), ...samples]) {
      const found = classifyHash(stored);
      if (found.kind !== 'argon2' && found.kind !== 'django') continue;
      const runs: number[] = [];
      for (let i = 0; i < CALIBRATION_RUNS; i++) runs.push(await this.time(stored, wrong));
      costs.set(classOf(found, stored), runs.sort((a, b) => a - b)[Math.floor(CALIBRATION_RUNS / 2)] as number);
    }
    this.floor.calibrated(costs);
    return costs;
  }

  /**
   * Computes the dummy hash ahead of the first unknown-user login (else that one costs double):
   * a start-up step, which also starts the hashing threads.
   */
  warmUp(): Promise<string> {
    this.dummyHash ??= this.hash(randomBytes(16).toString('hex'));
    return this.dummyHash;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private time(stored: string, password: string): Promise<number> {
    return this.limiter.run(async () => {
      const startedAt = performance.now();
      await this.pool.verify(stored, password).catch(() => false);
      return performance.now() - startedAt;
    });
  }
}

/** The key of a class: what decides the cost of a check (algorithm and parameters, never the salt). */
function classOf(found: HashClass, stored: string): string {
  if (found.kind === 'django') return found.cost;
  if (found.kind !== 'argon2' || stored.startsWith(CURRENT_PREFIX)) return 'argon2id (ours)';
  return stored.split('$').slice(0, 4).join('$');
}

// Password hashing: argon2id (argon2.ts), on dedicated low-priority threads (hash-pool.ts),
// never on the event loop, behind a bounded Limiter.
// Verifies Django's pbkdf2_sha256 hashes too, so users imported from the original service
// can log in (and are rehashed to argon2id on their next login).
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { CURRENT_PREFIX } from './argon2.js';
import { HashPool } from './hash-pool.js';
import type { Limiter } from './limiter.js';

const pbkdf2Async = promisify(pbkdf2);

export interface VerifyResult {
  ok: boolean;
  /** True when the stored hash is of an older kind or weaker parameters: store a new one. */
  needsRehash: boolean;
}

export class PasswordHasher {
  private dummyHash?: Promise<string>;
  private readonly pool: HashPool;

  /** `limiter`: the bounded queue in front of the threads (its stats: hashes running and waiting). */
  constructor(readonly limiter: Limiter) {
    this.pool = new HashPool(limiter.concurrency);
  }

  hash(password: string): Promise<string> {
    return this.limiter.run(() => this.pool.hash(password));
  }

  verify(stored: string, password: string): Promise<VerifyResult> {
    return this.limiter.run(async () => {
      if (stored.startsWith('pbkdf2_sha256$')) return { ok: await verifyDjango(stored, password), needsRehash: true };
      if (!stored.startsWith('$argon2')) {
        // An unusable or unknown format (Django's "!..." for instance) costs what a wrong
        // password costs, so that timing does not single these accounts out.
        await this.pool.verify(await this.warmUp(), password).catch(() => false);
        return { ok: false, needsRehash: false };
      }
      const ok = await this.pool.verify(stored, password).catch(() => false);
      return { ok, needsRehash: ok && !stored.startsWith(CURRENT_PREFIX) };
    });
  }

  /**
   * Verifies against a fixed hash of a random password, so that an unknown username costs
   * exactly what a wrong password costs: response time must not tell whether a user exists.
   */
  async verifyDummy(password: string): Promise<void> {
    await this.verify(await this.warmUp(), password);
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
}

/** Django's "pbkdf2_sha256$<iterations>$<salt>$<base64 hash>". */
async function verifyDjango(stored: string, password: string): Promise<boolean> {
  const [, iterations, salt, expected] = stored.split('$');
  const rounds = Number(iterations);
  if (!salt || !expected || !Number.isInteger(rounds) || rounds < 1 || rounds > 10_000_000) return false;
  const want = Buffer.from(expected, 'base64');
  const got = await pbkdf2Async(password, salt, rounds, want.length || 32, 'sha256');
  return want.length === got.length && timingSafeEqual(want, got);
}

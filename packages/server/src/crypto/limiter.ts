// A bounded work queue: at most `concurrency` jobs run at once, at most `queueLimit` wait,
// and none waits longer than `queueTimeoutMs`. Past that, run() rejects with `overloaded` at
// once, so a login flood gets fast 503s instead of unbounded latency (and memory), while
// everything that does not hash keeps answering.
import { MESSAGES } from '@auth-service/protocol';
import { AuthError } from '../errors.js';

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

const overloaded = () => new AuthError('overloaded', MESSAGES.overloaded, { retryAfterSeconds: 1 });

export class Limiter {
  private running = 0;
  private refused = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly concurrency: number,
    private readonly queueLimit: number,
    private readonly queueTimeoutMs: number,
    /** Told how long each job waited for a slot, in seconds (0 when one was free): for metrics. */
    private readonly onWait: (seconds: number) => void = () => {},
  ) {}

  get stats() {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Jobs refused since start (queue full, or waited past queueTimeoutMs): for metrics. */
  get rejected(): number {
    return this.refused;
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    // A finishing job hands its slot straight to the next waiter, so a newcomer can never
    // slip in between and push the count past `concurrency`.
    if (this.running < this.concurrency) {
      this.running++;
      this.onWait(0);
    } else await this.wait();
    try {
      return await job();
    } finally {
      this.release();
    }
  }

  private wait(): Promise<void> {
    if (this.waiting.length >= this.queueLimit) {
      this.refused++;
      return Promise.reject(overloaded());
    }
    const since = performance.now();
    const waited = () => this.onWait((performance.now() - since) / 1000);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          waited();
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          this.refused++;
          waited();
          reject(overloaded());
        }, this.queueTimeoutMs),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const waiter = this.waiting.shift();
    if (!waiter) {
      this.running--;
      return;
    }
    clearTimeout(waiter.timer);
    waiter.start();
  }
}

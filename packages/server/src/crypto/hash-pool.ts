// A fixed set of hashing threads (worker_threads running argon2 synchronously). The Limiter
// in front of it guarantees at most `size` jobs at once, so a job always finds an idle thread.
import { Worker } from 'node:worker_threads';
import type { HashJob, HashResult } from './hash-worker.js';

type Pending = { resolve: (value: string | boolean) => void; reject: (err: Error) => void };

export class HashPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./hash-worker.js', import.meta.url));
      worker.unref(); // never keeps the process alive on its own
      worker.on('message', (result: HashResult) => this.settle(worker, result));
      worker.on('error', (err) => this.failAll(err));
      this.idle.push(worker);
      this.all.push(worker);
    }
  }

  hash(password: string): Promise<string> {
    return this.run({ id: 0, op: 'hash', password }) as Promise<string>;
  }

  verify(stored: string, password: string): Promise<boolean> {
    return this.run({ id: 0, op: 'verify', stored, password }) as Promise<boolean>;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((worker) => worker.terminate()));
  }

  private run(job: HashJob): Promise<string | boolean> {
    const worker = this.idle.pop();
    if (!worker) return Promise.reject(new Error('hash pool used beyond its size'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id });
    });
  }

  private settle(worker: Worker, result: HashResult): void {
    this.idle.push(worker);
    const pending = this.pending.get(result.id);
    this.pending.delete(result.id);
    if (!pending) return;
    if (result.error !== undefined) pending.reject(new Error(result.error));
    else pending.resolve(result.value as string | boolean);
  }

  private failAll(err: Error): void {
    for (const pending of this.pending.values()) pending.reject(err);
    this.pending.clear();
  }
}

// A fixed set of hashing threads (worker_threads running argon2 synchronously), started on
// first use (building one does no I/O). The Limiter in front of it guarantees at most `size`
// jobs at once, so a job always finds an idle thread.
import { Worker } from 'node:worker_threads';
import { internalError } from '../errors.js';
import type { HashJob, HashResult } from './hash-worker.js';

type Pending = { resolve: (value: string | boolean) => void; reject: (err: Error) => void };

export class HashPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  /** The job each busy thread is running. */
  private readonly busy = new Map<Worker, number>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;

  constructor(private readonly size: number) {}

  hash(password: string): Promise<string> {
    return this.run({ id: 0, op: 'hash', password }) as Promise<string>;
  }

  verify(stored: string, password: string): Promise<boolean> {
    return this.run({ id: 0, op: 'verify', stored, password }) as Promise<boolean>;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.all].map((worker) => worker.terminate()));
  }

  private spawn(): void {
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url));
    worker.unref(); // never keeps the process alive on its own
    worker.on('message', (result: HashResult) => this.settle(worker, result));
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, internalError(`hashing thread exited with code ${code}`)));
    this.all.add(worker);
    this.idle.push(worker);
  }

  private run(job: HashJob): Promise<string | boolean> {
    if (this.all.size === 0 && !this.closing) for (let i = 0; i < this.size; i++) this.spawn();
    const worker = this.idle.pop();
    if (!worker) return Promise.reject(internalError('hash pool used beyond its size'));
    const id = this.nextId++;
    this.busy.set(worker, id);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id });
    });
  }

  private settle(worker: Worker, result: HashResult): void {
    this.busy.delete(worker);
    this.idle.push(worker);
    const pending = this.pending.get(result.id);
    this.pending.delete(result.id);
    if (!pending) return;
    if (result.error !== undefined) pending.reject(internalError(result.error));
    else pending.resolve(result.value as string | boolean);
  }

  /**
   * A thread that died (out of memory, say) fails only the job it was running, and is
   * replaced: the pool never shrinks, so the limiter's promise of a free thread holds.
   */
  private lost(worker: Worker, err: Error): void {
    if (!this.all.delete(worker)) return; // 'error' and 'exit' both report one death
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
    const id = this.busy.get(worker);
    this.busy.delete(worker);
    if (id !== undefined) {
      this.pending.get(id)?.reject(err);
      this.pending.delete(id);
    }
    if (!this.closing) this.spawn();
  }
}

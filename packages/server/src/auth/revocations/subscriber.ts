// One open feed stream. It first catches up from the table (a snapshot of what still matters,
// or what came after its cursor), page by page and only as fast as the client reads, then
// takes live events from the feed's shared tail. Memory per subscriber is bounded: one page
// while catching up, and at most `maxBacklogBytes` unsent live bytes, past which it is cut off
// (it reconnects with its cursor and catches up from the table instead, at its own pace).

import type { Database } from '../../db/port.js';
import { type RevocationRow, readRevocations } from '../../db/repos/revocations.js';
import { HEARTBEAT, RETRY_HINT, readyEvent, revokedEvent } from './events.js';

/** Where a stream is written: an http.ServerResponse fits. */
export interface FeedSink {
  write(chunk: string): boolean;
  end(): void;
  destroy(): void;
  on(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
  readonly writableLength: number;
  readonly destroyed: boolean;
}

export interface SubscriberPolicy {
  windowMs: number;
  heartbeatMs: number;
  pageSize: number;
  maxBacklogBytes: number;
}

export class Subscriber {
  private live = false;
  private closed = false;

  constructor(
    private readonly sink: FeedSink,
    private cursor: string,
    private readonly policy: SubscriberPolicy,
    private readonly onGone: (subscriber: Subscriber) => void,
  ) {
    sink.on('close', () => this.close());
    // A write that fails (the client went away mid-write) must not become an unhandled 'error'.
    sink.on('error', () => this.close());
  }

  /** Sends the backlog after the cursor, then the ready event; from then on it is live. */
  async catchUp(db: Database, now: () => number): Promise<void> {
    this.sink.write(RETRY_HINT);
    for (;;) {
      if (this.closed) return;
      const since = new Date(now() - this.policy.windowMs);
      const rows = await readRevocations(db, this.cursor, since, this.policy.pageSize);
      for (const row of rows) this.send(row);
      if (rows.length < this.policy.pageSize) break;
      if (this.sink.writableLength > 0) await drained(this.sink);
    }
    // Synchronously after the last read: a tail read that lands later carries only rows after
    // it or rows this read saw (filtered by the cursor), so nothing falls in between.
    if (this.closed) return;
    this.live = true;
    this.sink.write(readyEvent(this.cursor, this.policy.heartbeatMs));
  }

  /** Live rows from the shared tail, with the text already formatted. */
  deliver(batch: readonly { row: RevocationRow; text: string }[]): void {
    if (!this.live || this.closed) return;
    for (const { row, text } of batch) {
      if (BigInt(row.id) <= BigInt(this.cursor)) continue;
      this.cursor = row.id;
      this.sink.write(text);
    }
    if (this.sink.writableLength > this.policy.maxBacklogBytes) this.cutOff();
  }

  heartbeat(): void {
    if (this.live && !this.closed) this.sink.write(HEARTBEAT);
  }

  /** Ends the stream (shutdown, or a tail that lost the database): the client reconnects. */
  end(): void {
    if (this.closed) return;
    this.sink.end();
    this.close();
  }

  get isLive(): boolean {
    return this.live && !this.closed;
  }

  private send(row: RevocationRow): void {
    if (this.closed) return; // gone while the page was being read
    this.cursor = row.id;
    this.sink.write(revokedEvent(row, this.policy.windowMs));
  }

  private cutOff(): void {
    this.sink.destroy();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onGone(this);
  }
}

function drained(sink: FeedSink): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off('drain', done);
      sink.off('close', done);
      resolve();
    };
    sink.on('drain', done);
    sink.on('close', done);
  });
}

// The revocation feed of one serving process. One shared tail per process reads new rows of
// the revocations table (woken by the NOTIFY of every revoking commit, on any instance or
// worker, and polling every pollMs in case a notification is lost) and hands each batch,
// formatted once, to every live subscriber. Subscribers catch up from the table on their own
// (subscriber.ts). The work per revocation is one read per process, not one per subscriber.

import type { Database } from '../../db/port.js';
import { lastRevocationId, type RevocationRow, readRevocations } from '../../db/repos/revocations.js';
import { AuthError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { Clock } from '../context.js';
import { revokedEvent } from './events.js';
import { type FeedSink, Subscriber, type SubscriberPolicy } from './subscriber.js';

export const REVOCATIONS_CHANNEL = 'auth_revocations';

export interface FeedPolicy extends SubscriberPolicy {
  /** REVOCATION_FEED_TOKEN: the feed is off without it. */
  token?: string;
  pollMs: number;
  maxSubscribers: number;
}

export interface FeedDeps {
  db: Database;
  now: Clock;
  log: Logger;
}

export class RevocationFeed {
  private readonly subscribers = new Set<Subscriber>();
  /** Admitted, not yet streaming: counted against the limit too. */
  private pending = 0;
  private tail = '0';
  private freshAt = 0;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | null = null;
  private started = false;
  private failing = false;

  constructor(
    private readonly deps: FeedDeps,
    readonly policy: FeedPolicy,
  ) {}

  get enabled(): boolean {
    return this.policy.token !== undefined;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Starts the tail at the newest row (subscribers catch up from the table themselves). */
  async start(): Promise<void> {
    if (!this.enabled || this.started) return;
    this.started = true;
    this.tail = await lastRevocationId(this.deps.db);
    this.freshAt = Date.now();
    this.unlisten = await this.deps.db.listen(REVOCATIONS_CHANNEL, () => this.wake());
    this.timers = [setInterval(() => this.wake(), this.policy.pollMs), setInterval(() => this.beat(), this.policy.heartbeatMs)];
    for (const timer of this.timers) timer.unref();
  }

  /**
   * Opens a stream for `sink` after `cursor` (null: from the start of what still matters).
   * Throws before anything is written when the feed is full or the database does not answer.
   */
  async admit(cursor: string | null): Promise<(sink: FeedSink) => Promise<void>> {
    if (this.subscribers.size + this.pending >= this.policy.maxSubscribers) {
      throw new AuthError('too_many_subscribers', 'Too many revocation feed subscribers on this instance. Try again later.', {
        retryAfterSeconds: 5,
      });
    }
    this.pending++;
    const newest = await lastRevocationId(this.deps.db).catch((err) => {
      this.pending--;
      throw err;
    });
    // A cursor beyond anything here is from another database (or a restored one): start over.
    const from = cursor !== null && BigInt(cursor) <= BigInt(newest) ? cursor : '0';
    return async (sink) => {
      this.pending--;
      const subscriber = new Subscriber(sink, from, this.policy, (gone) => this.subscribers.delete(gone));
      this.subscribers.add(subscriber);
      await subscriber.catchUp(this.deps.db, this.deps.now).catch((err) => {
        this.deps.log.warn({ err }, 'revocation feed: catching up failed; the stream is closed');
        subscriber.end();
      });
    };
  }

  /** Ends every stream (shutdown: their clients reconnect elsewhere). */
  disconnectAll(): void {
    for (const subscriber of [...this.subscribers]) subscriber.end();
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.disconnectAll();
    await this.unlisten?.();
    this.unlisten = null;
    await this.reading;
  }

  /** A read of the tail; coalesced, so that a burst of notifications costs one or two reads. */
  private wake(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readTail()
      .then(() => {
        if (this.failing) this.deps.log.info({}, 'revocation feed: reading new revocations works again');
        this.failing = false;
      })
      .catch((err) => {
        // Once per outage, not once per poll.
        if (!this.failing) this.deps.log.warn({ err }, 'revocation feed: reading new revocations failed');
        this.failing = true;
      })
      .finally(() => {
        this.reading = null;
        if (this.readAgain) {
          this.readAgain = false;
          this.wake();
        }
      });
  }

  private async readTail(): Promise<void> {
    for (;;) {
      const rows = await readRevocations(this.deps.db, this.tail, new Date(0), this.policy.pageSize);
      this.freshAt = Date.now();
      if (rows.length === 0) return;
      this.tail = rows[rows.length - 1]?.id ?? this.tail;
      this.broadcast(rows);
      if (rows.length < this.policy.pageSize) return;
    }
  }

  private broadcast(rows: RevocationRow[]): void {
    const batch = rows.map((row) => ({ row, text: revokedEvent(row, this.policy.windowMs) }));
    for (const subscriber of this.subscribers) subscriber.deliver(batch);
  }

  /**
   * A heartbeat says "nothing was revoked", so it is only sent while the tail has read the
   * table recently; a tail that has lost the database for a few periods ends the streams, so
   * that subscribers notice (and may reach an instance that still has it).
   */
  private beat(): void {
    const age = Date.now() - this.freshAt;
    const allowed = this.policy.pollMs * 2 + this.policy.heartbeatMs;
    if (age <= allowed) {
      for (const subscriber of this.subscribers) subscriber.heartbeat();
    } else if (age > allowed * 3) {
      this.deps.log.warn({ ageMs: age }, 'revocation feed: the tail has not read the database; ending the streams');
      this.disconnectAll();
    }
  }
}

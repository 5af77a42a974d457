// The processes that serve from a session cache (session-cache.ts), as one process hears them on
// the shared channel, and the confirmation a revoking request waits for. Messages, besides the
// change announcements:
//   alive:<member>:<sent>   a heartbeat, every HEARTBEAT_MS, stamped with when it was sent (the
//                           sender's monotonic clock; only the sender reads the stamp);
//   settle:<id>             sent by a revoking request after its commit;
//   ack:<id>:<member>       sent by every member that heard settle:<id>, which it hears only
//                           after every change committed before it (notifications arrive in
//                           commit order), so it has forgotten them.
// The rule that makes the wait sound: a member serves from its cache only while a heartbeat it
// sent less than LIVENESS_MS ago has come back. A heartbeat commits after it was sent, so a
// member serving at time t has heard every change committed before t - LIVENESS_MS. A revoking
// request that waits LIVENESS_MS after its commit is therefore safe without any ack; the acks
// only let it answer sooner, when every member heard alive has confirmed.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export const HEARTBEAT_MS = 1000;
/** How old the last heartbeat heard back may be while a member serves; also the longest wait of a revocation. */
export const LIVENESS_MS = 3 * HEARTBEAT_MS;

/** A monotonic clock: a wall clock stepped back must not stretch a liveness window. */
export const monotonic = () => performance.now();

interface Settling {
  /** The members heard alive when the marker came back; null until it has. */
  expected: Set<string> | null;
  acked: Set<string>;
  finish(confirmed: boolean): void;
}

export class Members {
  readonly id = randomUUID();
  /** Member -> when its heartbeat was last heard here (this process's monotonic clock). */
  private readonly seen = new Map<string, number>();
  /** The send time of the newest own heartbeat heard back; -Infinity: none. */
  private ownSentHeard = Number.NEGATIVE_INFINITY;
  /** The send time of the oldest own heartbeat sent successfully and not heard back yet. */
  private unheardSince: number | null = null;
  private readonly settling = new Map<string, Settling>();

  constructor(private readonly send: (payload: string) => Promise<void>) {}

  /** Whether a heartbeat sent less than LIVENESS_MS ago has come back: this member may serve. */
  heardSelf(now = monotonic()): boolean {
    return now - this.ownSentHeard <= LIVENESS_MS;
  }

  /** Whether a heartbeat that the database accepted more than LIVENESS_MS ago never came back: the LISTEN is deaf. */
  deaf(now = monotonic()): boolean {
    return this.unheardSince !== null && now - this.unheardSince > LIVENESS_MS;
  }

  async heartbeat(): Promise<void> {
    const sent = monotonic();
    await this.send(`alive:${this.id}:${sent}`);
    if (this.unheardSince === null && sent > this.ownSentHeard) this.unheardSince = sent;
  }

  /** Handles a membership message; false when the payload is not one (a change announcement). */
  heard(payload: string, now = monotonic()): boolean {
    const [kind, first, second] = payload.split(':');
    if (kind === 'alive' && first) {
      this.seen.set(first, now);
      if (first === this.id) this.ownHeard(Number(second));
    } else if (kind === 'settle' && first) {
      const own = this.settling.get(first);
      if (own) {
        own.expected = this.aliveOthers(now);
        this.check(own);
      } else {
        this.send(`ack:${first}:${this.id}`).catch(() => {}); // the sender then waits out LIVENESS_MS
      }
    } else if (kind === 'ack' && first && second) {
      const own = this.settling.get(first);
      own?.acked.add(second);
      if (own) this.check(own);
    } else {
      return false;
    }
    return true;
  }

  /**
   * Sends a marker and waits until every other member heard alive has acknowledged it, at most
   * `timeoutMs`; resolves with whether all did.
   */
  async settle(timeoutMs: number): Promise<boolean> {
    const id = randomUUID();
    const done = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.settling.set(id, {
        expected: null,
        acked: new Set(),
        finish: (confirmed) => {
          clearTimeout(timer);
          resolve(confirmed);
        },
      });
    });
    try {
      await this.send(`settle:${id}`);
      return await done;
    } finally {
      this.settling.delete(id);
    }
  }

  /** A new LISTEN: nothing heard before counts for it. Waiting settles end unconfirmed. */
  reset(): void {
    this.ownSentHeard = Number.NEGATIVE_INFINITY;
    this.unheardSince = null;
    this.seen.clear();
    for (const settling of this.settling.values()) settling.finish(false);
  }

  private ownHeard(sent: number): void {
    if (!Number.isFinite(sent) || sent <= this.ownSentHeard) return;
    this.ownSentHeard = sent;
    if (this.unheardSince !== null && this.unheardSince <= sent) this.unheardSince = null;
  }

  /** Drops members not heard for LIVENESS_MS (restarted processes leave under a new id). */
  forgetSilent(now = monotonic()): void {
    for (const [member, at] of this.seen) if (now - at > LIVENESS_MS) this.seen.delete(member);
  }

  private aliveOthers(now: number): Set<string> {
    this.forgetSilent(now);
    return new Set([...this.seen.keys()].filter((member) => member !== this.id));
  }

  private check(settling: Settling): void {
    if (settling.expected && [...settling.expected].every((m) => settling.acked.has(m))) settling.finish(true);
  }
}

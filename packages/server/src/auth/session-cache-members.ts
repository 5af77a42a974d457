// The processes that serve from a session cache (session-cache.ts), as one process hears them on
// the shared channel, and the confirmation a revoking request waits for. Messages, besides the
// change announcements:
//   alive:<member>          every HEARTBEAT_MS from each member; its own coming back is what
//                           lets a member serve from its cache at all;
//   settle:<id>             sent by a revoking request after its commit;
//   ack:<id>:<member>       sent by every member that heard settle:<id>, which it hears only
//                           after every change committed before it (notifications arrive in
//                           commit order), so it has forgotten them.
import { randomUUID } from 'node:crypto';

export const HEARTBEAT_MS = 1000;
/** A member not heard for this long is not waited for; a member whose own heartbeat is this old stops serving. */
export const LIVENESS_MS = 3 * HEARTBEAT_MS;

interface Settling {
  /** The members heard alive when the marker came back; null until it has. */
  expected: Set<string> | null;
  acked: Set<string>;
  finish(confirmed: boolean): void;
}

export class Members {
  readonly id = randomUUID();
  private readonly seen = new Map<string, number>();
  private ownHeardAt = 0;
  private readonly settling = new Map<string, Settling>();

  constructor(private readonly send: (payload: string) => Promise<void>) {}

  /** Whether this member's own heartbeat came back lately: its LISTEN demonstrably works. */
  heardSelf(now = Date.now()): boolean {
    return now - this.ownHeardAt <= LIVENESS_MS;
  }

  heartbeat(): Promise<void> {
    return this.send(`alive:${this.id}`);
  }

  /** Handles a membership message; false when the payload is not one (a change announcement). */
  heard(payload: string, now = Date.now()): boolean {
    const [kind, first, second] = payload.split(':');
    if (kind === 'alive' && first) {
      this.seen.set(first, now);
      if (first === this.id) this.ownHeardAt = now;
    } else if (kind === 'settle' && first) {
      const own = this.settling.get(first);
      if (own) own.expected = this.aliveOthers(now);
      else this.send(`ack:${first}:${this.id}`).catch(() => {}); // the sender then waits out its timeout
      if (own) this.check(own);
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
   * `timeoutMs`; resolves with the number that did not.
   */
  async settle(timeoutMs: number): Promise<number> {
    const id = randomUUID();
    let settling: Settling | undefined;
    const done = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      settling = {
        expected: null,
        acked: new Set(),
        finish: (confirmed) => {
          clearTimeout(timer);
          resolve(confirmed);
        },
      };
      this.settling.set(id, settling);
    });
    try {
      await this.send(`settle:${id}`);
      if (await done) return 0;
      const expected = settling?.expected;
      return expected ? [...expected].filter((m) => !settling?.acked.has(m)).length : this.aliveOthers(Date.now()).size;
    } finally {
      this.settling.delete(id);
    }
  }

  /** The LISTEN is gone: nothing more will be heard, so nobody waits for it. */
  abandon(): void {
    this.ownHeardAt = 0;
    for (const settling of this.settling.values()) settling.finish(false);
  }

  private aliveOthers(now: number): Set<string> {
    const alive = new Set<string>();
    for (const [member, at] of this.seen) {
      if (now - at > LIVENESS_MS) this.seen.delete(member);
      else if (member !== this.id) alive.add(member);
    }
    return alive;
  }

  private check(settling: Settling): void {
    if (settling.expected && [...settling.expected].every((m) => settling.acked.has(m))) settling.finish(true);
  }
}

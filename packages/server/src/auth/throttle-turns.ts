// Waiting for a turn. An attempt that finds every turn of its account or address taken by
// attempts in flight is not refused for being concurrent: it queues, at most until its
// deadline. Per key and process one queue (first come, first served) and one store request
// at a time, for the queue's head: asked again at once when an attempt of this process
// settles, else every POLL_MS (turns settled by other instances, or expired). So a flood of
// parallel attempts costs the store one request each plus one poll per key, never a poll each.
import type { Outcome, TurnAnswer } from '../db/repos/login-throttle.js';

export type Scope = 'account' | 'client';

/** Where the counters and turns live (database or Redis); each method is atomic. */
export interface ThrottleStore {
  take(scope: Scope, key: string, id: string, now: Date): Promise<TurnAnswer>;
  settle(scope: Scope, key: string, id: string, outcome: Outcome, now: Date): Promise<void>;
  /** A start-up step (Redis connects; a no-op for the database). */
  connect(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Why no turn was given: refused until a time, or the wait ran out (null). */
export class NoTurn extends Error {
  constructor(readonly until: Date | null) {
    super(until ? 'refused' : 'waited too long');
  }
}

/** Polling for turns another instance gives back; jittered so that instances do not align. */
const POLL_MS = 50;
/** Attempts one process queues for one key; more are refused at once (a flood, not a crowd). */
const MAX_WAITERS = 1000;

interface Waiter {
  id: string;
  expired: boolean;
  timer?: NodeJS.Timeout;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Queue {
  waiters: Waiter[];
  /** The waiter whose request is at the store: its deadline waits for the answer. */
  asking?: Waiter;
  /** A settle while the head was being asked: ask again instead of sleeping. */
  again: boolean;
  nudge?: () => void;
}

export class Turns {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly store: ThrottleStore,
    private readonly now: () => number,
  ) {}

  /** Takes a turn for `id`, waiting until `deadline` (performance.now()); throws NoTurn. */
  take(scope: Scope, key: string, id: string, deadline: number): Promise<void> {
    const name = `${scope}:${key}`;
    let queue = this.queues.get(name);
    if (queue && queue.waiters.length >= MAX_WAITERS) return Promise.reject(new NoTurn(null));
    const fresh = !queue;
    queue ??= { waiters: [], again: false };
    this.queues.set(name, queue);
    const q = queue;
    const taken = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { id, expired: false, resolve, reject };
      // A waiter is never cut off while its own request is at the store: the first ask always
      // happens, and a turn granted meanwhile is used rather than leaked.
      waiter.timer = setTimeout(() => this.expire(q, waiter), Math.max(0, deadline - performance.now()));
      q.waiters.push(waiter);
    });
    if (fresh) void this.pump(name, scope, key, q);
    return taken;
  }

  /** Ends the turn of `id` with its outcome, and lets this process's queue for the key ask again. */
  async settle(scope: Scope, key: string, id: string, outcome: Outcome): Promise<void> {
    try {
      await this.store.settle(scope, key, id, outcome, new Date(this.now()));
    } finally {
      const queue = this.queues.get(`${scope}:${key}`);
      if (queue?.nudge) queue.nudge();
      else if (queue) queue.again = true;
    }
  }

  private async pump(name: string, scope: Scope, key: string, queue: Queue): Promise<void> {
    for (let head = queue.waiters[0]; head; head = queue.waiters[0]) {
      queue.again = false;
      queue.asking = head;
      // Whatever the store does (even throw at once), the pump goes on: a dead pump would leave
      // a queue that nothing serves, a lock in all but name.
      const answer = await Promise.resolve()
        .then(() => this.store.take(scope, key, head.id, new Date(this.now())))
        .catch((err: unknown) => err);
      queue.asking = undefined;
      if (answer === 'granted') this.finish(queue, head);
      else if (answer !== 'wait') {
        // Refused (the account's delay, the address's failures) or the store failed: that holds
        // for every attempt queued on this key, so they all get the answer now.
        for (const waiter of [...queue.waiters]) this.finish(queue, waiter, answer instanceof Date ? new NoTurn(answer) : answer);
      } else if (head.expired) this.finish(queue, head, new NoTurn(null));
      else if (!queue.again) await this.pause(queue);
    }
    this.queues.delete(name);
  }

  private pause(queue: Queue): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => queue.nudge?.(), POLL_MS * (0.5 + Math.random()));
      queue.nudge = () => {
        clearTimeout(timer);
        queue.nudge = undefined;
        resolve();
      };
    });
  }

  private expire(queue: Queue, waiter: Waiter): void {
    waiter.expired = true;
    if (queue.asking === waiter) return; // the pump decides once the store has answered
    const wasHead = queue.waiters[0] === waiter;
    this.finish(queue, waiter, new NoTurn(null));
    if (wasHead) queue.nudge?.(); // the next in line asks now
  }

  private finish(queue: Queue, waiter: Waiter, err?: unknown): void {
    const at = queue.waiters.indexOf(waiter);
    if (at < 0) return;
    queue.waiters.splice(at, 1);
    clearTimeout(waiter.timer);
    if (err === undefined) waiter.resolve();
    else waiter.reject(err);
  }
}

// The session cache: the state of the sessions this process checked lately, so that a token seen
// again costs no database round trip. It is only as good as its invalidation, which is:
// - every change a check reads is announced by the database itself, at commit (migration 016's
//   triggers NOTIFY the session ids, or `user:<id>`), and each entry named is forgotten on arrival;
// - the cache is used only while its LISTEN works: the connection is up, and the heartbeat this
//   process NOTIFYs every second has come back within the last three. Otherwise every entry is
//   dropped and checks go to the database until it works again (nothing cached before survives);
// - a read that began before a change was heard never fills the cache (`epoch`), so a stale
//   answer that crosses a notification in flight is not kept;
// - a request that revoked waits, before it answers, until every process that serves from a
//   cache has confirmed it heard the change (`settle`): it sends a marker after its commit;
//   notifications arrive in commit order, so each process that hears the marker has already
//   forgotten the change, and answers with an ack; the members to wait for are those whose
//   heartbeat was heard lately (a process starts serving from its cache only once its own
//   heartbeat has come back, so none is missed);
// - entries live at most SESSION_CACHE_TTL in any case.
// SESSION_CACHE_TTL=0 turns it off: every check reads the database, as before.
import type { Database } from '../db/port.js';
import { type CheckedState, findCheckedState } from '../db/repos/sessions.js';
import type { Logger } from '../logger.js';
import { HEARTBEAT_MS, LIVENESS_MS, Members } from './session-cache-members.js';

export const SESSION_CHANGES_CHANNEL = 'auth_session_changes';

export interface SessionCachePolicy {
  /** SESSION_CACHE_TTL; 0: off. */
  ttlMs: number;
  /** SESSION_CACHE_SIZE: entries per process, the oldest dropped first. */
  maxEntries: number;
}

interface Entry {
  state: CheckedState;
  until: number;
}

const EVERYTHING = '*';

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every change heard; a read that began at an older epoch may not fill a forgotten key. */
  private epoch = 0;
  /** Reads begun before this epoch fill nothing (after a resync, or when `forgotten` was cut). */
  private floor = 0;
  /** Session id or `user:<id>` -> the epoch it was last forgotten at. */
  private readonly forgotten = new Map<string, number>();
  private readonly members: Members;
  private listening = false;
  /** When the current LISTEN came up: its first heartbeat is due within LIVENESS_MS of it. */
  private listeningSince = 0;
  private reopening = false;
  private unlisten: (() => Promise<void>) | null = null;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: { db: Database; log: Logger },
    readonly policy: SessionCachePolicy,
  ) {
    this.members = new Members(async (payload) => {
      await deps.db.query('SELECT pg_notify($1, $2)', [SESSION_CHANGES_CHANNEL, payload]);
    });
  }

  get enabled(): boolean {
    return this.policy.ttlMs > 0;
  }

  /** True while checks may be answered from memory: the LISTEN is up and this process's heartbeat comes back. */
  get serving(): boolean {
    return this.listening && this.members.heardSelf();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Starts listening; until its own heartbeat has come back, every check reads the database. */
  async start(): Promise<void> {
    if (!this.enabled || this.unlisten) return;
    await this.listen();
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private async listen(): Promise<void> {
    this.unlisten = await this.deps.db.listen(
      SESSION_CHANGES_CHANNEL,
      (payload) => this.heard(payload),
      (up) => this.listeningChanged(up),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.listeningChanged(false);
    await this.unlisten?.();
    this.unlisten = null;
  }

  /** The state of a session, from memory when known and fresh, else read (and kept). */
  async state(db: Database, sessionId: string, now = Date.now()): Promise<CheckedState | null> {
    if (!this.serving) {
      if (this.entries.size > 0) this.resync(); // the heartbeat lapsed: changes may have gone unheard
      return findCheckedState(db, sessionId);
    }
    const entry = this.entries.get(sessionId);
    if (entry && entry.until > now) return entry.state;
    const began = this.epoch;
    const state = await findCheckedState(db, sessionId);
    if (state) this.fill(sessionId, state, began, now);
    return state;
  }

  /** This process wrote `lastUsedAt` (auth/sessions.ts): no need to write it again from memory. */
  used(sessionId: string, at: Date): void {
    const entry = this.entries.get(sessionId);
    if (entry) entry.state = { ...entry.state, lastUsedAt: at };
  }

  /**
   * After a commit that revoked sessions: forgets them here, then waits until every process
   * serving from a cache has confirmed it heard the change (session-cache-members.ts), at most
   * LIVENESS_MS (a process that does not answer stops serving from its cache by then, unless
   * its LISTEN still works, in which case it has heard the change).
   */
  async settle(change: { sessionId: string } | { userId: number }): Promise<void> {
    if (!this.listening) return;
    if ('sessionId' in change) this.forget(change.sessionId);
    else this.forgetUser(change.userId);
    try {
      const missing = await this.members.settle(LIVENESS_MS);
      if (missing > 0) this.deps.log.warn({ missing }, 'session cache: processes did not confirm a revocation in time');
    } catch (err) {
      this.deps.log.warn({ err }, 'session cache: could not ask the other processes to confirm a revocation');
    }
  }

  /** A change this process committed itself (a rotation): forgotten here at once; the others hear of it. */
  forget(sessionId: string): void {
    this.epoch++;
    this.entries.delete(sessionId);
    this.remember(sessionId);
  }

  private fill(sessionId: string, state: CheckedState, began: number, now: number): void {
    if (began < this.floor) return;
    if ((this.forgotten.get(sessionId) ?? -1) > began) return;
    if ((this.forgotten.get(`user:${state.userId}`) ?? -1) > began) return;
    if (this.entries.size >= this.policy.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(sessionId, { state, until: now + this.policy.ttlMs });
  }

  private heard(payload: string): void {
    if (this.members.heard(payload)) return;
    // '' is the driver's "connection is back"; '*' a change too long to list.
    if (payload === '' || payload === EVERYTHING) {
      this.resync();
      return;
    }
    for (const key of payload.split(',')) {
      if (key.startsWith('user:')) this.forgetUser(Number(key.slice(5)));
      else this.forget(key);
    }
  }

  private forgetUser(userId: number): void {
    this.epoch++;
    for (const [sessionId, entry] of this.entries) if (entry.state.userId === userId) this.entries.delete(sessionId);
    this.remember(`user:${userId}`);
  }

  /** Records when a key was forgotten; past the size bound, all of it goes and the floor rises instead. */
  private remember(key: string): void {
    if (this.forgotten.size >= this.policy.maxEntries) {
      this.forgotten.clear();
      this.floor = this.epoch;
      return;
    }
    this.forgotten.set(key, this.epoch);
  }

  private resync(): void {
    this.epoch++;
    this.floor = this.epoch;
    this.entries.clear();
    this.forgotten.clear();
  }

  private beat(): void {
    if (!this.listening) return;
    if (!this.members.heardSelf() && Date.now() - this.listeningSince > LIVENESS_MS) {
      this.reopen();
      return;
    }
    this.members.heartbeat().catch(() => {}); // a database that does not answer: the heartbeat lapses, the cache stops serving
  }

  /**
   * The connection says it is up, yet our heartbeats do not come back: a silent connection
   * (half-open after a network failure or a failover) that TCP would notice only after its
   * keepalive gives up. It is replaced by a new one.
   */
  private reopen(): void {
    if (this.reopening || !this.unlisten) return;
    this.reopening = true;
    this.deps.log.warn({ livenessMs: LIVENESS_MS }, 'session cache: heartbeats do not come back; reopening the LISTEN');
    this.listeningChanged(false);
    // Not waited for: ending a connection whose peer is gone may itself hang until TCP gives up.
    this.unlisten().catch(() => {});
    this.unlisten = null;
    this.listen()
      .catch((err) => this.deps.log.warn({ err }, 'session cache: reopening the LISTEN failed'))
      .finally(() => {
        this.reopening = false;
      });
  }

  private listeningChanged(up: boolean): void {
    // Either way nothing cached before may be trusted: while down, changes went unheard.
    this.resync();
    this.listening = up;
    if (up) this.listeningSince = Date.now();
    if (up) this.beat();
    else this.members.abandon();
  }
}

// The session cache: the state of the sessions this process checked lately, so that a token seen
// again costs no database round trip. It is only as good as its invalidation, which is:
// - every change a check reads is announced by the database itself, at commit (migration 016's
//   triggers NOTIFY the session ids, or `user:<id>`), and each entry named is forgotten on arrival;
// - the cache is used only while its LISTEN works: the connection is up, and a heartbeat this
//   process sent less than 3 s ago has come back. Otherwise every entry is dropped and checks
//   go to the database until it works again (nothing cached before survives);
// - a read that began before a change was heard never fills the cache (`epoch`), so a stale
//   answer that crosses a notification in flight is not kept;
// - a request that revoked waits, before it answers, until no process can still serve the old
//   state (`settle`): at most 3 s after its commit (by then every process serving has heard it,
//   session-cache-members.ts), sooner when every process heard alive has acknowledged a marker
//   sent after the commit;
// - entries live at most SESSION_CACHE_TTL in any case.
// SESSION_CACHE_TTL=0 turns it off: every check reads the database, as before.
import type { Database } from '../db/port.js';
import { notify, someoneListens } from '../db/repos/notifications.js';
import { type CheckedState, findCheckedState } from '../db/repos/sessions.js';
import type { Logger } from '../logger.js';
import { HEARTBEAT_MS, LIVENESS_MS, Members, monotonic } from './session-cache-members.js';

export const SESSION_CHANGES_CHANNEL = 'auth_session_changes';

export interface SessionCachePolicy {
  /** SESSION_CACHE_TTL; 0: off. */
  ttlMs: number;
  /** SESSION_CACHE_SIZE: entries per process, the oldest dropped first. */
  maxEntries: number;
}

interface Entry {
  state: CheckedState;
  /** Monotonic. */
  until: number;
}

const EVERYTHING = '*';
/** A deaf LISTEN is reopened after this, doubling up to REOPEN_MAX_MS while it stays deaf. */
const REOPEN_MIN_MS = 1000;
const REOPEN_MAX_MS = 60_000;

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
  /** Whether a LISTEN was ever in place: without one anywhere, no process serves and nobody need wait. */
  private everListened = false;
  /** When the current LISTEN came up (monotonic). */
  private listeningSince = 0;
  /** Which LISTEN is current: callbacks of a replaced one are ignored. */
  private generation = 0;
  private unlisten: (() => Promise<void>) | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private reopenAt = 0;
  private reopenDelayMs = REOPEN_MIN_MS;
  private closed = false;

  constructor(
    private readonly deps: { db: Database; log: Logger },
    readonly policy: SessionCachePolicy,
  ) {
    this.members = new Members((payload) => notify(deps.db, SESSION_CHANGES_CHANNEL, payload));
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
    if (!this.enabled || this.unlisten || this.closed) return;
    await this.listen();
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.generation++;
    this.listeningChanged(false);
    await this.unlisten?.();
    this.unlisten = null;
  }

  /** The state of a session, from memory when known and fresh, else read (and kept). */
  async state(db: Database, sessionId: string): Promise<CheckedState | null> {
    if (!this.serving) {
      if (this.entries.size > 0) this.resync(); // the heartbeat lapsed: changes may have gone unheard
      return findCheckedState(db, sessionId);
    }
    const entry = this.entries.get(sessionId);
    if (entry && entry.until > monotonic()) return entry.state;
    const began = this.epoch;
    const state = await findCheckedState(db, sessionId);
    if (state) this.fill(sessionId, state, began);
    return state;
  }

  /** This process wrote `lastUsedAt` (auth/sessions.ts): no need to write it again from memory. */
  used(sessionId: string, at: Date): void {
    const entry = this.entries.get(sessionId);
    if (entry) entry.state = { ...entry.state, lastUsedAt: at };
  }

  /**
   * After a commit that revoked sessions: forgets them here, then waits until no process can
   * still answer from an older state: until every process heard alive has acknowledged a marker
   * sent after the commit, when this process has listened long enough to know them all, and
   * otherwise (or when one does not answer) LIVENESS_MS from the commit, by which time every
   * process still serving has heard the change (session-cache-members.ts).
   */
  async settle(change: { sessionId: string } | { userId: number }): Promise<void> {
    const committed = monotonic();
    if ('sessionId' in change) this.forget(change.sessionId);
    else this.forgetUser(change.userId);
    if (!this.enabled) return;
    if (!this.everListened) {
      // A process that does not listen (the CLI): it cannot hear acks, so it waits the window
      // out whenever some process listens, and if it cannot tell.
      if (!(await someoneListens(this.deps.db, SESSION_CHANGES_CHANNEL).catch(() => true))) return;
      return this.waitOut(committed);
    }
    const knowsEveryone = this.serving && committed - this.listeningSince >= LIVENESS_MS;
    if (knowsEveryone) {
      const confirmed = await this.members.settle(LIVENESS_MS).catch(() => false);
      if (confirmed) return;
      this.deps.log.warn({}, 'session cache: not every process confirmed a revocation; waiting out the liveness window');
    }
    await this.waitOut(committed);
  }

  private async waitOut(committed: number): Promise<void> {
    const left = committed + LIVENESS_MS - monotonic();
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }

  /** A change this process committed itself (a rotation): forgotten here at once; the others hear of it. */
  forget(sessionId: string): void {
    this.epoch++;
    this.entries.delete(sessionId);
    this.remember(sessionId);
  }

  private async listen(): Promise<void> {
    const generation = ++this.generation;
    const current = (fn: () => void) => {
      if (generation === this.generation) fn();
    };
    const stop = await this.deps.db.listen(
      SESSION_CHANGES_CHANNEL,
      (payload) => current(() => this.heard(payload)),
      (up) => current(() => this.listeningChanged(up)),
    );
    if (generation === this.generation && !this.closed) this.unlisten = stop;
    else await stop(); // closed or replaced while it was connecting
  }

  private fill(sessionId: string, state: CheckedState, began: number): void {
    if (began < this.floor) return;
    if ((this.forgotten.get(sessionId) ?? -1) > began) return;
    if ((this.forgotten.get(`user:${state.userId}`) ?? -1) > began) return;
    if (this.entries.size >= this.policy.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(sessionId, { state, until: monotonic() + this.policy.ttlMs });
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

  /**
   * Every HEARTBEAT_MS. Heartbeats go out while this process serves, and for LIVENESS_MS after a
   * LISTEN comes up (to find out whether it hears): a process that cannot hear stops announcing
   * itself, so that revocations elsewhere stop waiting for it. A LISTEN that the database
   * accepted heartbeats for and that heard none of them (a silent, half-open connection, or one
   * to the wrong database) is replaced, less and less often while that goes on.
   */
  private beat(): void {
    if (!this.listening || this.closed) return;
    const now = monotonic();
    if (this.members.deaf(now) && now >= this.reopenAt) {
      this.reopen(now);
      return;
    }
    if (this.serving) this.reopenDelayMs = REOPEN_MIN_MS;
    this.members.forgetSilent(now);
    if (this.serving || now - this.listeningSince <= LIVENESS_MS) {
      this.members.heartbeat().catch(() => {}); // a database that does not answer: the heartbeat lapses, the cache stops serving
    }
  }

  private reopen(now: number): void {
    if (!this.unlisten) return;
    this.deps.log.warn({ retryMs: this.reopenDelayMs }, 'session cache: heartbeats do not come back; reopening the LISTEN');
    this.reopenAt = now + this.reopenDelayMs;
    this.reopenDelayMs = Math.min(this.reopenDelayMs * 2, REOPEN_MAX_MS);
    this.listeningChanged(false);
    // Not waited for: ending a connection whose peer is gone may itself hang until TCP gives up.
    this.unlisten().catch(() => {});
    this.unlisten = null;
    this.listen().catch((err) => this.deps.log.warn({ err }, 'session cache: reopening the LISTEN failed'));
  }

  private listeningChanged(up: boolean): void {
    // Either way nothing cached before may be trusted: while down, changes went unheard.
    this.resync();
    this.members.reset();
    this.listening = up;
    if (!up) return;
    this.everListened = true;
    this.listeningSince = monotonic();
    this.beat();
  }
}

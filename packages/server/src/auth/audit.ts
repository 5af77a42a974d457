// The audit trail: security events written to the append-only audit_events table.
// Never a password, token or key: only who, what, when, from where.
import type { Database, Transaction } from '../db/port.js';
import { insertAuditEvent } from '../db/repos/audit-events.js';
import type { Logger } from '../logger.js';
import type { Clock, RequestContext } from './context.js';

export type AuditEventName =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_throttled'
  | 'logout'
  | 'logout_all'
  | 'refresh_token_reused'
  | 'password_changed'
  | 'password_change_failed'
  | 'session_ended'
  | 'user_created'
  | 'user_disabled'
  | 'user_enabled'
  | 'key_rotated'
  | 'key_revoked'
  | 'keys_reencrypted'
  | 'tokens_flushed'
  | 'import_django';

export interface AuditEntry {
  event: AuditEventName;
  userId?: number | null;
  username?: string | null;
  details?: Record<string, unknown>;
}

/** How often one throttled account or client is written to the audit trail at most. */
const THROTTLED_AUDIT_INTERVAL_MS = 60_000;
const THROTTLED_KEYS_MAX = 10_000;

export class AuditLog {
  private readonly throttledSeen = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly now: Clock,
    private readonly log: Logger,
  ) {}

  /** Writes the event in `tx`: it commits with the change it describes, or neither does. */
  recordIn(tx: Transaction, entry: AuditEntry, ctx: RequestContext): Promise<void> {
    return insertAuditEvent(tx, this.row(entry, ctx), new Date(this.now()));
  }

  /**
   * Writes the event on its own, after the action it describes has happened: a failed write is
   * logged, never thrown, since the action must still be answered.
   */
  async recordBestEffort(entry: AuditEntry, ctx: RequestContext): Promise<void> {
    await insertAuditEvent(this.db, this.row(entry, ctx), new Date(this.now())).catch((err) =>
      this.log.error({ err, event: entry.event }, 'audit event could not be written'),
    );
  }

  /**
   * Records a throttled login, at most once a minute per username and client: a flood of
   * refused attempts must not turn into a flood of audit writes (one row says it all).
   */
  async throttled(username: string, ctx: RequestContext, retryAfterSeconds: number | undefined): Promise<void> {
    const key = `${username}\u0000${ctx.clientIp ?? ''}`;
    const now = this.now();
    const last = this.throttledSeen.get(key);
    if (last !== undefined && now - last < THROTTLED_AUDIT_INTERVAL_MS) return;
    if (this.throttledSeen.size >= THROTTLED_KEYS_MAX) this.throttledSeen.clear();
    this.throttledSeen.set(key, now);
    await this.recordBestEffort({ event: 'login_throttled', username, details: { retryAfterSeconds } }, ctx);
  }

  private row(entry: AuditEntry, ctx: RequestContext) {
    return { ...entry, clientIp: ctx.clientIp, userAgent: ctx.userAgent?.slice(0, 512) };
  }
}

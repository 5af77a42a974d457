// The audit trail: security events written to the append-only audit_events table.
// Never a password, token or key: only who, what, when, from where.

import type { Queryable } from '../db/port.js';
import { type AuditEvent, insertAuditEvent } from '../db/repos/audit-events.js';
import type { Logger, RequestContext } from './deps.js';

export type AuditEventName =
  | 'login_succeeded'
  | 'login_failed'
  | 'login_throttled'
  | 'logout'
  | 'logout_all'
  | 'refresh_token_reused'
  | 'password_changed'
  | 'user_created'
  | 'user_disabled'
  | 'user_enabled'
  | 'key_rotated'
  | 'tokens_flushed';

/** How often one throttled account or client is written to the audit trail at most. */
const THROTTLED_AUDIT_INTERVAL_MS = 60_000;
const THROTTLED_KEYS_MAX = 10_000;

export class AuditLog {
  private readonly throttledSeen = new Map<string, number>();

  constructor(
    private readonly db: Queryable,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

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
    await this.record('login_throttled', { username }, ctx, { retryAfterSeconds });
  }

  /**
   * Records an event. `db` may be a transaction, so that the event commits with the change
   * it describes. Outside a transaction a failed write is logged, not thrown: the action it
   * describes has already happened and must still be answered.
   */
  async record(
    event: AuditEventName,
    who: { userId?: number | null; username?: string | null },
    ctx: RequestContext,
    details?: Record<string, unknown>,
    db?: Queryable,
  ): Promise<void> {
    const row: AuditEvent = { event, ...who, clientIp: ctx.clientIp, userAgent: ctx.userAgent?.slice(0, 512), details };
    if (db) return insertAuditEvent(db, row, new Date(this.now()));
    await insertAuditEvent(this.db, row, new Date(this.now())).catch((err) =>
      this.log.error({ err, event }, 'audit event could not be written'),
    );
  }
}

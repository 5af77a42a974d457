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

export class AuditLog {
  constructor(
    private readonly db: Queryable,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

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

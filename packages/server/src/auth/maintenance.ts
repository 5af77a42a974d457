// Purges what can no longer matter, in bounded batches (SimpleJWT's flushexpiredtokens, and
// more): sessions whose refresh token has expired (revoked or not: an expired token fails
// the exp check before revocation is even read), stale throttle counters, and audit events
// past their retention. Run in the background every PURGE_INTERVAL and by
// `auth-service tokens flush-expired`. It also clears the successor refresh tokens kept for
// rotation retries once their grace period is over (a credential at rest is a liability).
import { deleteOldAuditEvents } from '../db/repos/audit-events.js';
import { deleteStaleThrottleRows } from '../db/repos/login-throttle.js';
import { deleteExpiredSessions, forgetSuccessorTokens } from '../db/repos/sessions.js';
import type { AuthDeps, RequestContext } from './deps.js';
import { FAILURE_MEMORY_MS } from './throttle.js';

export interface FlushResult {
  sessions: number;
  throttleRows: number;
  auditEvents: number;
}

export async function flushExpired(
  deps: AuthDeps,
  ctx: RequestContext,
  maxBatches = Number.POSITIVE_INFINITY,
): Promise<FlushResult> {
  const { batchSize } = deps.config.purge;
  const now = deps.now();
  // A token is still accepted up to TOKEN_LEEWAY after its exp: keep its row that long.
  const sessionsBefore = new Date(now - deps.config.jwt.leewayMs);
  const graceOver = new Date(now - deps.config.jwt.rotationGraceMs);
  await inBatches(batchSize, maxBatches, () => forgetSuccessorTokens(deps.db, graceOver, batchSize));
  const result: FlushResult = {
    sessions: await inBatches(batchSize, maxBatches, () => deleteExpiredSessions(deps.db, sessionsBefore, batchSize)),
    throttleRows: await inBatches(batchSize, maxBatches, () =>
      deleteStaleThrottleRows(deps.db, new Date(now - FAILURE_MEMORY_MS), batchSize),
    ),
    auditEvents: await inBatches(batchSize, maxBatches, () =>
      deps.db.transaction((tx) => deleteOldAuditEvents(tx, new Date(now - deps.config.purge.auditRetentionMs), batchSize)),
    ),
  };
  if (result.sessions + result.throttleRows + result.auditEvents > 0) {
    await deps.audit.record('tokens_flushed', {}, ctx, { ...result });
  }
  return result;
}

/** Repeats a bounded delete until it deletes less than a batch, yielding between batches. */
async function inBatches(batchSize: number, maxBatches: number, step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const deleted = await step();
    total += deleted;
    if (deleted < batchSize) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return total;
}

// Purges what can no longer matter, in bounded batches (SimpleJWT's flushexpiredtokens, and
// more): sessions whose refresh token has expired (revoked or not: an expired token fails
// the exp check before revocation is even read), stale throttle counters, and audit events
// past their retention. Run in the background every PURGE_INTERVAL and by
// `auth-service tokens flush-expired`, and revocations the feed no longer needs. It also clears the successor refresh tokens kept for
// rotation retries once their grace period is over (a credential at rest is a liability).
import type { Database } from '../db/port.js';
import { deleteOldAuditEvents } from '../db/repos/audit-events.js';
import { deleteStaleThrottleRows } from '../db/repos/login-throttle.js';
import { deleteOldRevocations } from '../db/repos/revocations.js';
import { deleteExpiredSessions, forgetSuccessorTokens } from '../db/repos/sessions.js';
import type { AuditLog } from './audit.js';
import type { Clock, RequestContext } from './context.js';
import type { RotationPolicy } from './refresh.js';
import { FAILURE_MEMORY_MS } from './throttle.js';

export interface PurgePolicy {
  batchSize: number;
  auditRetentionMs: number;
  /** A token is still accepted up to TOKEN_LEEWAY after its exp: its row is kept that long. */
  leewayMs: number;
  /** How long a revocation matters to the feed (ACCESS_TOKEN_LIFETIME + TOKEN_LEEWAY). */
  revocationWindowMs: number;
}

// Revocation rows are kept an hour past their window, for subscribers whose clock lags ours.
const REVOCATION_MARGIN_MS = 3_600_000;

export interface PurgeDeps {
  db: Database;
  audit: Pick<AuditLog, 'recordBestEffort'>;
  now: Clock;
  purge: PurgePolicy;
  rotation: Pick<RotationPolicy, 'graceMs'>;
}

export interface FlushResult {
  sessions: number;
  throttleRows: number;
  auditEvents: number;
  revocations: number;
}

export async function flushExpired(
  deps: PurgeDeps,
  ctx: RequestContext,
  maxBatches = Number.POSITIVE_INFINITY,
  /** Rows deleted so far, per phase (the CLI draws it: a first purge can run long). */
  progress?: (progress: { phase: string; done: number; total: null }) => void,
): Promise<FlushResult> {
  const { db, purge } = deps;
  const now = deps.now();
  const batches = (phase: string, step: () => Promise<number>) =>
    inBatches(purge.batchSize, maxBatches, step, (done) => progress?.({ phase, done, total: null }));
  await batches('successor tokens', () => forgetSuccessorTokens(db, new Date(now - deps.rotation.graceMs), purge.batchSize));
  const result: FlushResult = {
    sessions: await batches('sessions', () => deleteExpiredSessions(db, new Date(now - purge.leewayMs), purge.batchSize)),
    throttleRows: await batches('throttle rows', () =>
      deleteStaleThrottleRows(db, new Date(now - FAILURE_MEMORY_MS), purge.batchSize),
    ),
    auditEvents: await batches('audit events', () =>
      db.transaction((tx) => deleteOldAuditEvents(tx, new Date(now - purge.auditRetentionMs), purge.batchSize)),
    ),
    revocations: await batches('revocations', () =>
      deleteOldRevocations(db, new Date(now - purge.revocationWindowMs - REVOCATION_MARGIN_MS), purge.batchSize),
    ),
  };
  if (result.sessions + result.throttleRows + result.auditEvents + result.revocations > 0) {
    await deps.audit.recordBestEffort({ event: 'tokens_flushed', details: { ...result } }, ctx);
  }
  return result;
}

/** Repeats a bounded delete until it deletes less than a batch, yielding between batches. */
async function inBatches(
  batchSize: number,
  maxBatches: number,
  step: () => Promise<number>,
  report: (done: number) => void,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const deleted = await step();
    total += deleted;
    report(total);
    if (deleted < batchSize) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return total;
}

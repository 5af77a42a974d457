// `auth-service import django`: users (with their ids and Django hashes) and SimpleJWT's
// outstanding refresh tokens (as sessions) from a Django + SimpleJWT service, in batches of one
// transaction each. Idempotent: a re-run updates what changed there (new users, blacklisted
// tokens, passwords changed there that were not changed here) and duplicates nothing. With
// `dryRun` every batch runs in one transaction that is rolled back: the summary is what a real
// run would do, and nothing is written (the id sequence is not moved either).
import type { DjangoSource } from '../../db/django/source.js';
import type { Database, Transaction } from '../../db/port.js';
import { moveUserIdsPast } from '../../db/repos/imported-users.js';
import type { AuditLog } from '../audit.js';
import type { Clock, RequestContext } from '../context.js';
import { importTokenBatch } from './import-sessions.js';
import { importUserBatch } from './import-users.js';
import { legacySessionsLeft } from './legacy-status.js';
import { type ImportSummary, ImportTally } from './summary.js';

export interface ImportDeps {
  db: Database;
  audit: Pick<AuditLog, 'recordBestEffort'>;
  now: Clock;
}

export interface ImportProgress {
  phase: 'users' | 'sessions';
  done: number;
  /** Known for users (counted first); null for sessions. */
  total: number | null;
}

export interface ImportOptions {
  dryRun: boolean;
  batchSize: number;
  progress?: (progress: ImportProgress) => void;
}

export async function importDjango(
  deps: ImportDeps,
  source: DjangoSource,
  options: ImportOptions,
  ctx: RequestContext,
): Promise<ImportSummary> {
  const started = performance.now();
  const tally = new ImportTally();
  const { users, maxUserId } = await source.size();
  // First, so that a user created here while the import runs takes an id past Django's.
  if (!options.dryRun && maxUserId > 0) await deps.db.transaction((tx) => moveUserIdsPast(tx, maxUserId));
  const phases = async (batch: BatchRunner) => {
    const held = new Set<number>();
    for await (const rows of source.users(options.batchSize)) {
      tally.users.seen += rows.length;
      for (const id of await batch((tx) => importUserBatch(tx, rows, tally, new Date(deps.now())))) held.add(id);
      options.progress?.({ phase: 'users', done: tally.users.seen, total: users });
    }
    const seconds = (performance.now() - started) / 1000;
    const tokens = await source.tokens(options.batchSize, new Date(deps.now()));
    tally.sessions.available = tokens !== null;
    for await (const rows of tokens ?? []) {
      await batch((tx) => importTokenBatch(tx, rows, held, tally, new Date(deps.now())));
      options.progress?.({ phase: 'sessions', done: tally.sessions.seen, total: null });
    }
    return seconds;
  };
  const seconds = options.dryRun ? await dryRun(deps.db, phases) : await phases((fn) => deps.db.transaction(fn));
  const nextUserId = options.dryRun ? null : await deps.db.transaction((tx) => moveUserIdsPast(tx, maxUserId));
  const summary = summarise(tally, source, options, nextUserId, seconds, await legacySessionsLeft(deps));
  if (!options.dryRun) await deps.audit.recordBestEffort({ event: 'import_django', details: auditDetails(summary) }, ctx);
  return summary;
}

type BatchRunner = <T>(fn: (tx: Transaction) => Promise<T>) => Promise<T>;

class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super('dry run');
  }
}

/**
 * A dry run: every batch in one transaction, rolled back at the end, so that later batches see
 * what earlier ones would have written (a session needs its user) and nothing is kept.
 */
async function dryRun<T>(db: Database, phases: (batch: BatchRunner) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (tx) => {
      throw new Rollback(await phases((fn) => fn(tx)));
    });
  } catch (err) {
    if (err instanceof Rollback) return err.value as T;
    throw err;
  }
}

function summarise(
  tally: ImportTally,
  source: DjangoSource,
  options: ImportOptions,
  nextUserId: number | null,
  seconds: number,
  legacy: ImportSummary['legacy'],
): ImportSummary {
  return {
    source: source.description,
    dryRun: options.dryRun,
    users: tally.users,
    conflicts: tally.conflicts,
    hashes: tally.hashes,
    refused: tally.refused,
    sessions: tally.sessions,
    nextUserId,
    legacy,
    seconds: Math.round(seconds * 1000) / 1000,
    usersPerSecond: seconds > 0 ? Math.round(tally.users.seen / seconds) : tally.users.seen,
  };
}

/** The audit event: the counts, not the conflicting usernames (the summary printed has those). */
function auditDetails(summary: ImportSummary): Record<string, unknown> {
  const { conflicts: _, ...counts } = summary;
  return counts as unknown as Record<string, unknown>;
}

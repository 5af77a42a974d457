// Every operator command, one entry each: its words, operands and flags (from which the CLI
// derives its usage text and its parsing), what it runs (a use case, or for migrate and audit
// the database function itself: commands write no SQL of their own) and how its result reads
// on a terminal. The same table serves a local run (the
// CLI opened the database itself) and a run through the admin socket (the service owns the
// embedded database).
import { resolve } from 'node:path';
import { CLI_CONTEXT } from '../auth/context.js';
import { listKeys, revokeKey, rotateKeys } from '../auth/keys/operations.js';
import { type Reencryption, reencryptKeys } from '../auth/keys/reencrypt.js';
import { flushExpired } from '../auth/maintenance.js';
import { revokeSessionById } from '../auth/sessions.js';
import { importDjango } from '../auth/simplejwt/import.js';
import type { ImportSummary } from '../auth/simplejwt/summary.js';
import { createUser, disableUser, enableUser, listAllUsers, listUserSessions, setPassword } from '../auth/users.js';
import { parseDurationWithUnit } from '../config/duration.js';
import { openDumpdata } from '../db/django/dumpdata-source.js';
import { openDjangoDatabase } from '../db/django/postgres-source.js';
import type { DjangoSource } from '../db/django/source.js';
import { migrate } from '../db/migrate.js';
import { queryAuditEvents } from '../db/repos/audit-events.js';
import { invalidField } from '../errors.js';
import type { Services } from '../runtime.js';
import { importSummaryLines } from './import-summary.js';
import { iso, type Row, table } from './table-format.js';

export type Args = Record<string, string | undefined>;

/** What a command may report while it runs (the CLI draws it on a terminal; the admin socket drops it). */
export interface CommandIo {
  progress?: (progress: { phase: string; done: number; total: number | null }) => void;
}

export interface Command {
  /** The words that name it: `user create`. */
  words: readonly string[];
  /** Positional arguments, in order. */
  operands?: readonly string[];
  /** `--name`: a boolean switch (`true`) or one that takes a value (its placeholder). */
  flags?: Readonly<Record<string, true | string>>;
  /** Reads a password from stdin (or a prompt on a terminal), never from the arguments. */
  password?: true;
  summary: string;
  /** Runs in the CLI's own process before the command does (it may run in the service's): e.g. resolving paths. */
  prepare?(args: Args): Args;
  run(deps: Services, args: Args, io?: CommandIo): Promise<unknown>;
  print(result: unknown): string[];
}

const need = (args: Args, name: string): string => {
  const value = args[name];
  if (value === undefined) throw invalidField(name, 'This field is required.');
  return value;
};

/** An ISO 8601 time, or a relative one ("24h": that long ago). */
const time = (value: string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const ago = parseDurationWithUnit(value);
  const parsed = new Date(ago === null ? value : Date.now() - ago);
  if (Number.isNaN(parsed.getTime())) throw invalidField('time', `"${value}" is not a time (ISO 8601, or relative like 24h)`);
  return parsed;
};

const line = (text: string) => () => [text];

const DATABASE_URL = /^postgres(ql)?:\/\//;

/** A Django database URL, or a dumpdata JSON file. */
function openSource(from: string): Promise<DjangoSource> {
  return DATABASE_URL.test(from) ? openDjangoDatabase(from) : openDumpdata(from);
}

/** `--name N`: a whole number from 1 to 10000, `fallback` when the flag is not given. */
function countFlag(args: Args, name: string, fallback: number): number {
  const count = Number(args[name] ?? fallback);
  if (!Number.isInteger(count) || count < 1 || count > 10_000) throw invalidField(name, 'must be a whole number from 1 to 10000');
  return count;
}
const r = (result: unknown) => result as Record<string, unknown>;

const SESSIONS_LIST = {
  words: ['sessions', 'list'],
  operands: ['username'],
  flags: { limit: 'N' },
  summary:
    'live sessions of the user (neither revoked nor expired), newest first, at most N (100): opened, last used (coarse), expiry, from where',
  run: (d, a) => listUserSessions(d, need(a, 'username'), countFlag(a, 'limit', 100)),
  print: (res) => table(res as Row[], ['id', 'createdAt', 'lastUsedAt', 'expiresAt', 'clientAddress', 'userAgent', 'imported']),
} satisfies Command;

export const COMMANDS = {
  'user.create': {
    words: ['user', 'create'],
    operands: ['username'],
    password: true,
    summary: 'password from stdin, or a prompt on a terminal',
    run: async (d, a) => ({ id: await createUser(d, need(a, 'username'), need(a, 'password'), CLI_CONTEXT) }),
    print: (res) => [`created user id ${r(res).id}`],
  },
  'user.set-password': {
    words: ['user', 'set-password'],
    operands: ['username'],
    password: true,
    summary: 'revokes every session of the user',
    run: async (d, a) => ({ sessionsRevoked: await setPassword(d, need(a, 'username'), need(a, 'password'), CLI_CONTEXT) }),
    print: (res) => [`password changed; ${r(res).sessionsRevoked} session(s) revoked`],
  },
  'user.disable': {
    words: ['user', 'disable'],
    operands: ['username'],
    summary: 'no more login/refresh/verify; revokes its sessions',
    run: async (d, a) => ({ sessionsRevoked: await disableUser(d, need(a, 'username'), CLI_CONTEXT) }),
    print: (res) => [`user disabled; ${r(res).sessionsRevoked} session(s) revoked`],
  },
  'user.enable': {
    words: ['user', 'enable'],
    operands: ['username'],
    summary: 'allow logins again',
    run: async (d, a) => {
      await enableUser(d, need(a, 'username'), CLI_CONTEXT);
      return {};
    },
    print: line('user enabled'),
  },
  'user.list': {
    words: ['user', 'list'],
    summary: 'every user, with id and state',
    run: (d) => listAllUsers(d),
    print: (res) => table(res as Row[], ['id', 'username', 'isActive', 'createdAt']),
  },
  'sessions.list': SESSIONS_LIST,
  // The name it had first: the same command.
  'user.sessions': { ...SESSIONS_LIST, words: ['user', 'sessions'], summary: 'the same as sessions list' },
  'sessions.revoke': {
    words: ['sessions', 'revoke'],
    operands: ['id'],
    summary: "end one live session (any user's), as a logout of it would",
    run: async (d, a) => ({ id: need(a, 'id'), userId: await revokeSessionById(d, need(a, 'id'), CLI_CONTEXT) }),
    print: (res) => [`session ${r(res).id} revoked (user id ${r(res).userId})`],
  },
  migrate: {
    words: ['migrate'],
    summary: 'apply pending database migrations',
    run: async (d) => ({ applied: await migrate(d.db) }),
    print: (res) => {
      const applied = r(res).applied as string[];
      return [applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date'];
    },
  },
  'keys.rotate': {
    words: ['keys', 'rotate'],
    flags: { now: true },
    summary:
      'new signing key: published now, signs after KEY_ROTATION_DELAY plus KEY_RELOAD_INTERVAL (11 min by default); --now: at once',
    run: (d, a) => rotateKeys(d, CLI_CONTEXT, { immediate: a.now === 'true' }),
    print: (res) => [
      `new key ${r(res).next}, published now, signs from ${iso(r(res).signsFrom)}`,
      ...(r(res).retiring as string[]).map((kid) => `${kid} stops signing then (still verifying until its tokens expire)`),
    ],
  },
  'keys.list': {
    words: ['keys', 'list'],
    summary: 'signing keys and their state (next, current, retired)',
    run: (d) => listKeys(d),
    print: (res) =>
      table(res as Row[], ['kid', 'alg', 'state', 'createdAt', 'activatesAt', 'retiredAt', 'revokedAt', 'encrypted']),
  },
  'keys.revoke': {
    words: ['keys', 'revoke'],
    operands: ['kid'],
    summary: 'a leaked key: no longer signs, verifies or is published (every instance within KEY_RELOAD_INTERVAL)',
    run: (d, a) => revokeKey(d, CLI_CONTEXT, need(a, 'kid')),
    print: (res) => [
      r(res).was === 'revoked'
        ? `${r(res).kid} was already revoked`
        : `revoked ${r(res).kid} (was ${r(res).was}); every instance refuses its tokens and drops it from the JWKS at its next key reload`,
      ...(r(res).successor ? [`${r(res).successor} signs from now on`] : []),
    ],
  },
  'keys.reencrypt': {
    words: ['keys', 'reencrypt'],
    summary: 'every private key to KEY_ENCRYPTION_SECRET, from KEY_ENCRYPTION_SECRET_PREVIOUS (or plain); one transaction',
    run: (d, _a = {}, io = {}) => reencryptKeys(d, CLI_CONTEXT, io.progress),
    print: (res) => {
      const { reencrypted, unchanged } = res as Reencryption;
      return [`re-encrypted ${reencrypted.length} key(s); ${unchanged.length} already under KEY_ENCRYPTION_SECRET`];
    },
  },
  'tokens.flush-expired': {
    words: ['tokens', 'flush-expired'],
    summary: 'delete expired sessions, stale counters, old audit events and old revocations now',
    run: (d, _a = {}, io = {}) => flushExpired(d, CLI_CONTEXT, Number.POSITIVE_INFINITY, io.progress),
    print: (res) => [
      `deleted ${r(res).sessions} expired session(s), ${r(res).throttleRows} throttle counter(s), ${r(res).auditEvents} old audit event(s), ${r(res).revocations} old revocation(s)`,
    ],
  },
  'import.django': {
    words: ['import', 'django'],
    flags: { from: 'URL|FILE', 'dry-run': true, 'batch-size': 'N' },
    summary: 'users (ids kept), Django hashes and SimpleJWT sessions from the Django database or a dumpdata file; idempotent',
    prepare: (a) => (a.from && !DATABASE_URL.test(a.from) ? { ...a, from: resolve(a.from) } : a),
    run: async (d, a, io) => {
      const size = countFlag(a, 'batch-size', 1000);
      const source = await openSource(need(a, 'from'));
      try {
        return await importDjango(
          d,
          source,
          { dryRun: a['dry-run'] === 'true', batchSize: size, progress: io?.progress },
          CLI_CONTEXT,
        );
      } finally {
        await source.close();
      }
    },
    print: (res) => importSummaryLines(res as ImportSummary),
  },
  audit: {
    words: ['audit'],
    flags: { user: 'NAME', since: 'T', until: 'T', event: 'E', limit: 'N' },
    summary: 'security events, newest first; T: ISO 8601 time, or relative (30m, 24h, 7d)',
    run: (d, a) =>
      queryAuditEvents(d.db, {
        username: a.user,
        since: time(a.since),
        until: time(a.until),
        event: a.event,
        limit: countFlag(a, 'limit', 100),
      }),
    print: (res) => table(res as Row[], ['at', 'event', 'username', 'userId', 'clientIp', 'userAgent', 'details']),
  },
} satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;

export function findCommand(name: string): Command | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
}

// What the CLI can ask for, by name. The same table serves a local run (the CLI opened the
// database itself) and a run through the admin socket (the service owns the embedded
// database). Every entry calls a use case: the CLI writes no SQL of its own.
import type { AuthDeps } from '../auth/deps.js';
import { CLI_CONTEXT } from '../auth/deps.js';
import { listKeys, rotateKeys } from '../auth/keys.js';
import { flushExpired } from '../auth/maintenance.js';
import { createUser, disableUser, enableUser, listAllUsers, setPassword } from '../auth/users.js';
import { migrate } from '../db/migrate.js';
import { queryAuditEvents } from '../db/repos/audit-events.js';

export type Args = Record<string, string | undefined>;

const need = (args: Args, name: string): string => {
  const value = args[name];
  if (value === undefined) throw new Error(`missing ${name}`);
  return value;
};

const date = (value: string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const parsed = new Date(/^\d+[smhd]$/.test(value) ? Date.now() - relativeMs(value) : value);
  if (Number.isNaN(parsed.getTime())) throw new Error(`"${value}" is not a time (ISO 8601, or relative like 24h)`);
  return parsed;
};

const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
const relativeMs = (value: string) => Number(value.slice(0, -1)) * (UNIT_MS[value.slice(-1)] ?? 0);

export const COMMANDS = {
  'user.create': async (deps: AuthDeps, a: Args) => ({
    id: await createUser(deps, need(a, 'username'), need(a, 'password'), CLI_CONTEXT),
  }),
  'user.set-password': async (deps: AuthDeps, a: Args) => ({
    sessionsRevoked: await setPassword(deps, need(a, 'username'), need(a, 'password'), CLI_CONTEXT),
  }),
  'user.disable': async (deps: AuthDeps, a: Args) => ({
    sessionsRevoked: await disableUser(deps, need(a, 'username'), CLI_CONTEXT),
  }),
  'user.enable': async (deps: AuthDeps, a: Args) => {
    await enableUser(deps, need(a, 'username'), CLI_CONTEXT);
    return {};
  },
  'user.list': (deps: AuthDeps) => listAllUsers(deps),
  migrate: async (deps: AuthDeps) => ({ applied: await migrate(deps.db) }),
  'keys.rotate': (deps: AuthDeps, a: Args) => rotateKeys(deps, CLI_CONTEXT, { immediate: a.now === 'true' }),
  'keys.list': (deps: AuthDeps) => listKeys(deps),
  'tokens.flush-expired': (deps: AuthDeps) => flushExpired(deps, CLI_CONTEXT),
  audit: (deps: AuthDeps, a: Args) =>
    queryAuditEvents(deps.db, {
      username: a.user,
      since: date(a.since),
      until: date(a.until),
      event: a.event,
      limit: Math.min(Number(a.limit ?? 100) || 100, 10_000),
    }),
} satisfies Record<string, (deps: AuthDeps, args: Args) => Promise<unknown>>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

export function runCommand(deps: AuthDeps, name: CommandName, args: Args): Promise<unknown> {
  return COMMANDS[name](deps, args);
}

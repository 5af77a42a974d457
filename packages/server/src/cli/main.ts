// `npx auth-service <command>`: the operators' CLI. It reads the same settings as the
// service. On PostgreSQL it opens its own connection; on the embedded database it talks to
// the running service through its admin socket, or opens the database itself (holding the
// lock) when no service runs.
import { buildDeps, closeDeps } from '../auth/deps.js';
import { ConfigError, parseConfig } from '../config/config.js';
import { embeddedLockOwner } from '../db/embedded-lock.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { AuthError } from '../errors.js';
import { createLogger } from '../logger.js';
import { callAdminWhenUp } from './admin-socket.js';
import { type Args, type CommandName, runCommand } from './commands.js';
import { print } from './output.js';
import { readPassword } from './password-input.js';

const USAGE = `usage: auth-service <command>

  serve                              run the service (same as npm start)
  user create <username>             password from stdin, or a prompt on a terminal
  user set-password <username>       revokes every session of the user
  user disable <username>            no more login/refresh/verify; revokes its sessions
  user enable <username>
  user list [--json]
  migrate                            apply pending database migrations
  keys rotate [--now]                new signing key: published now, signs in 5 min
                                     (JWKS max-age + KEY_RELOAD_INTERVAL); --now: at once
  keys list [--json]
  tokens flush-expired               delete expired sessions and stale counters now
  audit [--user NAME] [--since T] [--until T] [--event E] [--limit N] [--json]
                                     T: ISO 8601 time, or relative (30m, 24h, 7d)

Settings come from the environment, as for the service (docs/config.md).`;

interface Parsed {
  command: CommandName | 'serve' | 'help';
  args: Args;
  json: boolean;
  needsPassword: boolean;
}

/** The exit code, or null for `serve`: the service then runs on until a signal stops it. */
export async function runCli(argv: string[]): Promise<number | null> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`auth-service: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.command === 'serve') {
    await (await import('../main.js')).main();
    return null;
  }
  try {
    if (parsed.needsPassword) parsed.args.password = await readPassword();
    const result = await execute(parsed.command, parsed.args);
    print(parsed.command, result, parsed.json);
    return 0;
  } catch (err) {
    process.stderr.write(`auth-service: ${describe(err)}\n`);
    return 1;
  }
}

function parse(argv: string[]): Parsed {
  const words: string[] = [];
  const args: Args = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--json') json = true;
    else if (word === '--now') args.now = 'true';
    else if (word === '--help' || word === '-h') return { command: 'help', args, json, needsPassword: false };
    else if (word.startsWith('--')) {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${word} needs a value`);
      args[word.slice(2)] = value;
    } else words.push(word);
  }
  const [group, verb, target] = words;
  if (!group || group === 'help') return { command: 'help', args, json, needsPassword: false };
  if (group === 'serve' || group === 'migrate' || group === 'audit') return { command: group, args, json, needsPassword: false };
  const command = `${group}.${verb}`;
  const withUser = ['user.create', 'user.set-password', 'user.disable', 'user.enable'];
  if (withUser.includes(command)) {
    if (!target) throw new Error(`${group} ${verb} needs a username`);
    if (words.length > 3) throw new Error('too many arguments (passwords are read from stdin, never from arguments)');
    args.username = target;
    const needsPassword = command === 'user.create' || command === 'user.set-password';
    return { command: command as CommandName, args, json, needsPassword };
  }
  if (['user.list', 'keys.rotate', 'keys.list', 'tokens.flush-expired'].includes(command)) {
    return { command: command as CommandName, args, json, needsPassword: false };
  }
  throw new Error(`unknown command: ${words.join(' ')}`);
}

async function execute(command: CommandName, args: Args): Promise<unknown> {
  const config = parseConfig();
  if (!config.databaseUrl && embeddedLockOwner(config.dataDir) !== null) {
    const reply = await callAdminWhenUp(config.dataDir, command, args);
    if (!reply.ok) throw new Error(reply.error?.message ?? 'the service refused the command');
    return reply.result;
  }
  const log = createLogger('warn');
  const db = await openDatabase(config);
  try {
    await migrate(db);
    // No throttle: the CLI logs no one in, and must work while Redis (REDIS_URL) is down.
    const deps = await buildDeps(db, config, { log, throttle: false });
    try {
      return await runCommand(deps, command, args);
    } finally {
      await closeDeps(deps);
    }
  } finally {
    await db.close();
  }
}

function describe(err: unknown): string {
  if (err instanceof ConfigError) return `invalid configuration: ${err.message}`;
  if (err instanceof AuthError) return err.message;
  return (err as Error).message ?? String(err);
}

// The CLI's arguments and usage text, both derived from the command table, so that the help
// can never drift from what is parsed.
import type { Args, Command } from '../admin/commands.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Parsed =
  | { kind: 'help' }
  | { kind: 'serve' }
  | { kind: 'doctor'; json: boolean }
  | { kind: 'command'; name: string; command: Command; args: Args; json: boolean };

export function parseArgs(argv: string[], commands: Record<string, Command>): Parsed {
  const words: string[] = [];
  const flags: Args = {};
  const switches = new Set(
    Object.values(commands).flatMap((c) => Object.keys(c.flags ?? {}).filter((f) => c.flags?.[f] === true)),
  );
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === '--help' || word === '-h') return { kind: 'help' };
    if (word === '--json') json = true;
    else if (word.startsWith('--')) i = takeFlag(argv, i, flags, switches);
    else words.push(word);
  }
  if (words.length === 0 || words[0] === 'help') return { kind: 'help' };
  if (words[0] === 'serve') return { kind: 'serve' };
  if (words[0] === 'doctor' && words.length === 1) return { kind: 'doctor', json };
  const [name, command] = match(words, commands);
  const operands = command.operands ?? [];
  const given = words.slice(command.words.length);
  if (given.length < operands.length) throw new UsageError(`${command.words.join(' ')} needs a ${operands[given.length]}`);
  if (given.length > operands.length) {
    throw new UsageError(`too many arguments${command.password ? ' (passwords are read from stdin, never from arguments)' : ''}`);
  }
  const args: Args = { ...checkedFlags(command, flags) };
  operands.forEach((operand, i) => {
    args[operand] = given[i];
  });
  return { kind: 'command', name, command, args, json };
}

export function usage(commands: Record<string, Command>): string {
  const lines = [
    ['serve', 'run the service (same as npm start)'],
    ['doctor', 'check settings, database, keys, certificate, clock, Redis; exit 1 on a problem'],
    ...Object.values(commands).map((c) => [synopsis(c), c.summary]),
  ] as const;
  const width = Math.max(...lines.map(([left]) => left.length)) + 2;
  const body = lines.map(([left, right]) => `  ${left.padEnd(width)}${right}`).join('\n');
  return `usage: auth-service <command> [--json]\n\n${body}\n\nSettings come from the environment, as for the service (docs/config.md).`;
}

function synopsis(c: Command): string {
  const operands = (c.operands ?? []).map((o) => `<${o}>`);
  const flags = Object.entries(c.flags ?? {}).map(([flag, value]) => (value === true ? `[--${flag}]` : `[--${flag} ${value}]`));
  return [...c.words, ...operands, ...flags].join(' ');
}

function match(words: string[], commands: Record<string, Command>): [string, Command] {
  const found = Object.entries(commands).find(([, c]) => c.words.every((w, i) => words[i] === w));
  if (!found) throw new UsageError(`unknown command: ${words.join(' ')}`);
  return found;
}

/** `--name` (a switch of some command) or `--name value`; returns the index of the last word taken. */
function takeFlag(argv: string[], i: number, flags: Args, switches: Set<string>): number {
  const name = (argv[i] as string).slice(2);
  if (switches.has(name)) {
    flags[name] = 'true';
    return i;
  }
  const value = argv[i + 1];
  if (value === undefined) throw new UsageError(`--${name} needs a value`);
  flags[name] = value;
  return i + 1;
}

/** The flags given must be the command's own. */
function checkedFlags(command: Command, flags: Args): Args {
  for (const name of Object.keys(flags)) {
    if (!Object.hasOwn(command.flags ?? {}, name)) throw new UsageError(`${command.words.join(' ')} has no --${name}`);
  }
  return flags;
}

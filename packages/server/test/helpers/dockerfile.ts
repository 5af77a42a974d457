// Reads the repository's Dockerfile the way `docker build` would for what tests need: its
// stages, and of the final one the ENV, USER, WORKDIR, COPY --from lines, HEALTHCHECK and CMD
// (exec form only: a shell-form CMD would put a shell between the signal and node).
import { readFileSync } from 'node:fs';

export interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

export interface FinalStage {
  env: Record<string, string>;
  user?: string;
  workdir?: string;
  copies: { from?: string; sources: string[]; destination: string }[];
  healthcheck?: string[];
  cmd?: string[];
}

/** Instructions with line continuations joined and comments dropped. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

export function readStages(path: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of instructions(readFileSync(path, 'utf8'))) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1] as string, name: from[2], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

export function finalStage(stages: Stage[]): FinalStage {
  const stage = stages.at(-1);
  if (!stage) throw new Error('no FROM in the Dockerfile');
  const result: FinalStage = { env: {}, copies: [] };
  for (const line of stage.lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = line.slice(instruction.length).trim();
    switch (instruction.toUpperCase()) {
      case 'ENV':
        for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g))
          result.env[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
        break;
      case 'USER':
        result.user = args;
        break;
      case 'WORKDIR':
        result.workdir = args;
        break;
      case 'COPY': {
        const from = /^--from=(\S+)$/.exec(rest[0] ?? '')?.[1];
        const paths = from ? rest.slice(1) : rest;
        result.copies.push({ from, sources: paths.slice(0, -1), destination: paths.at(-1) as string });
        break;
      }
      case 'HEALTHCHECK':
        result.healthcheck = execForm(args.replace(/^(--\S+\s+)*CMD\s+/, ''));
        break;
      case 'CMD':
        result.cmd = execForm(args);
        break;
    }
  }
  return result;
}

function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not exec form: ${args}`);
  return parsed;
}

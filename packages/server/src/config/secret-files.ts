// The Docker and Kubernetes secrets convention: every secret setting NAME may instead be given
// as NAME_FILE, the path of a file holding it (a mounted secret), so that the secret itself is
// never in the environment, `docker inspect` or a process listing. Read once, before any other
// parsing, into a copy of the environment: the parsers then see NAME as if it had been set.
import { readFileSync } from 'node:fs';
import { ConfigError, type Env } from './parse.js';

/** Settings that hold a secret (docs/config.md, "Secrets from files"). */
export const SECRET_SETTINGS = [
  'JWT_SIGNING_KEY',
  'KEY_ENCRYPTION_SECRET',
  'KEY_ENCRYPTION_SECRET_PREVIOUS',
  'DATABASE_URL',
  'DATABASE_PASSWORD',
  'DATABASE_LISTEN_URL',
  'REDIS_URL',
  'REVOCATION_FEED_TOKEN',
  'SIMPLEJWT_SIGNING_KEY',
] as const;

export function withSecretFiles(env: Env): Env {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const name of SECRET_SETTINGS) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (env[name]?.trim()) throw new ConfigError(name, `set either ${name} or ${name}_FILE, not both`);
    resolved[name] = readSecret(`${name}_FILE`, file);
  }
  return resolved;
}

function readSecret(variable: string, file: string): string {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(variable, `cannot read "${file}" (${code})`);
  }
  // Editors and `echo` end a file with a newline; a secret never does.
  const value = content.replace(/\r?\n$/, '');
  if (value === '') throw new ConfigError(variable, `"${file}" is empty`);
  return value;
}

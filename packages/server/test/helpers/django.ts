// The real Django, from Debian's packages (.ci/run installs them): a Python that imports
// django, for hashes and tokens made by the real thing. The machine's python3 may be a pyenv
// shim that does not see Debian's dist-packages, so /usr/bin/python3 is tried too. In CI a
// missing Django fails the tests that need it; elsewhere they are skipped, saying why.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

function findPython(): string | null {
  for (const candidate of [process.env.PYTHON, '/usr/bin/python3', 'python3']) {
    if (!candidate) continue;
    const probe = spawnSync(candidate, ['-c', 'import django, rest_framework_simplejwt, psycopg2, argon2, bcrypt'], {
      stdio: 'ignore',
    });
    if (probe.status === 0) return candidate;
  }
  return null;
}

export const PYTHON = findPython();

/** A reason to skip the tests that need Django, or undefined when it is there (CI: it must be). */
export function djangoMissing(): string | undefined {
  if (PYTHON) return undefined;
  const why = 'no python3 with Django, SimpleJWT, psycopg2, argon2-cffi and bcrypt (apt-get install: see .ci/run)';
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}

/** Runs a Python script with `input` as JSON on stdin; resolves with its stdout parsed as JSON. */
export function runPython<T>(script: string, input: unknown, env: Record<string, string> = {}): Promise<T> {
  if (!PYTHON) return Promise.reject(new Error('no Django'));
  const child = spawn(PYTHON, [script], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdin.end(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${stderr}`));
      resolve(JSON.parse(stdout) as T);
    });
  });
}

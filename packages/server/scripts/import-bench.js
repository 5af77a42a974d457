// Import rate: `node scripts/import-bench.js [--users 100000] [--tokens 20000]` (after a build).
// Makes a Django-shaped database (auth_user and SimpleJWT's token_blacklist tables, as Django 3.2
// and SimpleJWT 5.2.2 create them) on the machine's PostgreSQL, fills it with generate_series,
// then runs the real CLI, `auth-service import django --from <url> --json`, into a fresh
// PostgreSQL database and into a fresh embedded database, twice each (the second run is the
// idempotent re-run), and prints users/s. Every database it made is dropped at the end.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const CLI = fileURLToPath(new URL('../bin/auth-service.js', import.meta.url));
const { values: opts } = parseArgs({
  options: { users: { type: 'string', default: '100000' }, tokens: { type: 'string', default: '20000' } },
});
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const suffix = randomBytes(4).toString('hex');
const urlOf = (name) => Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

const DJANGO_SCHEMA = `
CREATE TABLE auth_user (
  id serial PRIMARY KEY, password varchar(128) NOT NULL, last_login timestamptz, is_superuser boolean NOT NULL,
  username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL, last_name varchar(150) NOT NULL,
  email varchar(254) NOT NULL, is_staff boolean NOT NULL, is_active boolean NOT NULL, date_joined timestamptz NOT NULL);
CREATE TABLE token_blacklist_outstandingtoken (
  id bigserial PRIMARY KEY, jti varchar(255) NOT NULL UNIQUE, token text NOT NULL, created_at timestamptz,
  expires_at timestamptz NOT NULL, user_id integer REFERENCES auth_user (id) ON DELETE SET NULL);
CREATE TABLE token_blacklist_blacklistedtoken (
  id bigserial PRIMARY KEY, blacklisted_at timestamptz NOT NULL,
  token_id bigint NOT NULL UNIQUE REFERENCES token_blacklist_outstandingtoken (id) ON DELETE CASCADE);`;

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function makeDjango(name, users, tokens) {
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const client = new pg.Client({ connectionString: urlOf(name) });
  await client.connect();
  try {
    await client.query(DJANGO_SCHEMA);
    // One pbkdf2_sha256 hash per user (a distinct salt each; the import does not verify them).
    await client.query(
      `INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined)
       SELECT 'pbkdf2_sha256$260000$' || md5(i::text) || '$' || encode(sha256(i::text::bytea), 'base64'), false,
              'user' || i, '', '', '', false, i % 50 <> 0, now() - interval '1 day' * (i % 700)
       FROM generate_series(1, $1) i`,
      [users],
    );
    await client.query(
      `INSERT INTO token_blacklist_outstandingtoken (jti, token, created_at, expires_at, user_id)
       SELECT md5('jti' || i), 'not read', now(), now() + interval '1 day', 1 + (i % $2) FROM generate_series(1, $1) i`,
      [tokens, users],
    );
    await client.query(
      `INSERT INTO token_blacklist_blacklistedtoken (blacklisted_at, token_id)
       SELECT now(), id FROM token_blacklist_outstandingtoken WHERE id % 10 = 0`,
    );
  } finally {
    await client.end();
  }
}

function importInto(env, from) {
  const started = Date.now();
  const run = spawnSync(process.execPath, [CLI, 'import', 'django', '--from', from, '--json'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`import failed: ${run.stderr}`);
  const summary = JSON.parse(run.stdout);
  return { summary, wallS: (Date.now() - started) / 1000 };
}

function report(label, { summary, wallS }) {
  const u = summary.users;
  console.log(
    `${label}: ${u.seen} users in ${summary.seconds} s = ${summary.usersPerSecond} users/s ` +
      `(${u.imported} imported, ${u.unchanged} unchanged, ${u.updated} updated); ` +
      `${summary.sessions.seen} tokens (${summary.sessions.imported} new sessions); whole command ${wallS.toFixed(1)} s`,
  );
}

const users = Number(opts.users);
const tokens = Number(opts.tokens);
const django = `import_bench_django_${suffix}`;
const target = `import_bench_target_${suffix}`;
const dataDir = mkdtempSync(join(tmpdir(), 'import-bench-'));
try {
  console.log(`making a Django database with ${users} users and ${tokens} outstanding tokens (10% blacklisted)`);
  await makeDjango(django, users, tokens);
  await withAdmin((c) => c.query(`CREATE DATABASE ${target}`));
  report('PostgreSQL, first run', importInto({ DATABASE_URL: urlOf(target) }, urlOf(django)));
  report('PostgreSQL, re-run', importInto({ DATABASE_URL: urlOf(target) }, urlOf(django)));
  report('embedded (PGlite), first run', importInto({ DATA_DIR: dataDir }, urlOf(django)));
  report('embedded (PGlite), re-run', importInto({ DATA_DIR: dataDir }, urlOf(django)));
} finally {
  await withAdmin(async (c) => {
    for (const name of [django, target]) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  rmSync(dataDir, { recursive: true, force: true });
}

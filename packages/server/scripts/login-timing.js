// Login timing by kind of stored hash: `node scripts/login-timing.js [--n 40]` (after a build).
// The real application (buildApp, app.inject: no TLS, no network, so that only the login's own
// work is measured) on an in-memory embedded database, with users whose stored hash is each
// kind an imported Django service may have, plus ours and none (unknown user, unusable hash).
// For each kind: what one check costs on a hashing thread (the failure floor's calibration),
// then the answer time of N failed logins (wrong password) with the failure floor, and without
// it (the floor's pad switched off in this process only), as median and 90th percentile.
import { pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hashSync as argon2Hash } from '@node-rs/argon2';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { CLI_CONTEXT } from '../dist/src/auth/context.js';
import { createUser } from '../dist/src/auth/users.js';
import { parseConfig } from '../dist/src/config/config.js';
import { openPglite } from '../dist/src/db/drivers/pglite.js';
import { buildApp } from '../dist/src/http/app.js';
import { SILENT_LOGGER } from '../dist/src/logger.js';
import { openRuntime, startServing } from '../dist/src/runtime.js';

const { values: opts } = parseArgs({ options: { n: { type: 'string', default: '40' } } });
const N = Number(opts.n);
const salt = () => randomBytes(12).toString('base64url');
const pbkdf2 = (pw, i) => {
  const s = salt();
  return `pbkdf2_sha256$${i}$${s}$${pbkdf2Sync(pw, s, i, 32, 'sha256').toString('base64')}`;
};
const scrypt = (pw) => {
  const s = salt();
  return `scrypt$16384$${s}$8$1$${scryptSync(pw, s, 64, { N: 16384, r: 8, p: 1 }).toString('base64')}`;
};
const KINDS = {
  'unknown user': null,
  'argon2id (ours)': undefined,
  'pbkdf2_sha256 260000 (Django 3.2)': (pw) => pbkdf2(pw, 260_000),
  'pbkdf2_sha256 600000 (Django 4.2)': (pw) => pbkdf2(pw, 600_000),
  'argon2 m=100MiB,t=2,p=8 (Django)': (pw) =>
    `argon2${argon2Hash(pw, { algorithm: 2, memoryCost: 102_400, timeCost: 2, parallelism: 8 })}`,
  'bcrypt_sha256 cost 12 (Django)': (pw) => `bcrypt$${bcryptHash(pw, 12)}`,
  'scrypt N=2^14 (Django 4)': scrypt,
  'unusable (!…)': () => '!unusable-password-of-a-django-user',
};

const config = parseConfig({
  DATA_DIR: '/nonexistent',
  PURGE_INTERVAL: '0',
  LOGIN_FREE_FAILURES: '1000000',
  LOGIN_CLIENT_LIMIT: '1000000',
});
const deps = await openRuntime(config, { log: SILENT_LOGGER, database: await openPglite('memory'), migrate: true });
const names = {};
let i = 0;
for (const [kind, make] of Object.entries(KINDS)) {
  const username = `user${i++}`;
  names[kind] = make === null ? 'nobody-here' : username;
  if (make === null) continue;
  await createUser(deps, username, 'the-right-password', CLI_CONTEXT);
  if (make)
    await deps.db.query('UPDATE users SET password_hash = $2 WHERE username = $1', [username, make('the-right-password')]);
}
await startServing(deps); // calibrates the failure floor on the users table
const app = buildApp(deps);
await app.ready();

const costs = await deps.passwords.calibrate(
  (
    await deps.db.query("SELECT password_hash FROM users WHERE password_hash NOT LIKE '$argon2%' AND password_hash NOT LIKE '!%'")
  ).map((r) => r.password_hash),
);
console.log(`failure floor: ${deps.passwords.floor.ms.toFixed(1)} ms; one check on a hashing thread (median of 3):`);
for (const [cls, ms] of costs) console.log(`  ${cls.padEnd(40)} ${ms.toFixed(1)} ms`);

const quantile = (xs, q) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
async function failures(username) {
  const times = [];
  for (let k = 0; k < N; k++) {
    const started = performance.now();
    const res = await app.inject({ method: 'POST', url: '/auth/login/', payload: { username, password: 'a-wrong-password' } });
    if (res.statusCode !== 401) throw new Error(`${username}: ${res.statusCode}`);
    times.push(performance.now() - started);
  }
  return `median ${quantile(times, 0.5).toFixed(1)} ms, p90 ${quantile(times, 0.9).toFixed(1)} ms`;
}
const rows = [];
for (const [kind, username] of Object.entries(names)) rows.push([kind, await failures(username)]);
const pad = deps.passwords.floor.pad;
deps.passwords.floor.pad = async () => {};
for (const [index, [, username]] of Object.entries(names).entries()) rows[index].push(await failures(username));
deps.passwords.floor.pad = pad;
console.log(`\nfailed logins (wrong password), ${N} each, sequential:`);
console.log(`  ${'stored hash'.padEnd(36)} ${'with the floor'.padEnd(34)} without it`);
for (const [kind, withFloor, without] of rows) console.log(`  ${kind.padEnd(36)} ${withFloor.padEnd(34)} ${without}`);
await app.close();
await deps.close();

// REFRESH_COOKIE in the real process over real HTTPS: the setting read from the environment,
// the cookie as a client receives it on the wire, refresh and logout through it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDeployment, type Deployment, type Service } from '../helpers/process.js';

const APP = 'https://app.example.test';
const CSRF = { origin: APP, 'x-auth-csrf': '1' };

describe('refresh cookie over HTTPS (real process)', () => {
  let deployment: Deployment;
  let service: Service;
  before(async () => {
    deployment = await createDeployment('pglite', { REFRESH_COOKIE: 'true', CORS_ORIGINS: APP, ROTATE_REFRESH_TOKENS: 'true' });
    assert.equal((await deployment.cli(['user', 'create', 'dora'], { input: 'dora-password-1\n' })).code, 0);
    service = await deployment.start();
  });
  after(() => deployment?.dispose());

  const cookieOf = (headers: Record<string, unknown>) => {
    const set = headers['set-cookie'] as string[] | undefined;
    assert.equal(set?.length, 1, JSON.stringify(set));
    return String(set?.[0] ?? '').split('; ');
  };

  test('login sets it, refresh rotates it, logout clears it', async () => {
    const login = await service.post('/auth/login/', { username: 'dora', password: 'dora-password-1' }, { origin: APP });
    assert.equal(login.status, 200, login.raw);
    assert.equal(login.headers['access-control-allow-credentials'], 'true');
    const [pair, ...attributes] = cookieOf(login.headers);
    assert.equal(pair, `__Secure-auth-refresh=${login.body.refresh}`);
    assert.deepEqual(attributes, ['Path=/auth/', 'Max-Age=86400', 'Secure', 'HttpOnly', 'SameSite=Strict']);

    const forged = await service.post('/auth/token/refresh/', {}, { cookie: pair as string, origin: 'https://evil.example' });
    assert.equal(forged.status, 403, forged.raw);
    assert.equal(forged.body.code, 'csrf_failed');
    const refreshed = await service.post('/auth/token/refresh/', {}, { ...CSRF, cookie: pair as string });
    assert.equal(refreshed.status, 200, refreshed.raw);
    assert.deepEqual(Object.keys(refreshed.body), ['access']);
    const [rotated] = cookieOf(refreshed.headers);
    assert.notEqual(rotated, pair);

    const out = await service.post('/auth/logout/', {}, { ...CSRF, cookie: rotated as string });
    assert.equal(out.status, 200, out.raw);
    assert.deepEqual(cookieOf(out.headers), [
      '__Secure-auth-refresh=',
      'Path=/auth/',
      'Max-Age=0',
      'Secure',
      'HttpOnly',
      'SameSite=Strict',
    ]);
    assert.equal((await service.post('/auth/token/refresh/', { refresh: login.body.refresh })).status, 401);
  });
});

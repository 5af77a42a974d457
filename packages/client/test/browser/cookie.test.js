// Cookie mode end to end in Chromium (REFRESH_COOKIE=true, rotation on, 3 s access tokens):
// the refresh token is nowhere a script can read, refreshes go by the cookie and keep calls
// working, a reload and a new tab find the session through the cookie, a request that uses the
// cookie without the CSRF header is refused, and a logout ends it in every tab and for good.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD } from '../helpers.js';
import { callFor, chromiumMissing, createStage, loginThroughForm } from './stage.js';

const skip = chromiumMissing();
let stage;
before(async () => {
  if (skip) return;
  stage = await createStage({ REFRESH_COOKIE: 'true', ROTATE_REFRESH_TOKENS: 'true', ACCESS_TOKEN_LIFETIME: '3s' });
});
after(() => stage?.close());

const readableByScripts = (tab) =>
  tab.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));

test('cookie mode: no script-readable refresh token, refresh by cookie, reload, tabs, CSRF, logout', { skip }, async () => {
  const one = await stage.open('?cookie=1');
  // A new page asks the cookie for a session: none yet (400, no token), and it stays logged out.
  await one.waitForFunction(() => document.getElementById('status').textContent === 'Logged out');
  const probes = stage.refreshes.splice(0);
  assert.ok(probes.every((r) => r.body === '{}' && r.status !== 200));
  const loginAnswer = one.waitForResponse((r) => r.url().includes('/auth/login/') && r.request().method() === 'POST');
  await loginThroughForm(one, 'alice', PASSWORD);
  const { refresh } = await (await loginAnswer).json();
  assert.equal(typeof refresh, 'string');
  assert.ok(!(await readableByScripts(one)).includes(refresh), 'the refresh token is not where scripts can read it');
  const cookies = await stage.context.cookies(`${stage.service.url}/auth/`);
  assert.ok(cookies.some((c) => c.name === '__Secure-auth-refresh' && c.httpOnly && c.secure && c.sameSite === 'Strict'));

  const tally = await callFor(one, 8000);
  assert.deepEqual(tally.failed, []);
  assert.ok(stage.refreshes.length >= 2);
  await stage.settled();
  assert.ok(stage.refreshes.every((r) => r.body === '{}' && r.status === 200));
  assert.ok(!(await readableByScripts(one)).includes('"refresh"'));

  // A request that uses the cookie without the CSRF header: refused, the session untouched.
  const forged = await one.evaluate(async (url) => {
    const r = await fetch(`${url}/auth/token/refresh/`, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return [r.status, (await r.json()).code];
  }, stage.service.url);
  assert.deepEqual(forged, [403, 'csrf_failed']);

  await one.reload();
  await one.waitForFunction(() => window.auth?.state() !== null && window.auth?.state() !== undefined);
  const two = await stage.open('?cookie=1');
  await two.waitForFunction(() => window.auth.state() !== null);
  assert.deepEqual((await callFor(two, 1000)).failed, []);

  await one.evaluate(() => window.auth.logout());
  await two.waitForFunction(() => window.auth.state() === null);
  assert.ok(!(await stage.context.cookies(`${stage.service.url}/auth/`)).some((c) => c.name === '__Secure-auth-refresh'));
  await one.reload();
  await one.waitForFunction(() => typeof window.auth === 'object');
  const code = await one.evaluate(() => window.auth.getAccessToken().catch((error) => error.code));
  assert.equal(code, 'not_authenticated');
});

// In Chromium, the demo page on its own origin against the real service over HTTPS, with
// access tokens of a few seconds: calls keep succeeding over several lifetimes; two tabs with
// rotation refresh once per expiry between them and are never thrown out, with Web Locks and
// without; a logout in one tab reaches the other at once; a restart of the service and a cut
// network are waited out, not taken for a logout.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { PASSWORD, sleep, waitFor } from '../helpers.js';
import { callFor, chromiumMissing, createStage, loginThroughForm, presentedTwice } from './stage.js';

const skip = chromiumMissing();
const LIFETIME = { ACCESS_TOKEN_LIFETIME: '3s' };

describe('one tab, 3 s access tokens', { skip }, () => {
  let stage;
  before(async () => {
    stage = await createStage(LIFETIME);
  });
  afterEach(() => stage.closeTabs());
  after(() => stage?.close());

  test('protected calls keep succeeding over several lifetimes with no user action', async () => {
    const tab = await stage.open();
    await loginThroughForm(tab, 'alice', PASSWORD);
    const tally = await callFor(tab, 10_000);
    assert.deepEqual(tally.failed, []);
    assert.ok(tally.ok > 10);
    assert.ok(stage.refreshes.length >= 3, `${stage.refreshes.length} refreshes in 10 s of 3 s tokens`);
    await stage.settled();
    assert.ok(stage.refreshes.every((r) => r.status === 200));
    assert.equal(await tab.evaluate(() => window.logouts), 0);
  });

  test('a listener that calls the client back (during a refresh) is no deadlock', async () => {
    const tab = await stage.open();
    await tab.evaluate((password) => window.auth.state() ?? window.auth.login('alice', password), PASSWORD);
    await tab.evaluate(() => {
      window.calledBack = 0;
      window.auth.onChange(async (state) => {
        if (!state) return;
        await window.auth.getAccessToken();
        await window.auth.user();
        window.calledBack++;
      });
    });
    const tally = await callFor(tab, 7000);
    assert.deepEqual(tally.failed, []);
    await tab.waitForFunction(() => window.calledBack >= 2);
  });

  test('sessionStorage: tabs open together share the login and the logout; nothing goes to localStorage', async () => {
    const one = await stage.open('?storage=session');
    const two = await stage.open('?storage=session');
    await one.evaluate((password) => window.auth.login('alice', password), PASSWORD);
    await two.waitForFunction(() => window.auth.state() !== null);
    assert.deepEqual((await callFor(two, 1000)).failed, []);
    const leaked = await two.evaluate(() => {
      const mine = Object.values(sessionStorage);
      return mine.length === 0 || Object.values(localStorage).some((value) => mine.includes(value));
    });
    assert.equal(leaked, false, 'the session is in sessionStorage, and not in localStorage');
    await one.evaluate(() => window.auth.logout());
    await two.waitForFunction(() => window.auth.state() === null);
  });

  test('the service restarted mid-session: the session survives', async () => {
    const tab = await stage.open();
    assert.notEqual(await tab.evaluate(() => window.auth.state()), null);
    await stage.service.stop();
    const down = await callFor(tab, 4000);
    assert.ok(
      down.failed.every((code) => code === 'network_error'),
      down.failed.join(),
    );
    await stage.service.start();
    await waitFor(
      'a call that succeeds',
      () =>
        tab.evaluate(() =>
          window.auth.user().then(
            () => true,
            () => false,
          ),
        ),
      30_000,
    );
    assert.deepEqual((await callFor(tab, 4000)).failed, []);
    assert.equal(await tab.evaluate(() => window.logouts), 0);
  });

  test('the network cut and back: no logout, calls succeed again', async () => {
    const tab = await stage.open();
    await stage.context.setOffline(true);
    const cut = await callFor(tab, 4000);
    assert.ok(cut.failed.length > 0 && cut.failed.every((code) => code === 'network_error'), cut.failed.join());
    await stage.context.setOffline(false);
    await waitFor(
      'a call that succeeds',
      () =>
        tab.evaluate(() =>
          window.auth.user().then(
            () => true,
            () => false,
          ),
        ),
      30_000,
    );
    assert.deepEqual((await callFor(tab, 4000)).failed, []);
    assert.equal(await tab.evaluate(() => window.logouts), 0);
  });

  test("the demo page's controls: protected call, session list with End, password change, logout", async () => {
    const tab = await stage.open();
    if (!(await tab.evaluate(() => window.auth.state()))) await loginThroughForm(tab, 'alice', PASSWORD);
    // Another device's session, to end from the list.
    const other = await stage.service.api.post('/auth/login/', { username: 'alice', password: PASSWORD });
    assert.equal(other.status, 200);
    await tab.click('#refresh-sessions');
    await tab.waitForFunction(() => document.querySelectorAll('#sessions tr').length >= 2);
    assert.equal(await tab.locator('#sessions tr.current').count(), 1);

    await tab.click('#call');
    await tab.waitForFunction(() => document.getElementById('answer').textContent.startsWith('200 '));

    const before = await tab.locator('#sessions tr').count();
    await tab.locator('#sessions tr:not(.current) button').first().click();
    await tab.waitForFunction((n) => document.querySelectorAll('#sessions tr').length === n - 1, before);
    assert.equal(await tab.locator('#sessions tr.current').count(), 1);

    await tab.fill('#password input[name=old]', 'not-the-password');
    await tab.fill('#password input[name=new]', 'a-whole-new-password');
    await tab.click('#password button[type=submit]');
    await tab.waitForFunction(() => document.getElementById('error').textContent.startsWith('wrong_password'));

    await tab.click('#logout');
    await tab.waitForFunction(() => document.getElementById('status').textContent === 'Logged out');
    assert.equal(await tab.evaluate(() => window.auth.state()), null);
  });

  test('a throttled login reaches the page with its code and retryAfter (Retry-After exposed to CORS)', async () => {
    const tab = await stage.open();
    const err = await tab.evaluate(async () => {
      for (let i = 0; i < 10; i++) {
        const error = await window.auth.login('nobody', 'wrong-password-1').catch((e) => e);
        if (error.code === 'throttled') return { code: error.code, status: error.status, retryAfter: error.retryAfter };
      }
      return null;
    });
    assert.equal(err?.code, 'throttled');
    assert.equal(err.status, 429);
    assert.ok(err.retryAfter >= 1, `retryAfter ${err.retryAfter}`);
  });

  test('hidden: no proactive refresh; visible again: caught up at once', async () => {
    const tab = await stage.open();
    if (!(await tab.evaluate(() => window.auth.state()))) await loginThroughForm(tab, 'alice', PASSWORD);
    await tab.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => window.fakeHidden === true });
      window.fakeHidden = true;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const before = stage.refreshes.length;
    await sleep(4000);
    assert.equal(stage.refreshes.length, before, 'no refresh while hidden');
    await tab.evaluate(() => {
      window.fakeHidden = false;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await tab.waitForFunction(() => window.auth.state()?.expiresAt > Date.now());
    assert.ok(stage.refreshes.length > before);
  });
});

for (const locks of [true, false]) {
  describe(`two tabs, ROTATE_REFRESH_TOKENS=true, ${locks ? 'Web Locks' : 'navigator.locks removed'}`, { skip }, () => {
    let stage;
    before(async () => {
      stage = await createStage({ ...LIFETIME, ROTATE_REFRESH_TOKENS: 'true' });
      if (!locks) {
        await stage.context.addInitScript(() => {
          Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: () => undefined });
        });
      }
    });
    afterEach(() => stage.closeTabs());
    after(() => stage?.close());

    test('over several expiries both tabs keep working and nobody is logged out', async () => {
      const one = await stage.open();
      assert.equal(await one.evaluate(() => 'locks' in navigator && Boolean(navigator.locks)), locks);
      await loginThroughForm(one, 'alice', PASSWORD);
      const two = await stage.open();
      assert.notEqual(await two.evaluate(() => window.auth.state()), null, 'the second tab finds the session');
      const [a, b] = await Promise.all([callFor(one, 12_000), callFor(two, 12_000)]);
      assert.deepEqual([...a.failed, ...b.failed], []);
      assert.ok(stage.refreshes.length >= 3);
      await stage.settled();
      assert.ok(
        stage.refreshes.every((r) => r.status === 200),
        stage.refreshes.map((r) => r.status).join(),
      );
      if (locks && presentedTwice(stage.refreshes)) console.log(stage.refreshes.map((r) => ({ ...r, body: r.body?.slice(-12) })));
      if (locks) assert.equal(presentedTwice(stage.refreshes), 0, 'one refresh per expiry across both tabs');
      assert.deepEqual(await Promise.all([one, two].map((tab) => tab.evaluate(() => window.logouts))), [0, 0]);
      // No reuse revocation: the session is still live at the server.
      const sessions = await one.evaluate(() => window.auth.sessions());
      assert.equal(sessions.filter((s) => s.current).length, 1);
    });

    test('a tab that holds the refresh lock forever does not stop the others', { skip: !locks }, async () => {
      const one = await stage.open();
      const stuck = await stage.open();
      assert.notEqual(await one.evaluate(() => window.auth.state()), null);
      // Another tab takes the client's lock and never lets go (frozen, or a bug of its own).
      await stuck.evaluate((url) => {
        navigator.locks.request(`auth-service:${url}`, () => new Promise(() => undefined));
      }, stage.service.url);
      const before = stage.refreshes.length;
      await waitFor('a refresh past the held lock', () => stage.refreshes.length > before, 30_000);
      await waitFor(
        'a call that succeeds',
        () =>
          one.evaluate(() =>
            window.auth.user().then(
              () => true,
              () => false,
            ),
          ),
        30_000,
      );
      assert.equal(await one.evaluate(() => window.logouts), 0);
    });

    test('logout in one tab logs the other out within a second', async () => {
      const one = await stage.open();
      const two = await stage.open();
      assert.notEqual(await two.evaluate(() => window.auth.state()), null);
      await two.evaluate(() => {
        window.auth.onChange((state) => {
          if (!state) window.loggedOutAt = Date.now();
        });
      });
      const started = await one.evaluate(() => {
        const at = Date.now();
        document.getElementById('logout').click();
        return at;
      });
      await two.waitForFunction(() => window.logouts === 1 && window.auth.state() === null);
      const took = (await two.evaluate(() => window.loggedOutAt)) - started;
      assert.ok(took < 1000, `the other tab was told after ${took} ms`);
      await two.waitForFunction(() => document.getElementById('status').textContent === 'Logged out');
      const code = await two.evaluate(() => window.auth.fetch('/anything').catch((error) => error.code));
      assert.equal(code, 'not_authenticated');
    });
  });
}

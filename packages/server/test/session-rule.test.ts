// The one session rule (auth/session-rule.ts), first as the pure function it is, then where
// its order shows through the API: a disabled user's tokens, and a retired refresh token
// presented past the grace period, which is reuse at logout as at refresh.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeRefresh, judgeSession } from '../src/auth/session-rule.js';
import type { RefreshState } from '../src/db/repos/sessions.js';
import { DRIVERS, useTestApp } from './helpers/app.js';
import { bearer, expectCode } from './helpers/endpoint.js';

const NOW = Date.UTC(2026, 11, 1);
const state = (overrides: Partial<RefreshState> = {}): RefreshState => ({
  userId: 7,
  isActive: true,
  revokedAt: null,
  refreshJti: 'a'.repeat(32),
  previousJti: 'b'.repeat(32),
  rotatedAt: new Date(NOW - 3000),
  successorToken: 'successor',
  lastUsedAt: new Date(NOW - 3000),
  ...overrides,
});
const token = (jti: string, userId = 7) => ({ user_id: userId, jti });

describe('session rule', () => {
  test('one order: unknown or foreign session, inactive user, revoked, then the jti', () => {
    const revokedInactive = state({ isActive: false, revokedAt: new Date(NOW - 1) });
    assert.deepEqual(judgeSession(null, 7), { ok: false, refusal: 'unknown_session' });
    assert.deepEqual(judgeSession(state(), 8), { ok: false, refusal: 'unknown_session' });
    assert.deepEqual(judgeSession(revokedInactive, 7), { ok: false, refusal: 'user_inactive' });
    assert.deepEqual(judgeSession(state({ revokedAt: new Date(NOW - 1) }), 7), { ok: false, refusal: 'revoked' });
    assert.deepEqual(judgeRefresh(revokedInactive, token('a'.repeat(32)), NOW, 5000), { ok: false, refusal: 'user_inactive' });
  });

  test('a refresh token: current, previous within the grace period, else stale', () => {
    assert.deepEqual(judgeRefresh(state(), token('a'.repeat(32)), NOW, 5000), { ok: true, as: 'current' });
    assert.deepEqual(judgeRefresh(state(), token('b'.repeat(32)), NOW, 5000), { ok: true, as: 'grace_retry' });
    assert.deepEqual(judgeRefresh(state(), token('b'.repeat(32)), NOW, 2000), { ok: false, refusal: 'stale_token' });
    assert.deepEqual(judgeRefresh(state(), token('c'.repeat(32)), NOW, 5000), { ok: false, refusal: 'stale_token' });
    const neverRotated = state({ previousJti: null, rotatedAt: null });
    assert.deepEqual(judgeRefresh(neverRotated, token('b'.repeat(32)), NOW, 5000), { ok: false, refusal: 'stale_token' });
  });
});

for (const driver of DRIVERS) {
  describe(`session rule through the API (${driver})`, () => {
    const t = useTestApp(driver, { ROTATE_REFRESH_TOKENS: 'true', ROTATION_GRACE_PERIOD: '5s' });

    test('logout with a retired refresh token past the grace period revokes the session (reuse)', async () => {
      await t.user('rita');
      const first = await t.api.login('rita');
      const rotated = await t.api.post('/auth/token/refresh/', { refresh: first.refresh });
      assert.equal(rotated.status, 200);
      t.clock.advance(6000);
      expectCode(await t.api.post('/auth/logout/', { refresh_token: first.refresh }), 400, 'logout_failed', 'stale logout');
      // The successor the thief would hold next is dead too, and so is the access token.
      expectCode(
        await t.api.post('/auth/token/refresh/', { refresh: String(rotated.body.refresh) }),
        401,
        'token_not_valid',
        'successor',
      );
      expectCode(await t.api.get('/auth/me/', bearer(String(rotated.body.access))), 401, 'token_not_valid', 'access');
      const rows = await t.db.query<{ event: string }>("SELECT event FROM audit_events WHERE event = 'refresh_token_reused'");
      assert.equal(rows.length, 1);
    });

    test('logout with the retired token within the grace period logs out', async () => {
      await t.user('ruth');
      const first = await t.api.login('ruth');
      const rotated = await t.api.post('/auth/token/refresh/', { refresh: first.refresh });
      t.clock.advance(2000);
      assert.equal((await t.api.post('/auth/logout/', { refresh_token: first.refresh })).status, 200);
      expectCode(
        await t.api.post('/auth/token/refresh/', { refresh: String(rotated.body.refresh) }),
        401,
        'token_not_valid',
        'after',
      );
    });
  });
}

// The account calls: the session list (this one marked current), ending another session (its
// device is logged out at its next refresh) and this one (a logout here), and a password change
// (other sessions end, this one stays; a wrong old password is wrong_password).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAuthClient } from '../../dist/src/index.js';
import { authService, PASSWORD } from '../helpers.js';

let service;
const open = [];
/** Each client a device of its own (its own url spelling, so no shared channel). */
const device = (host) => {
  const auth = createAuthClient({ url: service.url.replace('127.0.0.1', host), storage: 'memory', refreshMargin: 0 });
  open.push(auth);
  return auth;
};
before(async () => {
  service = await authService();
});
after(async () => {
  for (const auth of open) auth.close();
  await service.close();
});

test('sessions lists the live sessions, this one current; endSession ends another, then this one', async () => {
  const laptop = device('127.0.0.1');
  const phone = device('localhost');
  const mine = await laptop.login('alice', PASSWORD);
  const theirs = await phone.login('alice', PASSWORD);
  const sessions = await laptop.sessions();
  const ids = sessions.map((s) => s.id);
  assert.ok(ids.includes(mine.sessionId) && ids.includes(theirs.sessionId));
  assert.deepEqual(
    sessions.filter((s) => s.current).map((s) => s.id),
    [mine.sessionId],
  );
  assert.equal(typeof sessions[0].created, 'string');

  await laptop.endSession(theirs.sessionId);
  assert.ok(!(await laptop.sessions()).some((s) => s.id === theirs.sessionId));
  await assert.rejects(laptop.endSession(theirs.sessionId), { code: 'session_not_found', status: 404 });

  const ended = new Promise((resolve) => laptop.onChange(resolve));
  await laptop.endSession(mine.sessionId);
  assert.equal(await ended, null);
  assert.equal(laptop.state(), null);
});

test('changePassword: a wrong old password is wrong_password; a right one ends the other sessions only', async () => {
  const laptop = device('127.0.0.1');
  const phone = device('localhost');
  await laptop.login('alice', PASSWORD);
  const theirs = await phone.login('alice', PASSWORD);
  await assert.rejects(laptop.changePassword('not-the-password', 'a-whole-new-password'), {
    code: 'wrong_password',
    status: 400,
  });
  await assert.rejects(laptop.changePassword(PASSWORD, 'short'), { code: 'validation_error' });

  const changed = await laptop.changePassword(PASSWORD, 'a-whole-new-password');
  assert.ok(changed.sessions_revoked >= 1);
  assert.equal((await laptop.user()).username, 'alice');
  assert.ok(!(await laptop.sessions()).some((s) => s.id === theirs.sessionId));
  await assert.rejects(laptop.login('alice', PASSWORD), { code: 'no_active_account' });
  await laptop.login('alice', 'a-whole-new-password');
  await laptop.changePassword('a-whole-new-password', PASSWORD);
});

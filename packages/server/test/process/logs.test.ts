// The logs of the real process, at their most verbose (debug level, access log on): JSON lines
// with request ids, and never a password, a token or a key, whatever the request carried and
// however it failed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDeployment, type Deployment, type Service } from '../helpers/process.js';

describe('logs (real process)', () => {
  let deployment: Deployment;
  let service: Service;
  const secrets: string[] = [];
  before(async () => {
    deployment = await createDeployment('pglite', {
      LOG_LEVEL: 'debug',
      ACCESS_LOG: 'true',
      KEY_ENCRYPTION_SECRET: 'log-test-key-encryption-secret-0123456789',
    });
    service = await deployment.start();
    const created = await deployment.cli(['user', 'create', 'alice'], { input: 'alice-secret-password\n' });
    assert.equal(created.code, 0, created.stderr);
    secrets.push('alice-secret-password', 'wrong-secret-password', 'log-test-key-encryption-secret-0123456789');

    const pair = await service.login('alice', 'alice-secret-password');
    secrets.push(pair.access, pair.refresh);
    // Every path a secret can take in: bodies, headers, failures, malformed requests.
    await service.post('/auth/login/', { username: 'alice', password: 'wrong-secret-password' });
    await service.post('/auth/login/', { username: 'nobody', password: 'wrong-secret-password' });
    const refreshed = await service.post('/auth/token/refresh/', { refresh: pair.refresh });
    secrets.push(String(refreshed.body.access));
    await service.post('/auth/token/verify/', { token: pair.access });
    await service.get('/auth/me/', { authorization: `Bearer ${pair.access}` });
    await service.get('/auth/me/', { authorization: `Bearer ${pair.refresh}` });
    await service.post('/auth/token/refresh/', { refresh: `${pair.refresh}x` });
    await service.request('POST', '/auth/login/', 'password=wrong-secret-password', { 'content-type': 'text/plain' });
    await service.post('/auth/logout/', { refresh_token: pair.refresh });
    await service.post('/auth/logout/', { refresh_token: pair.refresh });
    await service.stop('SIGTERM');
  });
  after(() => deployment?.dispose());

  test('every line is JSON, and request lines carry a request id', () => {
    const lines = service.output().trim().split('\n');
    const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.req || entry.res);
    assert.ok(requests.length >= 10, `expected the access log to show the requests, got ${requests.length} lines`);
    for (const entry of requests) assert.match(String(entry.reqId), /^[0-9a-f-]{36}$/);
  });

  test('no password, token or key encryption secret appears in the output', () => {
    const output = service.output();
    for (const secret of secrets) {
      assert.ok(secret.length > 16);
      assert.equal(output.includes(secret), false, `a secret leaked into the logs: ${secret.slice(0, 12)}…`);
      // Not even a token's signature alone (the part that makes it usable).
      const signature = secret.split('.')[2];
      if (signature) assert.equal(output.includes(signature), false);
    }
  });

  test('no private key material appears in the output', () => {
    assert.doesNotMatch(service.output(), /PRIVATE KEY|"d":"/);
  });
});

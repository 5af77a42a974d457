#!/usr/bin/env node
// The container's HEALTHCHECK: exit 0 when this instance's readiness answers 200, else 1. It
// asks the service on its own port over loopback, so it skips certificate verification: the
// certificate names the public host, not 127.0.0.1, and nothing secret is sent.
import http from 'node:http';
import https from 'node:https';

const port = Number(process.env.PORT || 8443);
const client = process.env.TLS_MODE === 'proxy' ? http : https;
const req = client.get(
  { host: '127.0.0.1', port, path: '/auth/health/ready/', rejectUnauthorized: false, timeout: 4000 },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (err) => {
  process.stderr.write(`healthcheck: ${err.message}\n`);
  process.exit(1);
});

// npm test: the client's tests against a real auth service over HTTPS. Node's fetch trusts only
// the CAs it was started with, so this makes the service's certificate first (the service's own
// generator, into a temporary DATA_DIR), then runs the tests in a node that trusts it
// (NODE_EXTRA_CA_CERTS); the tests' services serve that same certificate (TLS_CERT_FILE).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTls } from '../../server/dist/src/crypto/tls.js';
import { SILENT_LOGGER } from '../../server/dist/src/logger.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'auth-client-tls-'));
await loadTls({ tls: {}, dataDir }, SILENT_LOGGER);
const cert = join(dataDir, 'tls', 'cert.pem');

const only = process.argv.slice(2);
const files = only.length
  ? only
  : ['node', 'browser'].flatMap((dir) =>
      readdirSync(join(here, dir))
        .filter((name) => name.endsWith('.test.js'))
        .sort()
        .map((name) => join(here, dir, name)),
    );
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  env: {
    ...process.env,
    NODE_EXTRA_CA_CERTS: cert,
    TEST_TLS_CERT_FILE: cert,
    TEST_TLS_KEY_FILE: join(dataDir, 'tls', 'key.pem'),
  },
});
rmSync(dataDir, { recursive: true, force: true });
process.exit(run.status ?? 1);

// The entry point runs whatever path it is started by: through a symlink, from a directory
// whose name holds a space and a "%" (once percent-encoded in import.meta.url, such a path
// made `node …/main.js` exit 0 having done nothing), and with the symlink kept as the module's
// own path (--preserve-symlinks-main), where the module URL itself holds the encoded characters.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PACKAGE_DIR, startService } from '../helpers/process.js';

describe('entry point started from an unusual path (real process)', () => {
  // Inside the package, so that with the symlink kept as the path, packages still resolve (from
  // the node_modules above it). Git ignores .entry-point-test-*.
  const top = mkdtempSync(join(PACKAGE_DIR, '.entry-point-test-'));
  const dir = join(top, 'a dir 100% odd');
  mkdirSync(dir);
  const link = join(dir, 'server link');
  symlinkSync(PACKAGE_DIR, link, 'dir');
  const main = join(link, 'dist', 'src', 'main.js');
  after(() => rmSync(top, { recursive: true, force: true }));

  for (const nodeArgs of [[], ['--preserve-symlinks', '--preserve-symlinks-main']]) {
    test(`serves when started as ${main} ${nodeArgs.join(' ')}`.trim(), async () => {
      const dataDir = mkdtempSync(join(dir, 'data '));
      const service = await startService(
        { DATA_DIR: dataDir, WORKERS: '1', LOG_LEVEL: 'info', SHUTDOWN_DRAIN_DELAY: '0' },
        { main, nodeArgs },
      );
      try {
        assert.equal((await service.get('/auth/health/live/')).status, 200);
        assert.match(service.output(), /auth-service listening/);
      } finally {
        assert.equal(await service.stop('SIGTERM'), 0, service.output());
      }
    });
  }
});

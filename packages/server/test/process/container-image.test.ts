// No container engine runs here, so the image is checked by what can be run without one: the
// Dockerfile's final stage is laid out from the built tree exactly as its COPY --from=build
// lines say (with the workspace links npm makes), and its CMD (node itself, so that SIGTERM
// reaches the service) and HEALTHCHECK are run from its WORKDIR with its ENV: ready, healthy,
// a drain on SIGTERM. `docker build` itself is not run (docs/operations.md says so).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type FinalStage, finalStage, readStages } from '../helpers/dockerfile.js';
import { createDeployment, type Deployment, PACKAGE_DIR } from '../helpers/process.js';

const REPO = join(PACKAGE_DIR, '..', '..');
const run = promisify(execFile);

/** The final stage's files: its COPY --from=build lines applied to the built repository. */
function layOut(stage: FinalStage, root: string): void {
  const workdir = stage.workdir ?? '/';
  for (const copy of stage.copies) {
    if (copy.from === 'deps') continue; // node_modules: linked below
    assert.equal(copy.from, 'build', `an unexpected COPY source: ${copy.sources.join(' ')}`);
    for (const source of copy.sources) {
      const from = join(REPO, source.replace(/^\/app\/?/, ''));
      assert.ok(existsSync(from), `${source} is not in the built tree: npm run build first`);
      const target = copy.destination.endsWith('/') ? join(copy.destination, basename(source)) : copy.destination;
      const to = join(root, target.startsWith('/') ? target.replace(/^\/app/, '') : join(workdir.replace(/^\/app/, ''), target));
      mkdirSync(join(to, '..'), { recursive: true });
      cpSync(from, to, { recursive: true });
    }
  }
  // What `npm ci` in the deps stage makes: the packages, and links to the workspace packages.
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '@auth-service'), { recursive: true });
  for (const entry of readdirSync(join(REPO, 'node_modules'))) {
    if (entry !== '@auth-service' && !entry.startsWith('.')) symlinkSync(join(REPO, 'node_modules', entry), join(modules, entry));
  }
  for (const pkg of ['protocol', 'verifier', 'server'])
    symlinkSync(join('..', '..', 'packages', pkg), join(modules, '@auth-service', pkg));
}

describe('the container image, without an engine', () => {
  const stages = readStages(join(REPO, 'Dockerfile'));
  const image = finalStage(stages);
  let root: string;
  let deployment: Deployment;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'auth-image-'));
    layOut(image, root);
    deployment = await createDeployment('pglite');
  });
  after(async () => {
    await deployment?.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  test('multi-stage, production dependencies only, not root, node as the command', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    const deps = stages.find((s) => s.name === 'deps');
    assert.ok(
      deps?.lines.some((l) => /npm ci .*--omit=dev/.test(l)),
      'the shipped node_modules has no dev dependencies',
    );
    assert.ok(image.copies.some((c) => c.from === 'deps' && c.sources.includes('/app/node_modules')));
    assert.ok(image.user && !['root', '0'].includes(image.user), `USER ${image.user}`);
    assert.equal(image.cmd?.[0], 'node', 'node itself, never npm or a shell, so SIGTERM reaches the service');
    assert.equal(image.healthcheck?.[0], 'node');
    // npm ci checks the lock file against every workspace: each stage that runs it needs all manifests.
    const workspaces = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    for (const stage of stages.filter((s) => s.lines.some((l) => /npm ci/.test(l)))) {
      for (const workspace of workspaces) {
        assert.ok(
          stage.lines.some((l) => l.startsWith(`COPY ${workspace}/package.json `)),
          `stage ${stage.name}: COPY ${workspace}/package.json`,
        );
      }
    }
  });

  test("the image's CMD, from its WORKDIR with its ENV: ready, healthy, and it drains on SIGTERM", async () => {
    const [, script, ...args] = image.cmd ?? [];
    assert.ok(script && args.length === 0);
    const service = await deployment.start(
      { ...image.env, DATA_DIR: deployment.dataDir }, // the image's DATA_DIR is a volume this box has not got
      { main: join(root, script) },
    );
    assert.equal((await service.get('/auth/health/ready/')).status, 200);
    assert.match(service.output(), /auth-service listening/);

    const [command, healthScript] = image.healthcheck ?? [];
    const health = () =>
      run(command === 'node' ? process.execPath : String(command), [join(root, String(healthScript))], {
        cwd: root,
        env: { PATH: process.env.PATH, PORT: String(service.port) },
      });
    await health(); // rejects unless it exits 0
    assert.equal(await service.stop('SIGTERM'), 0, 'drained and exited 0');
    await assert.rejects(health(), 'the health check fails once the service is gone');
  });
});

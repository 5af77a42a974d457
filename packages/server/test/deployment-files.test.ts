// The deployment files, checked without a container engine or a cluster (none runs here):
// compose.yaml by Debian's docker-compose (`config` validates against the Compose schema and
// resolves the file without an engine), the Kubernetes manifests against the Kubernetes 1.27
// API schemas (kubernetes-models' validate()), and both for what the service needs: readiness
// and liveness where they belong, secrets as files only, the drain before SIGTERM.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { SECRET_SETTINGS } from '../src/config/secret-files.js';
import { PACKAGE_DIR } from './helpers/process.js';

const REPO = join(PACKAGE_DIR, '..', '..');
const run = promisify(execFile);
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, asserted field by field
type Doc = any;

/** Fails in CI (the tool is in .ci/run); locally, a machine without it skips. */
async function haveDockerCompose(t: { skip(message: string): void }): Promise<boolean> {
  try {
    await run('docker-compose', ['version']);
    return true;
  } catch {
    if (process.env.CI) throw new Error('docker-compose is missing (apt package docker-compose, see .ci/run)');
    t.skip('docker-compose is not installed');
    return false;
  }
}

/** No secret setting is given a value directly: only NAME_FILE. */
function assertSecretsAsFiles(names: string[], where: string) {
  // DATABASE_URL may be given directly when it holds no password (DATABASE_PASSWORD_FILE then does).
  for (const name of names.filter((n) => n !== 'DATABASE_URL')) {
    assert.ok(!(SECRET_SETTINGS as readonly string[]).includes(name), `${where}: ${name} holds a secret; use ${name}_FILE`);
  }
}

describe('compose.yaml (docker-compose config, no engine)', () => {
  test('valid, and laid out like the seed: auth on 8443 after a healthy auth-db', async (t) => {
    if (!(await haveDockerCompose(t))) return;
    const { stdout } = await run('docker-compose', ['-f', join(REPO, 'compose.yaml'), 'config'], { cwd: REPO });
    const compose: Doc = parseYaml(stdout);
    const { auth, 'auth-db': db } = compose.services;
    assert.deepEqual(
      auth.ports.map((p: Doc) => [p.published, p.target]),
      [[8443, 8443]],
    );
    assert.deepEqual(auth.depends_on, { 'auth-db': { condition: 'service_healthy' } });
    assert.equal(db.image, 'postgres:15');
    assert.match(db.healthcheck.test.join(' '), /pg_isready/);
    // docker-compose 1.29 prints the short form (source:target:mode).
    assert.ok(
      db.volumes.some((v: string) => v.startsWith('auth-db-data:/var/lib/postgresql/data')),
      db.volumes.join(),
    );
    assert.ok('auth-db-data' in compose.volumes, 'a named volume');
    assertSecretsAsFiles(Object.keys(auth.environment), 'auth');
    assert.doesNotMatch(auth.environment.DATABASE_URL, /:[^@/]*@/, 'no password in DATABASE_URL');
    for (const [name, value] of Object.entries(auth.environment as Record<string, string>)) {
      if (!name.endsWith('_FILE')) continue;
      const secret = value.replace('/run/secrets/', '');
      assert.ok(
        auth.secrets.some((s: Doc) => s.source === secret),
        `${name} names a mounted secret`,
      );
      assert.match(compose.secrets[secret].file, /\/secrets\//, `${secret} comes from a file under secrets/`);
    }
    assert.equal(db.environment.POSTGRES_PASSWORD_FILE, '/run/secrets/db_password');
  });

  test('the check can fail: an invalid condition is refused', async (t) => {
    if (!(await haveDockerCompose(t))) return;
    const broken = readFileSync(join(REPO, 'compose.yaml'), 'utf8').replace('service_healthy', 'service_happy');
    const child = run('docker-compose', ['-f', '-', 'config'], { cwd: REPO });
    child.child.stdin?.end(broken);
    await assert.rejects(child, /service_happy/);
  });
});

const MODELS: Record<string, (doc: Doc) => { validate(): void }> = {
  Deployment: (doc) => new Deployment(doc),
  Service: (doc) => new Service(doc),
  PodDisruptionBudget: (doc) => new PodDisruptionBudget(doc),
  Secret: (doc) => new Secret(doc),
};

function manifests(): Doc[] {
  const dir = join(REPO, 'deploy', 'kubernetes');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS()));
}

describe('deploy/kubernetes (schema-validated, not run against a cluster)', () => {
  const docs = manifests();
  const byKind = (kind: string) => docs.find((d) => d.kind === kind);

  test('every manifest validates against the Kubernetes API schema', () => {
    assert.deepEqual(docs.map((d) => d.kind).sort(), ['Deployment', 'PodDisruptionBudget', 'Secret', 'Service']);
    for (const doc of docs) {
      const model = MODELS[doc.kind];
      assert.ok(model, `no schema for ${doc.kind}`);
      assert.doesNotThrow(() => model(doc).validate(), `${doc.kind} ${doc.metadata?.name}`);
    }
  });

  test('the validator can fail: a mistyped field is refused', () => {
    const deployment = structuredClone(byKind('Deployment'));
    deployment.spec.replicas = 'two';
    assert.throws(() => new Deployment(deployment).validate());
    const pdb = structuredClone(byKind('PodDisruptionBudget'));
    pdb.spec.selector = 'app=auth';
    assert.throws(() => new PodDisruptionBudget(pdb).validate());
  });

  test('probes, drain, selectors and secrets fit the service', () => {
    const deployment = byKind('Deployment');
    const pod = deployment.spec.template;
    const [container] = pod.spec.containers;
    assert.equal(container.readinessProbe.httpGet.path, '/auth/health/ready/');
    assert.equal(container.livenessProbe.httpGet.path, '/auth/health/live/');
    for (const probe of [container.readinessProbe, container.livenessProbe]) assert.equal(probe.httpGet.scheme, 'HTTPS');
    assert.ok(container.lifecycle.preStop, 'a preStop drain');
    assert.ok(pod.spec.securityContext.runAsNonRoot);
    assert.ok(pod.spec.terminationGracePeriodSeconds > 15, 'preStop plus SHUTDOWN_TIMEOUT fit before SIGKILL');
    const labels = pod.metadata.labels;
    for (const selector of [
      deployment.spec.selector.matchLabels,
      byKind('PodDisruptionBudget').spec.selector.matchLabels,
      byKind('Service').spec.selector,
    ]) {
      for (const [key, value] of Object.entries(selector)) assert.equal(labels[key], value, `selector ${key}`);
    }
    assert.equal(byKind('Service').spec.ports[0].targetPort, container.ports[0].name);
    const env = container.env as { name: string; value: string }[];
    assertSecretsAsFiles(
      env.map((e) => e.name),
      'Deployment',
    );
    const secretKeys = Object.keys(byKind('Secret').stringData);
    for (const e of env.filter((e) => e.value.startsWith('/run/secrets/auth/'))) {
      assert.ok(secretKeys.includes(e.value.replace('/run/secrets/auth/', '')), `${e.name}: its key is in the Secret`);
    }
  });
});

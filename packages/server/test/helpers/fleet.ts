// Several real instances of the service (process.ts) on one PostgreSQL test database, behind
// a real HAProxy (haproxy.ts): server `s<i>` is instances[i]. They share one certificate (TLS
// passes through the balancer) and start together, as a deployment's replicas do. restart(i)
// is one step of a rolling restart: SIGTERM, wait until the balancer has taken the instance
// out, wait for its exit (0), start it again on the same port, wait until it is back in.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Balancer, sharedCertificate, startHaproxy } from './haproxy.js';
import { createDeployment, type Deployment, freePort, type Service } from './process.js';

export interface Fleet {
  deployment: Deployment;
  instances: Service[];
  balancer: Balancer;
  ca: Buffer;
  restart(i: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFleet(count: number, env: Record<string, string> = {}): Promise<Fleet> {
  const certDir = mkdtempSync(join(tmpdir(), 'auth-fleet-'));
  const { certFile, keyFile } = sharedCertificate(certDir);
  const ca = readFileSync(certFile);
  const deployment = await createDeployment('postgres', { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile, ...env });
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const instances = await Promise.all(ports.map((port) => deployment.start({}, { ca, port })));
  const balancer = await startHaproxy(
    ports.map((port, i) => ({ name: `s${i}`, port })),
    ca,
  );
  return {
    deployment,
    instances,
    balancer,
    ca,
    async restart(i) {
      const name = `s${i}`;
      const exit = (instances[i] as Service).stop('SIGTERM');
      await balancer.waitFor(name, 'DOWN');
      assert.equal(await exit, 0, `${name} exited cleanly`);
      instances[i] = await deployment.start({}, { ca, port: ports[i] as number });
      await balancer.waitFor(name, 'UP');
    },
    async close() {
      await balancer.close();
      await deployment.dispose();
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}

// The real HAProxy from Debian in front of instances of the service: TCP mode (TLS passes
// through to the instances, which share one certificate), round robin, and the health check
// docs/scaling.md recommends (GET /auth/health/ready/ over TLS, verified against the CA). No
// retries and no redispatch: a request the balancer sends to an instance that cannot take it
// fails, so that a test through it sees every failure. The admin socket tells a test when the
// balancer has taken a server out or put it back.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Endpoint, endpoint } from './endpoint.js';
import { freePort, httpsRequest, sleep } from './process.js';

export const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((path) => existsSync(path));
const WAIT_MS = 60_000;

export interface Backend {
  name: string;
  port: number;
}

/** The health check's settings: a server is out after 2 failed checks 300 ms apart. */
export const CHECK = { interMs: 300, fall: 2, rise: 1 };

export function haproxyConfig(dir: string, listen: number, backends: Backend[]): string {
  const servers = backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port}`).join('\n');
  return `global
  stats socket ${dir}/admin.sock mode 600 level admin
  maxconn 1024
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  retries 0
frontend auth
  bind 127.0.0.1:${listen}
  default_backend instances
backend instances
  balance roundrobin
  option httpchk GET /auth/health/ready/
  http-check expect status 200
  default-server check check-ssl verify required ca-file ${dir}/ca.pem inter ${CHECK.interMs}ms fall ${CHECK.fall} rise ${CHECK.rise}
${servers}
`;
}

/** Every request on a connection of its own, so that round robin spreads them over the servers. */
export interface Balancer extends Endpoint {
  port: number;
  /** A client that keeps its connections alive (which TCP mode pins to one server each). */
  keptAlive(): Endpoint;
  /** UP, DOWN, … as HAProxy's admin socket reports each server now. */
  states(): Promise<Record<string, string>>;
  /** Connections HAProxy has sent to each server so far. */
  sessions(): Promise<Record<string, number>>;
  /** Resolves once HAProxy reports `server` in `state` (UP or DOWN). */
  waitFor(server: string, state: 'UP' | 'DOWN'): Promise<void>;
  close(): Promise<void>;
}

export async function startHaproxy(backends: Backend[], ca: Buffer): Promise<Balancer> {
  if (!HAPROXY) throw new Error('haproxy is not installed (apt-get install haproxy; .ci/run does)');
  const dir = mkdtempSync(join(tmpdir(), 'auth-haproxy-'));
  const port = await freePort();
  writeFileSync(join(dir, 'ca.pem'), ca);
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(dir, port, backends));
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));

  const stat = async (column: string) => statColumn(await adminCommand(join(dir, 'admin.sock'), 'show stat'), column);
  const states = () => stat('status');
  const waitFor = async (server: string, state: 'UP' | 'DOWN') => {
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`haproxy exited:\n${log}`);
      const now = await states().catch(() => ({}) as Record<string, string>);
      if (now[server]?.startsWith(state)) return;
      await sleep(50);
    }
    throw new Error(`haproxy did not report ${server} ${state} in time:\n${JSON.stringify(await states())}\n${log}`);
  };
  const agents = [new https.Agent({ keepAlive: false, ca })];
  const through = (agent: https.Agent): Endpoint =>
    endpoint((method, path, body, headers) => httpsRequest(agent, port, method, path, body, headers));
  try {
    for (const backend of backends) await waitFor(backend.name, 'UP');
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...through(agents[0] as https.Agent),
    port,
    keptAlive() {
      const agent = new https.Agent({ keepAlive: true, ca });
      agents.push(agent);
      return through(agent);
    },
    states,
    async sessions() {
      return Object.fromEntries(Object.entries(await stat('stot')).map(([name, total]) => [name, Number(total)]));
    },
    waitFor,
    async close() {
      for (const agent of agents) agent.destroy();
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One command on HAProxy's admin socket; its whole answer. */
function adminCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath, () => socket.end(`${command}\n`));
    let out = '';
    socket.on('data', (chunk) => (out += chunk.toString()));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

/** `show stat` CSV → one column (status, stot, …) for each server of the backend. */
function statColumn(csv: string, column: string): Record<string, string> {
  const [header = '', ...rows] = csv.trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const [name, server, status] = ['pxname', 'svname', column].map((c) => columns.indexOf(c));
  const result: Record<string, string> = {};
  for (const row of rows) {
    const cells = row.split(',');
    const sv = cells[server as number] ?? '';
    if (cells[name as number] === 'instances' && sv !== 'BACKEND') result[sv] = cells[status as number] ?? '';
  }
  return result;
}

/** A self-signed certificate for 127.0.0.1 that every instance behind the balancer serves. */
export function sharedCertificate(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1']
      .concat(['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'])
      .concat(['-keyout', keyFile, '-out', certFile]),
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

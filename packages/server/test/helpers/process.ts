// The real service process (`node dist/src/main.js`) and the real CLI (`node bin/auth-service.js`),
// for tests where the process itself matters: TLS, signals, restarts, a database that goes away.
// A Deployment is what outlives a process (DATA_DIR and, on PostgreSQL, a throwaway database);
// dispose() kills its processes and removes both. At exit, anything left is killed and removed.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type Driver } from './databases.js';
import { type Answer, answer, type Endpoint, endpoint } from './endpoint.js';

export { DRIVERS, type Driver } from './databases.js';

export const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const CLI = fileURLToPath(new URL('../../../bin/auth-service.js', import.meta.url));
export const PACKAGE_DIR = fileURLToPath(new URL('../../../', import.meta.url));
/** Generous: the box is small and a first start initialises PGlite and generates keys. */
const START_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 20_000;

type Env = Record<string, string>;

const liveProcesses = new Set<ChildProcess>();
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const child of liveProcesses) child.kill('SIGKILL');
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on right now (listen on :0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

/** Only what node needs: the test runner's own environment must not configure the service. */
function baseEnv(): Env {
  const env: Env = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export interface Deployment {
  driver: Driver;
  dataDir: string;
  databaseUrl?: string;
  /** The settings shared by the service and the CLI that manages it. */
  env: Env;
  start(env?: Env, options?: StartOptions): Promise<Service>;
  cli(args: string[], options?: { input?: string; env?: Env }): Promise<RunResult>;
  dispose(): Promise<void>;
}

export async function createDeployment(driver: Driver, env: Env = {}): Promise<Deployment> {
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-process-'));
  liveDirs.add(dataDir);
  const database = driver === 'postgres' ? await createTestDatabase() : undefined;
  const services: Service[] = [];
  const shared: Env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    WORKERS: '1',
    PURGE_INTERVAL: '0',
    LOGIN_CLIENT_LIMIT: '1000000', // every request comes from 127.0.0.1
    SHUTDOWN_DRAIN_DELAY: '0', // no balancer to leave: tests that need the delay set it
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  };
  return {
    driver,
    dataDir,
    databaseUrl: database?.url,
    env: shared,
    async start(extra = {}, options = {}) {
      const service = await startService({ ...shared, ...extra }, options);
      services.push(service);
      return service;
    },
    cli: (args, options = {}) => runCli(args, { input: options.input, env: { ...shared, ...options.env } }),
    async dispose() {
      for (const service of services) await service.stop('SIGKILL');
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
      liveDirs.delete(dataDir);
    },
  };
}

export interface StartOptions {
  /** The certificate to trust; default: the one the service generates in DATA_DIR/tls. */
  ca?: Buffer;
  /** The entry point to run (default: dist/src/main.js), and options for node before it. */
  main?: string;
  nodeArgs?: string[];
  /** The port to listen on (a restart behind a balancer that knows it); default: a free one. */
  port?: number;
}

export interface Service extends Endpoint {
  port: number;
  pid: number;
  /** The certificate the client pins. */
  ca: Buffer;
  /** Everything the process wrote so far (stdout and stderr), for assertions and diagnostics. */
  output(): string;
  /** Resolves once `pattern` occurs `count` times in the output. */
  waitForOutput(pattern: RegExp, count?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code (null when a signal ended the process). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node dist/src/main.js` on a free port and waits until /auth/health/ready/ answers 200. */
export async function startService(env: Env, options: StartOptions = {}): Promise<Service> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.main ?? MAIN], {
    cwd: PACKAGE_DIR,
    env: { ...baseEnv(), HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveProcesses.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      liveProcesses.delete(child);
      resolve({ code, signal });
    }),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!hasExited) child.kill(signal);
    return (await exited).code;
  };
  let ca: Buffer;
  try {
    ca = await waitUntilReady(port, env, options, () => hasExited);
  } catch (err) {
    await stop('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- service output ---\n${output}`);
  }

  const agent = new https.Agent({ keepAlive: true, ca });
  void exited.then(() => agent.destroy());
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    httpsRequest(agent, port, method, path, body, headers);
  return {
    ...endpoint(request),
    port,
    pid: child.pid as number,
    ca,
    output: () => output,
    async waitForOutput(pattern, count = 1) {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      const deadline = Date.now() + START_TIMEOUT_MS;
      while ((output.match(global)?.length ?? 0) < count) {
        if (hasExited) throw new Error(`the process exited before printing ${pattern}\n${output}`);
        if (Date.now() > deadline) throw new Error(`${pattern} did not appear ${count} times\n${output}`);
        await sleep(10);
      }
    },
    stop,
    exited,
  };
}

async function waitUntilReady(port: number, env: Env, options: StartOptions, hasExited: () => boolean): Promise<Buffer> {
  const generated = join(env.DATA_DIR ?? '', 'tls', 'cert.pem');
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'not started';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('the service exited before it was ready');
    // The certificate is written before the port opens: pin it as soon as it exists.
    const ca = options.ca ?? (existsSync(generated) ? readFileSync(generated) : undefined);
    if (ca) {
      const agent = new https.Agent({ keepAlive: false, ca });
      try {
        const res = await httpsRequest(agent, port, 'GET', '/auth/health/ready/', undefined, {}, 2000);
        if (res.status === 200) return ca;
        last = `ready answered ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      } finally {
        agent.destroy();
      }
    }
    await sleep(100);
  }
  throw new Error(`the service was not ready in time (${last})`);
}

/** One JSON request over HTTPS; rejects on a transport error or after `timeoutMs`. */
export function httpsRequest(
  agent: https.Agent,
  port: number,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<Answer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      },
      (res) => {
        let raw = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          raw += chunk;
        });
        res.on('error', reject);
        res.on('end', () => resolve(answer(res.statusCode ?? 0, raw, res.headers)));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer to ${method} ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the operators' CLI (`node bin/auth-service.js …`) with `input` on stdin. */
export function runCli(args: string[], options: { input?: string; env?: Env } = {}): Promise<RunResult> {
  return runNode(CLI, args, options);
}

/** Runs the service entry point to its end: for settings that must stop it before it serves. */
export function runMain(env: Env): Promise<RunResult> {
  return runNode(MAIN, [], { env: { HOST: '127.0.0.1', ...env } });
}

function runNode(script: string, args: string[], options: { input?: string; env?: Env }, timeoutMs = 60_000): Promise<RunResult> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: PACKAGE_DIR,
    env: { ...baseEnv(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  liveProcesses.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  child.stdin.on('error', () => {}); // a command that reads no stdin may exit before we write
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      liveProcesses.delete(child);
      if (signal === 'SIGKILL') reject(new Error(`${script} ${args.join(' ')} did not finish in time\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects to `port` on loopback: 'connected', or the error code (ECONNREFUSED once a process has closed it). */
export function connectionRefused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

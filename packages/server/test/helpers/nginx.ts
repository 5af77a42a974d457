// The real nginx from Debian (nginx-light has auth_request) as a gateway in front of a small
// upstream that records what reaches it, asking our /auth/forward-auth/ about every request.
// The configuration is the one docs/verifier.md recommends, written into a temporary prefix.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));

export interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
}

export interface Gateway {
  url: string;
  /** Every request that reached the upstream. */
  seen: Seen[];
  errorLog(): string;
  close(): Promise<void>;
}

/** The location blocks of docs/verifier.md ("nginx"), with this test's addresses. */
export function nginxConfig(dir: string, listen: number, auth: string, upstream: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${listen};
    location = /_auth {
      internal;
      proxy_pass ${auth}/auth/forward-auth/;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${dir}/ca.pem;
      proxy_ssl_name localhost;
      proxy_ssl_server_name on;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }
    location / {
      auth_request /_auth;
      auth_request_set $auth_user_id $upstream_http_x_auth_user_id;
      auth_request_set $auth_username $upstream_http_x_auth_username;
      auth_request_set $auth_session_id $upstream_http_x_auth_session_id;
      proxy_set_header X-Auth-User-Id $auth_user_id;
      proxy_set_header X-Auth-Username $auth_username;
      proxy_set_header X-Auth-Session-Id $auth_session_id;
      proxy_pass http://127.0.0.1:${upstream};
    }
  }
}
`;
}

export async function startGateway(authUrl: string, ca: string | Buffer): Promise<Gateway> {
  if (!NGINX) throw new Error('nginx is not installed (apt-get install nginx-light; .ci/run does)');
  const dir = mkdtempSync(join(tmpdir(), 'auth-nginx-'));
  const seen: Seen[] = [];
  const upstream: Server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ upstream: true }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const listen = await freePort();
  writeFileSync(join(dir, 'ca.pem'), ca);
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, listen, authUrl, (upstream.address() as AddressInfo).port));
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const errorLog = () => `${stderr}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`;
  const url = `http://127.0.0.1:${listen}`;
  await waitUntilListening(url, child, errorLog);
  return {
    url,
    seen,
    errorLog,
    async close() {
      child.kill('SIGQUIT');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilListening(url: string, child: ChildProcess, errorLog: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}):\n${errorLog()}`);
    const ok = await fetch(url).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen in time:\n${errorLog()}`);
}

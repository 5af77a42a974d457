// Reading a Prometheus scrape in tests: fetch it, pick a sample's value, and lint it with
// promtool (Debian's prometheus package).
import { spawn } from 'node:child_process';
import { buildApp } from '../../src/http/app.js';
import { createPromMetrics, type PromMetrics } from '../../src/metrics/prometheus.js';
import type { TestApp } from './app.js';
import { type Endpoint, injectEndpoint } from './endpoint.js';
import { toolOrSkip } from './tools.js';

export const promtool = toolOrSkip('/usr/bin/promtool', 'prometheus');

export async function scrape(port: number, path = '/metrics'): Promise<{ status: number; text: string; type: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}

/** Every sample line of a metric (`name{labels} value`), comments left out. */
export function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

/** The value of the one sample with exactly these labels (in any order); undefined when absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of samples(text, name)) {
    const match = /^[^{\s]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const have = (match[1] ?? '')
      .split(/,(?=[a-z_]+=")/)
      .filter(Boolean)
      .sort()
      .join(',');
    if (have === wanted) return Number(match[2]);
  }
  return undefined;
}

/** promtool check metrics on `text`: the problems it reports (one a line), with its exit code. */
export function promtoolCheck(text: string): Promise<{ code: number | null; problems: string[] }> {
  return new Promise((resolve, reject) => {
    if (!promtool.path) return reject(new Error(promtool.skip));
    const child = spawn(promtool.path, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, problems: out.split('\n').filter((line) => line.trim() !== '') }));
    child.stdin.end(text);
  });
}

/** The problems that are about our own metrics (prom-client's nodejs_* and process_* defaults draw remarks we cannot change). */
export const ownProblems = (problems: string[]) => problems.filter((line) => !/^(nodejs_|process_)/.test(line.trim()));

export type Reader = (name: string, labels?: Record<string, string>) => Promise<number | undefined>;

/** A second app on a test app's runtime, its outcomes and answers counted by prom-client (as METRICS_PORT wires it). */
export async function withMetrics(
  t: TestApp,
): Promise<{ api: Endpoint; metrics: PromMetrics; value: Reader; close(): Promise<void> }> {
  const metrics = createPromMetrics();
  const deps = { ...t.deps, metrics: metrics.auth };
  metrics.watch(deps);
  const app = buildApp(deps, { metrics: metrics.http });
  await app.ready();
  const value: Reader = async (name, labels) => sampleValue(await metrics.registry.metrics(), name, labels);
  return { api: injectEndpoint(app), metrics, value, close: () => app.close() };
}

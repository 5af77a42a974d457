// Drives wrk (Debian's package) with the Lua scripts beside this file and reads its RESULT line;
// samples the resident memory of the service's processes while it runs.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processTree } from './services.js';

const SCRIPTS = fileURLToPath(new URL('.', import.meta.url));

export function requireWrk() {
  const probe = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (probe.error) throw new Error('wrk not found: install it with `apt-get install wrk`');
}

/**
 * Runs one wrk scenario against `base`; resolves to {rps, p50, p99, max, non2xx, socketErrors}.
 * `env` passes tokens to the Lua script (REFRESH, ACCESS).
 */
export function wrk({ base, scenario, seconds, threads, conns, env = {}, name = scenario }) {
  const args = [`-t${threads}`, `-c${conns}`, `-d${seconds}s`, '--timeout', '10s', '--latency', '-s', `${scenario}.lua`, base];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, {
      cwd: SCRIPTS, // the scripts `require "common"` from the working directory
      env: { ...process.env, RESULT_NAME: name, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', () => {
      const line = out.split('\n').find((l) => l.startsWith(`RESULT ${name} `));
      if (!line) return reject(new Error(`wrk ${scenario}: no result\n${out}`));
      const field = (key) => Number(new RegExp(`${key}=([0-9.]+)`).exec(line)?.[1]);
      resolve({
        rps: field('rps'),
        p50: field('p50_ms'),
        p99: field('p99_ms'),
        max: field('max_ms'),
        non2xx: field('non2xx'),
        socketErrors: field('socket_errors'),
      });
    });
  });
}

function rssKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Samples the process tree every 250 ms until stopped; returns peak MB per process and in total. */
export function sampleMemory(rootPid) {
  let perProcess = 0;
  let total = 0;
  const timer = setInterval(() => {
    const sizes = processTree(rootPid).map(rssKiB);
    perProcess = Math.max(perProcess, ...sizes);
    total = Math.max(
      total,
      sizes.reduce((a, b) => a + b, 0),
    );
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      return { maxProcessMB: perProcess / 1024, totalMB: total / 1024, processes: processTree(rootPid).length };
    },
  };
}

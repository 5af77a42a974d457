// `npm run bench -- --metrics-instructions`: the metrics' per-request work as instructions,
// counted by valgrind's callgrind (needs valgrind), which the machine's other load does not
// change as it changes time. Each case runs at two request counts; the difference divided by
// the difference in requests is the cost per request (the start-up cancels out).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./hook-instructions.js', import.meta.url));
const CASES = [
  { label: 'recording calls only (hook + use case)', side: 'record', counts: [100_000, 400_000] },
  { label: 'bare route via inject, no metrics hook', side: 'off', counts: [1000, 3000] },
  { label: 'bare route via inject, metrics hook', side: 'on', counts: [1000, 3000] },
];

function instructions(side, count) {
  const run = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', SCRIPT, side, String(count)],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const match = /Collected : (\d+)/.exec(run.stderr ?? '');
  if (!match) throw new Error(`callgrind gave no count (is valgrind installed?): ${run.stderr?.slice(-500)}`);
  return Number(match[1]);
}

export function metricsInstructions(log) {
  const lines = ['| case | instructions per request |', '|---|---|'];
  for (const { label, side, counts } of CASES) {
    const [low, high] = counts.map((count) => instructions(side, count));
    const perRequest = (high - low) / (counts[1] - counts[0]);
    log(`${label}: ${perRequest.toFixed(0)} instructions per request`);
    lines.push(`| ${label} | ${perRequest.toFixed(0)} |`);
  }
  return lines.join('\n');
}

// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the samples' self time went,
// grouped by origin (our code, each npm package, Node's internals, native/GC), and the top
// functions. Used for the breakdowns in docs/performance.md. A process with worker threads
// writes one profile per thread: the event loop's is the one whose name has `.0.`.
//
//   node scripts/cpuprofile-summary.js <file.cpuprofile> [top=15]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node scripts/cpuprofile-summary.js <file.cpuprofile> [top]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfSamples = new Map();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const total = profile.samples.length;

function origin({ url, functionName }) {
  if (!url) {
    if (['(idle)', '(program)', '(garbage collector)'].includes(functionName)) return functionName;
    return '(native)';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  if (url.includes('/dist/src/')) return `ours: ${url.split('/dist/src/')[1]}`;
  return url;
}

const groups = new Map();
const functions = new Map();
for (const [id, count] of selfSamples) {
  const frame = byId.get(id).callFrame;
  const group = origin(frame);
  groups.set(group, (groups.get(group) ?? 0) + count);
  const name = `${frame.functionName || '(anonymous)'} ${group}`;
  functions.set(name, (functions.get(name) ?? 0) + count);
}
const busy = total - (groups.get('(idle)') ?? 0);
const pct = (n, of) => `${((100 * n) / of).toFixed(1)}%`.padStart(6);
const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);

process.stdout.write(`${total} samples, ${pct(busy, total)} busy; shares of busy time:\n\nby origin\n`);
for (const [name, n] of top(groups, 25)) if (name !== '(idle)') process.stdout.write(`${pct(n, busy)}  ${name}\n`);
process.stdout.write('\ntop functions (self time)\n');
functions.delete('(idle) (idle)');
for (const [name, n] of top(functions, Number(topArg ?? 15))) process.stdout.write(`${pct(n, busy)}  ${name}\n`);

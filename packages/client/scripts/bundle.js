// The standalone file: dist/auth-client.js, one ES module with no imports (for <script
// type="module"> and the browser tests), minified; prints its size, raw and gzipped.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}dist/auth-client.js`;
await build({
  entryPoints: [`${root}src/index.ts`],
  outfile,
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const code = readFileSync(outfile);
const kb = (n) => `${(n / 1024).toFixed(2)} kB`;
console.log(
  `dist/auth-client.js: ${kb(code.length)} minified, ${kb(gzipSync(code, { level: 9 }).length)} min+gzip (target 5 kB)`,
);

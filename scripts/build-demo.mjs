// Builds the browser demo into examples/browser/dist: the page, its script bundled for browsers,
// and the 10,000 digits of the `mnist` package as bytes (pixel · 255), shuffled once so that
// any slice holds every digit.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const out = 'examples/browser/dist';
mkdirSync(out, { recursive: true });

const digits = [];
for (let d = 0; d <= 9; d++) {
  const { data } = require(`mnist/src/digits/${d}.json`);
  for (let i = 0; i < data.length; i += 784) digits.push({ label: d, pixels: data.slice(i, i + 784) });
}
let s = 12345;
const random = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
for (let i = digits.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [digits[i], digits[j]] = [digits[j], digits[i]];
}
const bytes = new Uint8Array(digits.length * 784);
digits.forEach((d, i) => d.pixels.forEach((p, k) => (bytes[i * 784 + k] = Math.round(p * 255))));
writeFileSync(`${out}/digits.bin`, bytes);
writeFileSync(`${out}/labels.bin`, Uint8Array.from(digits, (d) => d.label));

// Splitting keeps the Node-only model-file code (behind save/load's dynamic import) in a
// chunk of its own, which the page never loads.
await build({
  entryPoints: { main: 'examples/browser/main.ts' },
  outdir: out,
  splitting: true,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  external: ['node:*'],
  loader: { '.wgsl': 'text', '.wasm': 'binary' },
  logLevel: 'error',
});
copyFileSync('examples/browser/index.html', `${out}/index.html`);
console.log(`built ${out}: ${digits.length} digits`);

// Bundles the library, examples and benchmarks into dist/ with esbuild; WGSL files load as text.
import { build } from 'esbuild';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const quiet = process.argv.includes('--quiet');

function entries(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && statSync(join(dir, name)).isFile())
    .map((name) => join(dir, name));
}

const result = await build({
  entryPoints: ['src/node.ts', 'src/index.ts', 'src/cli/rbm.ts', 'src/cli/rbmcmd.ts', ...entries('examples'), ...entries('bench')],
  outdir: 'dist',
  outbase: '.',
  entryNames: '[dir]/[name]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  loader: { '.wgsl': 'text', '.wasm': 'binary' },
  metafile: true,
  logLevel: quiet ? 'error' : 'info',
});

for (const cli of ['dist/src/cli/rbm.js', 'dist/src/cli/rbmcmd.js']) chmodSync(cli, 0o755);
if (!quiet) {
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  console.log(`built ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB`);
}

// The browser bundle: the portable entry only (Node's file and Dawn modules stay out; the
// dynamic imports behind save/load are left external and never load in a page).
const browser = await build({
  entryPoints: { 'webgpu-rbm': 'src/index.ts' },
  outdir: 'dist/browser',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  minify: true,
  splitting: true,
  external: ['node:*'],
  loader: { '.wgsl': 'text', '.wasm': 'binary' },
  metafile: true,
  logLevel: 'error',
});
const main = browser.metafile.outputs['dist/browser/webgpu-rbm.js'];
if (!quiet || process.argv.includes('--browser')) {
  console.log(`browser bundle dist/browser/webgpu-rbm.js: ${(main.bytes / 1024).toFixed(0)} KiB minified (${Object.keys(browser.metafile.outputs).filter((f) => f.endsWith('.js')).length} chunks)`);
}

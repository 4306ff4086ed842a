// Bundles the library, examples and benchmarks into dist/ with esbuild; WGSL files load as text.
// The library and the commands go to dist/src with their shared chunks (what the npm package
// ships); the examples and benchmarks are a second build, whose chunks stay out of dist/src.
import { build } from 'esbuild';
import { chmodSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const quiet = process.argv.includes('--quiet');

function entries(dir) {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && statSync(join(dir, name)).isFile())
    .map((name) => join(dir, name));
}

// Nothing from an earlier build (renamed chunks, removed entries) may linger into a package:
// the full build (npm run build, which npm pack runs) starts clean, keeping tsc's dist/types.
// Quick builds (tests, examples) leave dist in place, since other processes may be running it.
if (!quiet) for (const old of existsSync('dist') ? readdirSync('dist') : []) if (old !== 'types') rmSync(join('dist', old), { recursive: true, force: true });

const node = (entryPoints, chunkNames) => ({
  entryPoints,
  outdir: 'dist',
  outbase: '.',
  entryNames: '[dir]/[name]',
  chunkNames,
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
const results = [
  await build(node(['src/node.ts', 'src/index.ts', 'src/cli/rbm.ts', 'src/cli/rbmcmd.ts'], 'src/chunks/[name]-[hash]')),
  await build(node([...entries('examples'), ...entries('bench')], 'chunks/[name]-[hash]')),
];

for (const cli of ['dist/src/cli/rbm.js', 'dist/src/cli/rbmcmd.js']) chmodSync(cli, 0o755);
if (!quiet) {
  const outputs = results.flatMap((r) => Object.values(r.metafile.outputs));
  console.log(`built ${outputs.length} files, ${(outputs.reduce((s, o) => s + o.bytes, 0) / 1024).toFixed(0)} KiB`);
}

// The browser bundle: the portable entry only, one self-contained file (package.json's
// `browser` condition). No Node module is reachable from it: files come through the platform,
// which only the Node entry fills in; `external` only keeps a stray import from bundling Node's.
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

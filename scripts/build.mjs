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

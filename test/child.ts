import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles a TypeScript script that imports the library (as `LIBRARY`) into a runnable .mjs
 * file inside the project, where Node finds node_modules; returns its path.
 */
export async function bundleScript(name: string, source: string): Promise<string> {
  mkdirSync('test-results', { recursive: true });
  const dir = mkdtempSync(join('test-results', `${name}-`));
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, source.replaceAll('LIBRARY', JSON.stringify(resolve('src/node.ts'))));
  return bundleEntry(entry);
}

/** Bundles one of the project's entry points (such as src/cli/rbm.ts) for running in a child process. */
export async function bundleEntry(path: string): Promise<string> {
  mkdirSync('test-results', { recursive: true });
  const out = resolve(mkdtempSync(join('test-results', 'entry-')), 'main.mjs');
  await build({
    entryPoints: [path],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    loader: { '.wgsl': 'text', '.wasm': 'binary' },
    logLevel: 'error',
  });
  return out;
}

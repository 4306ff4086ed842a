// The package as a web developer uses it: the packed tarball installed into an app outside the
// repository, the app bundled for the browser by esbuild from a plain `import { RBM } from
// 'webgpu-rbm'` (package.json's `browser` condition must give a bundle with no Node module
// in reach), and the bundle run in Debian's Chromium, training on the CPU and on WebGPU.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const app = mkdtempSync(join(tmpdir(), 'rbm-web-app-'));
let server: Server;
let context: BrowserContext;

beforeAll(async () => {
  // The suite's setup has built dist/; the tarball is what `npm pack` ships (without rebuilding, so
  // that the other test files keep their dist/), unpacked as npm installs a package.
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', app], { cwd: resolve('.'), encoding: 'utf8' }).trim().split('\n').at(-1)!;
  const installed = join(app, 'node_modules', 'webgpu-rbm');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(app, packed), '-C', installed, '--strip-components', '1']);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'web-app', private: true, type: 'module', dependencies: { 'webgpu-rbm': `file:${packed}` } }));
  writeFileSync(join(app, 'main.js'), `
import { RBM } from 'webgpu-rbm';
const rows = 200, cols = 16;
const data = new Float32Array(rows * cols).map((_, k) => ((k * 7919) % 13 < 4 ? 1 : 0));
async function train(useGPU) {
  const rbm = new RBM({ visible: cols, hidden: 8, learningRate: 0.1, useGPU });
  const { klDivergence } = await rbm.fit({ data, rows, cols }, { epochs: 3, batchSize: 20, verbose: false });
  const { backend, device } = await rbm.device();
  await rbm.dispose();
  return { backend, device, klDivergence };
}
try {
  window.result = { cpu: await train(false), gpu: await train(true) };
} catch (error) {
  window.result = { error: String(error) };
}
`);
  writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="out.js"></script>');
  const { serve } = await import('../scripts/serve-demo.mjs');
  server = await serve(0, app);
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (CI does)`).toBe(true);
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'rbm-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-sandbox'],
  });
  // npm pack and Chromium's start take a while on a loaded machine.
}, 120_000);

afterAll(async () => {
  await context?.close();
  server?.close();
});

it('bundles for the browser from the packed tarball with esbuild, and trains in Chromium on the CPU and on WebGPU', async () => {
  const result = await build({ entryPoints: [join(app, 'main.js')], outfile: join(app, 'out.js'), bundle: true, format: 'esm', platform: 'browser', absWorkingDir: app, logLevel: 'silent', metafile: true });
  expect(result.errors).toEqual([]);
  // The package's browser entry, and nothing of Node's.
  const inputs = Object.keys(result.metafile.inputs);
  expect(inputs.some((f) => f.includes('webgpu-rbm/dist/browser/'))).toBe(true);
  expect(readFileSync(join(app, 'out.js'), 'utf8')).not.toMatch(/["']node:/);

  // Node, from the same install, resolves the Node entry.
  const inNode = execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('webgpu-rbm'))"], { cwd: app, encoding: 'utf8' }).trim();
  expect(inNode).toMatch(/node_modules\/webgpu-rbm\/dist\/src\/node\.js$/);

  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, null, { timeout: 100_000 });
  type Run = { backend: string; device: string; klDivergence: number[] };
  const state = await page.evaluate(() => (window as unknown as { result: { cpu: Run; gpu: Run; error?: string } }).result);
  expect(errors).toEqual([]);
  expect(state.error).toBeUndefined();
  expect(state.cpu.backend).toBe('cpu');
  // The test's server sends COOP/COEP, so the page has shared memory for the WebAssembly workers.
  expect(state.cpu.device).toMatch(/^CPU \(WebAssembly SIMD, \d+ threads?\)$/);
  expect(state.gpu.backend, `WebGPU fell back to ${state.gpu.device}`).toBe('webgpu');
  for (const run of [state.cpu, state.gpu]) {
    expect(run.klDivergence).toHaveLength(3);
    expect(run.klDivergence[2]).toBeLessThan(run.klDivergence[0]);
  }
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../src/index.js';

// Debian's Chromium (CI installs it), never a downloaded browser.
const CHROMIUM = '/usr/bin/chromium';

let server: Server;
let context: BrowserContext;
let url: string;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build-demo.mjs'], { stdio: 'ignore' });
  const { serve } = await import('../scripts/serve-demo.mjs');
  server = await serve(0);
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (CI does)`).toBe(true);
  context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'rbm-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    // WebGPU in headless Chromium is SwiftShader's; the rest keeps it off the closed network.
    args: ['--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-sandbox'],
  });
});

afterAll(async () => {
  await context?.close();
  server?.close();
});

describe('the demo page', () => {
  it("trains on the CPU with the WebAssembly kernels' pool of Web Workers (the page is cross-origin isolated)", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}?hidden=16&epochs=2&batch=100&rows=1000&lr=0.1&device=cpu&steps=5&autostart=1`);
    await page.waitForFunction(() => (window as unknown as { demo?: { done: boolean } }).demo?.done, null, { timeout: 110_000 });
    const state = await page.evaluate(() => (window as unknown as { demo: { backend: string; device: string; kl: number[]; error?: string } }).demo);
    expect(errors).toEqual([]);
    expect(state.error).toBeUndefined();
    expect(state.backend).toBe('cpu');
    expect(state.device).toMatch(/^CPU \(WebAssembly SIMD, \d+ threads?\)$/);
    expect(state.kl[1]).toBeLessThan(state.kl[0]);
    await page.close();
  });

  it('trains on the GPU in a real browser: the KL falls, reconstructions, dreams and an inpainted digit appear', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}?hidden=32&epochs=3&batch=100&rows=3000&lr=0.1&device=gpu&steps=10&autostart=1`);
    await page.waitForFunction(() => (window as unknown as { demo?: { done: boolean } }).demo?.done, null, { timeout: 110_000 });
    const state = await page.evaluate(() => (window as unknown as { demo: { backend: string; device: string; kl: number[]; error?: string } }).demo);
    expect(errors).toEqual([]);
    expect(state.error).toBeUndefined();
    expect(state.backend, `the page fell back to ${state.device}`).toBe('webgpu');
    expect(state.kl).toHaveLength(3);
    expect(state.kl[2]).toBeLessThan(state.kl[0]);
    // Bright pixels in the reconstruction row of the canvas (its lower half).
    const ink = await page.evaluate(() => {
      const canvas = document.getElementById('reconstructions') as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, canvas.height / 2, canvas.width, canvas.height / 2);
      let bright = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 128) bright++;
      return bright;
    });
    expect(ink).toBeGreaterThan(200);

    // Dreams, and inpainting of a test digit with its lower half hidden.
    await page.click('#dream');
    await page.click('#take');
    await page.click('#hide');
    await page.click('#complete');
    const drawn = (id: string) =>
      page.evaluate((canvasId) => {
        const canvas = document.getElementById(canvasId) as HTMLCanvasElement;
        if (canvas.width === 0 || canvas.height === 0) return 0;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let bright = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] > 160) bright++;
        return bright;
      }, id);
    await expect.poll(() => drawn('dreams'), { timeout: 60_000 }).toBeGreaterThan(100);
    await expect.poll(() => drawn('completed'), { timeout: 60_000 }).toBeGreaterThan(20);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/demo.png', fullPage: true });
  });
});

describe("the demo page with the user's own data", () => {
  it('trains on a CSV file the user picks, and downloads the model file', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}?hidden=4&epochs=3&batch=20&lr=0.1&device=cpu`);
    await page.waitForFunction(() => (window as unknown as { demo?: { status: string } }).demo?.status.includes('press Train'));
    // 200 rows of 12 binary values: two patterns and noise.
    const csv = Array.from({ length: 200 }, (_, r) => Array.from({ length: 12 }, (_, k) => ((k < 6) === (r % 2 === 0) || (r * 7 + k * 5) % 17 === 0 ? 1 : 0)).join(',')).join('\n');
    await page.setInputFiles('#file', { name: 'rows.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForFunction(() => document.getElementById('data-name')!.textContent!.includes('200 rows of 12 values'));
    await page.click('#train');
    await page.waitForFunction(() => (window as unknown as { demo: { done: boolean } }).demo.done, null, { timeout: 60_000 });
    const state = await page.evaluate(() => (window as unknown as { demo: { visible: number; kl: number[]; error?: string } }).demo);
    expect(errors).toEqual([]);
    expect(state.error).toBeUndefined();
    expect(state.visible).toBe(12);
    expect(state.kl).toHaveLength(3);
    expect(state.kl[2]).toBeLessThan(state.kl[0]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('model.safetensors');
    const model = decodeModel(new Uint8Array(readFileSync((await download.path())!)), 'the downloaded model');
    expect([model.config.visible, model.config.hidden, model.history.epoch.length]).toEqual([12, 4, 3]);
    expect(model.history.klDivergence).toEqual(state.kl);
    await page.close();
  });
});

describe('the browser bundle', () => {
  it('reaches no Node module: one self-contained file, with no import of node:*', () => {
    execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { stdio: 'ignore' });
    const entry = readFileSync('dist/browser/webgpu-rbm.js', 'utf8');
    expect([...entry.matchAll(/from\s*"\.\/([^"]+)"|import\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2])).toEqual([]);
    expect(entry).not.toMatch(/["']node:/);
  });
});

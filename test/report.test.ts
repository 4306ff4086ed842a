// `rbm report` through the built binary: one self-contained HTML page that Debian's Chromium
// opens with every picture drawn and no request beyond the file itself.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';

const rbm = resolve('dist/src/cli/rbm.js');

it('writes a self-contained HTML report that Chromium draws completely, offline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rbm-report-'));
  const sh = (...args: string[]) => spawnSync(process.execPath, [rbm, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  // 300 rows of 8 × 8 bars: one of eight rows lit, and noise.
  const rows = Array.from({ length: 300 }, (_, r) => Array.from({ length: 64 }, (_, k) => (Math.floor(k / 8) === r % 8 || (r * 31 + k * 17) % 23 === 0 ? 1 : 0)).join(' '));
  writeFileSync(join(dir, 'bars.txt'), rows.join('\n') + '\n');
  expect(sh('train', '--data', 'bars.txt', '--hidden', '9', '--epochs', '3', '--batch-size', '20', '--lr', '0.05', '--gradient', 'mean', '--out', 'm.safetensors').status).toBe(0);
  const made = sh('report', '--model', 'm.safetensors', '--data', 'bars.txt', '--steps', '50', '--out', 'report.html');
  expect(made.stderr).toBe('');
  expect(made.status).toBe(0);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  for (const title of ['Model', 'Learning curve: KL divergence per epoch', 'Metrics', 'Weights of the hidden units', 'Reconstructions', 'Samples after 50 Gibbs steps']) expect(html).toContain(`<h2>${title}</h2>`);
  expect(html).toMatch(/log-likelihood \(exact, nats per row\)<\/th><td>-\d/);
  expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(3);
  expect(html).not.toMatch(/<(script|link)\b|src="(?!data:)/);
  // The report may not overwrite its model or data.
  expect(sh('report', '--model', 'm.safetensors', '--out', 'm.safetensors').status).toBe(2);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'] });
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${join(dir, 'report.html')}`);
    const images = await page.evaluate(() => Array.from(document.images, (i) => ({ complete: i.complete, width: i.naturalWidth })));
    expect(images).toHaveLength(3);
    for (const image of images) expect(image.complete && image.width > 0).toBe(true);
    expect(await page.evaluate(() => document.querySelectorAll('svg polyline, svg path').length)).toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
  } finally {
    await browser.close();
  }
});

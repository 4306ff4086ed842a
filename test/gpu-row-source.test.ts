// Training on the GPU from rows read on demand (fit(openIdxSource(file))): each chunk of batches
// is uploaded and trained as part of the same epoch plan, so the parameters and the curve equal
// those of the same rows held in memory, bit for bit. A GPU suite: it fails without an adapter.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openIdxSource, PIXEL_VALUES, RBM, readMatrixFile, type RbmOptions } from '../src/node.js';
import { fixture } from './helpers.js';

const ROWS = 230;
const V = 16;

it.each([
  ['CD-1', {}],
  ['PCD-2, centred', { persistent: true, cdSteps: 2, centering: true }],
] as [string, Partial<RbmOptions>][])('the GPU trains from an IDX file, and from 8-bit pixels, exactly as from the same rows in memory as float32: %s', async (_, extra) => {
  const dir = await mkdtemp(join(tmpdir(), 'rbm-gpu-source-'));
  const path = join(dir, 'rows.idx');
  const header = [0, 0, 0x08, 2, 0, 0, 0, ROWS, 0, 0, 0, V];
  await writeFile(path, Uint8Array.from([...header, ...Array.from(fixture(ROWS * V, 9), (u) => (u < 0.3 ? 0 : Math.floor(u * 256)))]));
  const options: RbmOptions = { visible: V, hidden: 6, seed: 4, useGPU: true, ...extra };
  const [a, b] = [new RBM(options), new RBM(options)];
  await a.fit(await readMatrixFile(path), { epochs: 2, batchSize: 20, verbose: false });
  await b.fit(await openIdxSource(path), { epochs: 2, batchSize: 20, verbose: false, chunkRows: 45 });
  // The same rows as 8-bit pixels.
  const c = new RBM(options);
  const bytes = new Uint8Array(await readFile(path)).subarray(header.length);
  await c.fit({ pixels: bytes, rows: ROWS, cols: V }, { epochs: 2, batchSize: 20, verbose: false });
  expect((await b.device()).backend).toBe('webgpu');
  const p = await a.getParameters();
  for (const other of [b, c]) {
    const q = await other.getParameters();
    for (const key of Object.keys(p) as (keyof typeof p)[]) expect(q[key], String(key)).toEqual(p[key]);
    expect(other.history.klDivergence).toEqual(a.history.klDivergence);
  }
  await Promise.all([a, b, c].map((m) => m.dispose()));
});

it('keeps 8-bit pixels 8-bit on the GPU across several storage chunks, training as float32 rows do', async () => {
  const [rows, cols] = [230, 15];
  const pixels = Uint8Array.from(fixture(rows * cols, 21), (u) => (u < 0.3 ? 0 : Math.floor(u * 256)));
  const floats = { data: Float32Array.from(pixels, (k) => PIXEL_VALUES[k]), rows, cols };
  // 1,500-byte bindings: the pixels in chunks of 100 rows (rows of 15 bytes, so rows straddle words), the floats in chunks of 25.
  const options: RbmOptions = { visible: cols, hidden: 5, seed: 8, useGPU: true, gpu: { maxBindingBytes: 1500 } };
  const [a, b] = [new RBM(options), new RBM(options)];
  await a.fit(floats, { epochs: 2, batchSize: 10, verbose: false });
  await b.fit({ pixels, rows, cols }, { epochs: 2, batchSize: 10, verbose: false });
  const [p, q] = [await a.getParameters(), await b.getParameters()];
  for (const key of Object.keys(p) as (keyof typeof p)[]) expect(q[key], String(key)).toEqual(p[key]);
  expect(b.history.klDivergence).toEqual(a.history.klDivergence);
  await Promise.all([a.dispose(), b.dispose()]);
});

import { mkdtemp, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError, InvalidArgumentError, openIdxSource, RBM, readMatrixFile, TrainingInterruptedError, type Matrix, type RbmOptions, type RowSource } from '../src/node.js';
import { fixture } from './helpers.js';

// Training from rows read on demand (fit(source)): an IDX file read a chunk of batches at a
// time must train exactly as the same rows in memory (same batches, same draws, so the same
// parameters bit for bit) on every CPU backend, and bad sources are refused before anything changes.

/** An IDX file's bytes: big-endian dimensions, then the values (already encoded). */
function idx(type: number, dims: number[], body: Uint8Array): Uint8Array {
  const header = [0, 0, type, dims.length];
  for (const d of dims) header.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...header, ...body]);
}

const ROWS = 230;
const SIDE = 4;
const V = SIDE * SIDE;
/** Bytes 0..255, a quarter of them 0 (as pixels are). */
const pixels = Uint8Array.from(fixture(ROWS * V, 7), (u) => (u < 0.25 ? 0 : Math.floor(u * 256)));

let dir: string;
let bytesFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbm-source-'));
  bytesFile = join(dir, 'rows.idx');
  await writeFile(bytesFile, idx(0x08, [ROWS, SIDE, SIDE], pixels));
});

async function same(a: RBM, b: RBM) {
  const [p, q] = [await a.getParameters(), await b.getParameters()];
  for (const key of Object.keys(p) as (keyof typeof p)[]) expect(q[key], String(key)).toEqual(p[key]);
  expect(b.history.klDivergence).toEqual(a.history.klDivergence);
}

describe('openIdxSource', () => {
  it('reads rows in any order as readMatrixFile reads them', async () => {
    const source = await openIdxSource(bytesFile);
    expect([source.rows, source.cols, source.name]).toEqual([ROWS, V, bytesFile]);
    const all = await readMatrixFile(bytesFile);
    const indices = Uint32Array.from([229, 0, 5, 6, 7, 5, 100]);
    const got = await source.read(indices);
    expect(got.rows).toBe(indices.length);
    indices.forEach((r, k) => expect(got.data.subarray(k * V, (k + 1) * V)).toEqual(all.data.subarray(r * V, (r + 1) * V)));
  });

  it('reads big-endian floats unscaled', async () => {
    const values = [0.5, 1, 0, 0.25, 0.125, 0.75];
    const body = new Uint8Array(values.length * 4);
    values.forEach((v, k) => new DataView(body.buffer).setFloat32(4 * k, v));
    const path = join(dir, 'floats.idx');
    await writeFile(path, idx(0x0d, [3, 2], body));
    const got = await (await openIdxSource(path)).read(Uint32Array.from([2, 0]));
    expect(Array.from(got.data)).toEqual([0.125, 0.75, 0.5, 1]);
  });

  it('refuses gzip, a missing file, a header that disagrees with the size, and rows past the end', async () => {
    const gz = join(dir, 'rows.idx.gz');
    await writeFile(gz, gzipSync(idx(0x08, [ROWS, SIDE, SIDE], pixels)));
    await expect(openIdxSource(gz)).rejects.toThrow(/gzip-compressed.*gunzip it first/);
    await expect(openIdxSource(join(dir, 'none.idx'))).rejects.toThrow(/no such file/);
    const short = join(dir, 'short.idx');
    await writeFile(short, idx(0x08, [ROWS, SIDE, SIDE], pixels.subarray(1)));
    await expect(openIdxSource(short)).rejects.toThrow(DataFormatError);
    const source = await openIdxSource(bytesFile);
    await expect(source.read(Uint32Array.from([ROWS]))).rejects.toThrow(/row 230 is past the last row \(229\)/);
  });

  it('refuses to read a file that changed size since it was opened', async () => {
    const path = join(dir, 'changing.idx');
    await writeFile(path, idx(0x08, [ROWS, SIDE, SIDE], pixels));
    const source = await openIdxSource(path);
    await truncate(path, 100);
    await expect(source.read(Uint32Array.from([0]))).rejects.toThrow(/changed size since it was opened/);
  });
});

describe.each([
  ['WebAssembly', {}],
  ['TypeScript', { threads: 0 }],
] as const)('fit from a source on the %s kernels', (_, backend) => {
  const model = (extra: Partial<RbmOptions> = {}) => new RBM({ visible: V, hidden: 5, seed: 3, ...backend, ...extra });
  const inMemory = async () => readMatrixFile(bytesFile);

  // 230 rows in batches of 20: 11 batches, the first 10 of 21 rows; chunks of 45 rows hold 2 batches.
  it.each([
    ['CD-1', {}],
    ['PCD-2 with momentum and weight decay', { persistent: true, cdSteps: 2, momentum: 0.5, weightDecay: 1e-3 }],
    ['centred, biases from data', { centering: true, visibleBiasInit: 'data' as const }],
  ])('trains exactly as the same rows in memory: %s', async (_, extra) => {
    const [a, b] = [model(extra), model(extra)];
    await a.fit(await inMemory(), { epochs: 2, batchSize: 20, verbose: false });
    await b.fit(await openIdxSource(bytesFile), { epochs: 2, batchSize: 20, verbose: false, chunkRows: 45 });
    await same(a, b);
    expect((await b.getState()).dataMean).toEqual((await a.getState()).dataMean);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('trains a label layer and Gaussian units exactly as in memory', async () => {
    const labels = Array.from({ length: ROWS }, (_, r) => r % 3);
    const [a, b] = [model({ labels: 3 }), model({ labels: 3 })];
    await a.fit(await inMemory(), { epochs: 1, batchSize: 20, verbose: false, labels });
    await b.fit(await openIdxSource(bytesFile), { epochs: 1, batchSize: 20, verbose: false, labels, chunkRows: 21 });
    await same(a, b);
    const [g, h] = [model({ visibleType: 'gaussian', learningRate: 0.01 }), model({ visibleType: 'gaussian', learningRate: 0.01 })];
    await g.fit(await inMemory(), { epochs: 1, batchSize: 20, verbose: false });
    await h.fit(await openIdxSource(bytesFile), { epochs: 1, batchSize: 20, verbose: false, chunkRows: 100 });
    await same(g, h);
    await Promise.all([a, b, g, h].map((m) => m.dispose()));
  });

  it('trains on 8-bit pixels exactly as on the same rows as float32, a label layer too', async () => {
    const x = { pixels, rows: ROWS, cols: V };
    for (const extra of [{}, { persistent: true, cdSteps: 2 }, { labels: 3 }] as Partial<RbmOptions>[]) {
      const labels = extra.labels ? Array.from({ length: ROWS }, (_, r) => r % 3) : undefined;
      const [a, b] = [model(extra), model(extra)];
      await a.fit(await inMemory(), { epochs: 2, batchSize: 20, verbose: false, labels });
      await b.fit(x, { epochs: 2, batchSize: 20, verbose: false, labels });
      await same(a, b);
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });

  it('computes metrics on the first rows, as in memory, with chunks smaller than metricRows', async () => {
    const [a, b] = [model(), model()];
    const o = { epochs: 1, batchSize: 20, verbose: false, metrics: ['reconstructionError', 'pseudoLikelihood'] as const, metricRows: 50 };
    const ha = await a.fit(await inMemory(), o);
    const hb = await b.fit(await openIdxSource(bytesFile), { ...o, chunkRows: 21 });
    expect(hb.metrics).toEqual(ha.metrics);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('stops between chunks when aborted, and resumes to the same model', async () => {
    const whole = model();
    await whole.fit(await inMemory(), { epochs: 1, batchSize: 20, verbose: false });
    const stopped = model();
    const controller = new AbortController();
    const checkpoint = join(dir, `stopped-${backend === undefined ? 'x' : Object.keys(backend).length}.safetensors`);
    const run = stopped.fit(await openIdxSource(bytesFile), {
      epochs: 1, batchSize: 20, verbose: false, chunkRows: 45, checkpoint, signal: controller.signal,
      onBatch: (r) => r.batch === 3 && controller.abort(),
    });
    await expect(run).rejects.toThrow(TrainingInterruptedError);
    expect((await stopped.getState()).progress?.batchesDone).toBe(3);
    const resumed = model();
    await resumed.fit(await openIdxSource(bytesFile), { epochs: 1, batchSize: 20, verbose: false, chunkRows: 45, resumeFrom: checkpoint });
    await same(whole, resumed);
    await Promise.all([whole, stopped, resumed].map((m) => m.dispose()));
  });
});

describe('fit from a source refuses bad input before anything changes', () => {
  const source = (rows: number, cols: number, read: RowSource['read']): RowSource => ({ rows, cols, read, name: 'test rows' });
  const ones = (n: number): Matrix => ({ data: new Float32Array(n * V).fill(1), rows: n, cols: V });

  it.each([
    ['a value outside [0, 1] in a late chunk', source(100, V, async (i) => ({ ...ones(i.length), data: ones(i.length).data.map((v, k) => (i[Math.floor(k / V)] === 97 ? 2 : v)) })), /x \(rows 90 to 99 of test rows\).*row 7, column 0 is 2; expected a value in \[0, 1\]/],
    ['a read that gives the wrong shape', source(100, V, async () => ones(3)), /read\(10 indices\) must give a Matrix of 10 × 16 float32 values/],
    ['the wrong number of columns', source(100, V + 1, async (i) => ones(i.length)), /has 17 columns; expected 16/],
    ['no rows', source(0, V, async (i) => ones(i.length)), /rows must be a positive integer/],
  ])('%s', async (_, x, message) => {
    const rbm = new RBM({ visible: V, hidden: 3, seed: 1 });
    const before = await rbm.getParameters();
    await expect(rbm.fit(x, { epochs: 1, batchSize: 10, verbose: false, chunkRows: 10 })).rejects.toThrow(message);
    expect(await rbm.getParameters()).toEqual(before);
    expect(rbm.history.epoch).toEqual([]);
    await rbm.dispose();
  });

  it.each([
    ['pixels that are not bytes', { pixels: new Float32Array(2 * V), rows: 2, cols: V }, /pixels must be a Uint8Array \(got Float32Array\)/],
    ['too few pixels', { pixels: new Uint8Array(2 * V - 1), rows: 2, cols: V }, /pixels has 31 values; 2 rows of 16 need 32/],
    ['the wrong width', { pixels: new Uint8Array(2 * V), rows: 4, cols: V / 2 }, /has 8 columns; expected 16/],
  ])('refuses %s', async (_, x, message) => {
    const rbm = new RBM({ visible: V, hidden: 3, seed: 1 });
    const before = await rbm.getParameters();
    await expect(rbm.fit(x as never, { epochs: 1, batchSize: 1, verbose: false })).rejects.toThrow(message);
    expect(await rbm.getParameters()).toEqual(before);
    await rbm.dispose();
  });

  it('refuses chunkRows for rows in memory, and a chunkRows that is not a positive integer', async () => {
    const rbm = new RBM({ visible: V, hidden: 3 });
    await expect(rbm.fit(ones(20), { epochs: 1, batchSize: 10, chunkRows: 10 })).rejects.toThrow(/chunkRows: applies to rows read from a RowSource.*these rows are in memory/);
    await expect(rbm.fit(await openIdxSource(bytesFile), { epochs: 1, batchSize: 10, chunkRows: 0 })).rejects.toThrow(InvalidArgumentError);
    await rbm.dispose();
  });
});

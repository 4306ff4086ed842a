// Every kind of rows (a Matrix, arrays of numbers, 8-bit pixels, a RowSource) goes in through one
// door (src/data/rows.ts). A method given 8-bit rows, or rows read a chunk at a time, must give
// exactly what it gives for the same values as float32 rows in memory; a method that needs every
// row at once refuses a RowSource with a typed error saying which kinds it takes.
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { DBN, InvalidArgumentError, PIXEL_VALUES, RBM, toArrays, type Matrix, type PixelMatrix, type RowSource } from '../src/node.js';
import { binaryData, fixture, randomParameters } from './helpers.js';

// 40,000 values a row: 8 MiB of float32 is 52 rows, so 60 rows are read in two chunks.
const V = 40_000;
const H = 3;
const ROWS = 60;
const CHUNK = 52;
const pixels: PixelMatrix = { pixels: Uint8Array.from(fixture(ROWS * V, 5), (u) => Math.floor(u * 256)), rows: ROWS, cols: V };
const floats: Matrix = { data: Float32Array.from(pixels.pixels, (k) => PIXEL_VALUES[k]), rows: ROWS, cols: V };

/** A RowSource over `m` that records how many rows each read asked for. */
function sourceOf(m: Matrix, name = 'test rows'): RowSource & { readonly reads: number[] } {
  const reads: number[] = [];
  return {
    rows: m.rows,
    cols: m.cols,
    name,
    reads,
    async read(indices, into) {
      reads.push(indices.length);
      const out = into ?? { data: new Float32Array(indices.length * m.cols), rows: indices.length, cols: m.cols };
      indices.forEach((r, k) => out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), k * m.cols));
      return out;
    },
  };
}

/** `value` with every typed array replaced by a hash of its bytes (toEqual on millions of values takes minutes). */
function digest(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} ${createHash('sha256').update(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)).digest('hex')}`;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, digest(v)]));
}

const models: RBM[] = [];
afterAll(async () => {
  for (const m of models) await m.dispose();
});

/** A wide model with weights large enough that every row's results differ. */
async function wide(): Promise<RBM> {
  const rbm = new RBM({ visible: V, hidden: H, seed: 3 });
  models.push(rbm);
  await rbm.setParameters(randomParameters(V, H, 11, 0.01));
  return rbm;
}

describe('8-bit rows and RowSources give what the same float32 rows give', () => {
  it('expectHidden, reconstruct, freeEnergy, reconstructionError, pseudoLikelihood, freeEnergyGap, logLikelihood and log Z from data', async () => {
    const rbm = await wide();
    const source = sourceOf(floats);
    const results = async (x: Matrix | PixelMatrix | RowSource) => digest({
      hidden: await rbm.expectHidden(x),
      reconstruction: await rbm.reconstruct(x),
      free: await rbm.freeEnergy(x),
      error: await rbm.reconstructionError(x),
      pseudo: await rbm.pseudoLikelihood(x, { seed: 7 }),
      gap: await rbm.freeEnergyGap(x, floats),
      logLikelihood: await rbm.logLikelihood(x),
      ais: await rbm.logPartition({ method: 'ais', runs: 4, betas: 20, data: x }),
      reverse: await rbm.logPartition({ method: 'reverse-ais', runs: 4, betas: 20, data: x }),
    });
    const expected = await results(floats);
    expect(await results(pixels)).toEqual(expected);
    expect(await results(source)).toEqual(expected);
    // Read a chunk at a time, never all at once.
    expect(Math.max(...source.reads)).toBe(CHUNK);
    const hidden = await rbm.expectHidden(floats);
    expect(new Set(await rbm.freeEnergy(floats)).size).toBe(ROWS);
    expect(digest(await rbm.expectVisible(sourceOf(hidden)))).toEqual(digest(await rbm.expectVisible(hidden)));
  });

  it('fit takes its validation rows as 8-bit rows or a RowSource, and reports the same metrics', async () => {
    const histories = [];
    for (const validation of [floats, pixels, sourceOf(floats)]) {
      const rbm = new RBM({ visible: V, hidden: H, seed: 4 });
      models.push(rbm);
      histories.push(await rbm.fit(pixels, { epochs: 2, batchSize: 20, verbose: false, validation, metricRows: 30, metrics: ['reconstructionError', 'freeEnergyGap'] }));
    }
    expect(histories[0].metrics!.freeEnergyGap).toHaveLength(2);
    expect(histories[1]).toEqual(histories[0]);
    expect(histories[2]).toEqual(histories[0]);
  });

  it('a label layer predicts the same classes from 8-bit rows and from a RowSource', async () => {
    const x = binaryData(90, 12, 3);
    const labels = Array.from({ length: 90 }, (_, r) => (x.data[r * 12] + x.data[r * 12 + 1]) as number);
    const rbm = new RBM({ visible: 12, hidden: 8, labels: 3, seed: 1 });
    models.push(rbm);
    await rbm.fit(x, { epochs: 3, batchSize: 10, verbose: false, labels });
    const bytes: PixelMatrix = { pixels: Uint8Array.from(x.data, (v) => 255 * v), rows: 90, cols: 12 };
    const expected = await rbm.predictProba(x);
    expect(await rbm.predictProba(bytes)).toEqual(expected);
    expect(await rbm.predictProba(sourceOf(x))).toEqual(expected);
    expect(await rbm.predict(toArrays(x))).toEqual(await rbm.predict(bytes));
  });
});

describe('methods that use every row at once', () => {
  const x = binaryData(20, 16, 9);
  const bytes: PixelMatrix = { pixels: Uint8Array.from(x.data, (v) => 255 * v), rows: 20, cols: 16 };

  it('take 8-bit rows as their float32 values', async () => {
    const [a, b] = [new RBM({ visible: 16, hidden: 4, seed: 2 }), new RBM({ visible: 16, hidden: 4, seed: 2 })];
    models.push(a, b);
    const h = await a.sampleHidden(x);
    expect(await b.sampleHidden(bytes)).toEqual(h);
    expect(await b.gibbs(bytes)).toEqual(await a.gibbs(x));
    expect(await b.energy(bytes, h)).toEqual(await a.energy(x, h));
    const mask: PixelMatrix = { pixels: Uint8Array.from({ length: 20 * 16 }, (_, k) => (k % 3 ? 255 : 0)), rows: 20, cols: 16 };
    const known: Matrix = { data: Float32Array.from(mask.pixels, (k) => PIXEL_VALUES[k]), rows: 20, cols: 16 };
    expect(await b.inpaint(bytes, mask, { steps: 3 })).toEqual(await a.inpaint(x, known, { steps: 3 }));
    expect(await b.daydream(2, { start: bytes })).toEqual(await a.daydream(2, { start: x }));
  });

  it.each([
    ['sampleHidden', (r: RBM, s: RowSource) => r.sampleHidden(s as never), 'v'],
    ['sampleVisible', (r: RBM, s: RowSource) => r.sampleVisible(s as never), 'h'],
    ['gibbs', (r: RBM, s: RowSource) => r.gibbs(s as never), 'v'],
    ['energy', (r: RBM, s: RowSource) => r.energy(s as never, [[0, 1, 0, 1]]), 'v'],
    ['inpaint', (r: RBM, s: RowSource) => r.inpaint(s as never, x), 'x'],
    ['daydream', (r: RBM, s: RowSource) => r.daydream(1, { start: s as never }), 'start'],
  ] as const)('%s refuses a RowSource, saying which kinds it takes', async (method, call, argument) => {
    const rbm = new RBM({ visible: 16, hidden: 4 });
    models.push(rbm);
    const source = sourceOf(method === 'sampleVisible' ? binaryData(20, 4, 1) : x);
    const error = await Promise.resolve(call(rbm, source)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect((error as Error).message).toMatch(new RegExp(`${method} takes rows in memory \\(a Matrix .*, an array of rows or a PixelMatrix .*\\), not a RowSource`));
    expect(source.reads).toEqual([]);
  });
});

describe('rows are checked against the visible layer', () => {
  it('a RowSource as it is read: a bad value in a late chunk is named by its rows', async () => {
    const rbm = await wide();
    const bad = { ...floats, data: floats.data.map((v, k) => (k === 55 * V ? 2 : v)) };
    await expect(rbm.expectHidden(sourceOf(bad))).rejects.toThrow(/^v \(rows 52 to 59 of test rows\): row 3, column 0 is 2; expected a value in \[0, 1\]$/);
  });

  it('states must suit the units (binary and softmax in [0, 1], Gaussian any finite value); only data must have one-hot softmax groups', async () => {
    const binary = new RBM({ visible: 4, hidden: 2 });
    const gaussian = new RBM({ visible: 4, hidden: 2, visibleType: 'gaussian' });
    const softmax = new RBM({ visible: 4, hidden: 2, visibleType: { softmax: 2 } });
    models.push(binary, gaussian, softmax);
    await expect(binary.expectHidden([[0, 2, 0, 1]])).rejects.toThrow(/v: row 0, column 1 is 2; expected a value in \[0, 1\]/);
    await expect(gaussian.expectHidden([[0, 2, -3, 1]])).resolves.toBeDefined();
    // Mean-field visible states of softmax groups are probabilities, not one-hot.
    const means = [[0.3, 0.7, 0.5, 0.5]];
    await expect(softmax.expectHidden(means)).resolves.toBeDefined();
    await expect(softmax.fit(means, { epochs: 1, batchSize: 1, verbose: false })).rejects.toThrow(/x: row 0, softmax group 0 is not one-hot/);
    const groups: PixelMatrix = { pixels: Uint8Array.of(255, 0, 0, 0, 255, 255, 0, 0), rows: 2, cols: 4 };
    await expect(softmax.fit(groups, { epochs: 1, batchSize: 1, verbose: false })).rejects.toThrow(/x \(rows 0 to 1\): row 1, softmax group 0 is not one-hot/);
  });
});

describe('DBN', () => {
  it('trains from a RowSource as from the same rows in memory, and refuses upward samples from one before anything trains', async () => {
    const x = binaryData(60, 16, 6);
    const fit = { epochs: 2, batchSize: 10, verbose: false };
    const [a, b, c] = [0, 1, 2].map(() => new DBN({ layers: [16, 8, 4], seed: 5 }));
    await a.fit(x, fit);
    await b.fit(sourceOf(x), fit);
    expect(await b.getStates()).toEqual(await a.getStates());
    const bytes: PixelMatrix = { pixels: Uint8Array.from(x.data, (v) => 255 * v), rows: 60, cols: 16 };
    expect(await b.transform(bytes)).toEqual(await a.transform(x));
    await expect(c.fit(sourceOf(x), { ...fit, upward: 'samples' })).rejects.toThrow(/upward: 'samples' draws the hidden states of all the rows at once/);
    expect(c.layers.map((l) => l.epochsTrained)).toEqual([0, 0]);
    await Promise.all([a, b, c].map((d) => d.dispose()));
  });
});

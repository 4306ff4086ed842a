import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DBN, PIXEL_VALUES, RBM, type Matrix } from '../src/node.js';
import { binaryData, fixture } from './helpers.js';

// Deep belief networks through the public API: greedy training, features equal to the layers'
// stacked expectHidden, one file for the stack, generation, and a label layer on top.
const x: Matrix = binaryData(200, 36, 4, 0.35);
const fit = { epochs: 3, batchSize: 20, verbose: false };

describe('DBN', () => {
  it("trains greedily; its features are its layers' stacked expectHidden, the same after a save and load; it generates", async () => {
    const lines: string[] = [];
    const dbn = new DBN({ layers: [36, 12, 6], learningRate: 0.05, gradient: 'mean', seed: 2 });
    const histories = await dbn.fit(x, { ...fit, verbose: true, log: (line) => lines.push(line) });
    expect(histories.map((h) => h.klDivergence.length)).toEqual([3, 3]);
    expect(lines.filter((l) => l.startsWith('# DBN layer'))).toEqual(['# DBN layer 1 of 2: 36-12', '# DBN layer 2 of 2: 12-6']);
    expect(lines.filter((l) => l.startsWith('Epoch [3/3]'))).toHaveLength(2);
    expect(dbn.layers.map((l) => [l.visible, l.hidden])).toEqual([[36, 12], [12, 6]]);

    const features = await dbn.transform(x);
    const stacked = await dbn.layers[1].expectHidden(await dbn.layers[0].expectHidden(x));
    expect([features.rows, features.cols]).toEqual([200, 6]);
    expect(features.data).toEqual(stacked.data);

    const path = join(mkdtempSync(join(tmpdir(), 'rbm-dbn-')), 'dbn.safetensors');
    await dbn.save(path);
    const loaded = await DBN.load(path);
    expect((await loaded.transform(x)).data).toEqual(features.data);
    expect((await loaded.getStates()).map((s) => s.history.klDivergence)).toEqual((await dbn.getStates()).map((s) => s.history.klDivergence));

    const samples = await loaded.generate(5, { steps: 20 });
    expect([samples.rows, samples.cols]).toEqual([5, 36]);
    expect(Array.from(samples.data).every((v) => v >= 0 && v <= 1)).toBe(true);
    const again = await dbn.reconstruct(x);
    expect([again.rows, again.cols]).toEqual([200, 36]);
    // A single model's file is not a stack, and a stack is not a single model.
    const single = join(mkdtempSync(join(tmpdir(), 'rbm-dbn-')), 'rbm.safetensors');
    await dbn.layers[0].save(single);
    await expect(DBN.load(single)).rejects.toThrow(/is a single model, not a stack/);
    await expect(RBM.load(path)).rejects.toThrow(/is a stack of 2 models \(a deep belief network\): read it with DBN.load/);
    await Promise.all([dbn.dispose(), loaded.dispose()]);
  });

  it('saves a checkpoint after every epoch of every layer, and resumes mid-way to the model of an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rbm-dbn-'));
    const [checkpoint, midway] = [join(dir, 'run.safetensors'), join(dir, 'midway.safetensors')];
    const options = { layers: [36, 10, 5], learningRate: 0.05, gradient: 'mean' as const, seed: 7 };
    const plain = new DBN(options);
    await plain.fit(x, fit);
    const lines: string[] = [];
    const whole = new DBN(options);
    let layer = 0;
    await whole.fit(x, {
      ...fit, verbose: true, checkpoint,
      log: (line) => {
        lines.push(line);
        if (line.startsWith('# DBN layer')) layer++;
        // When layer 2's second epoch ends, the checkpoint holds layer 2 after its first: a run stopped there.
        if (layer === 2 && line.startsWith('Epoch [2/3]')) copyFileSync(checkpoint, midway);
      },
    });
    expect(lines.filter((l) => l.startsWith('Epoch ['))).toEqual(['Epoch [1/3]', 'Epoch [2/3]', 'Epoch [3/3]', 'Epoch [1/3]', 'Epoch [2/3]', 'Epoch [3/3]'].map((e) => expect.stringMatching(new RegExp(`^${e.replace(/[[\]]/g, '\\$&')}, KL Divergence: `)) as unknown as string));
    // One epoch a call with checkpoints trains what one call without them trains.
    expect((await whole.transform(x)).data).toEqual((await plain.transform(x)).data);
    const resumed = new DBN(options);
    await resumed.fit(x, { ...fit, checkpoint, resumeFrom: midway });
    expect((await resumed.getStates()).map((s) => s.history.epoch)).toEqual([[1, 2, 3], [1, 2, 3]]);
    const [a, b] = [await whole.getStates(), await resumed.getStates()];
    for (let i = 0; i < 2; i++) expect(b[i].parameters.weights).toEqual(a[i].parameters.weights);
    await expect(new DBN({ ...options, layers: [36, 9, 5] }).fit(x, { ...fit, resumeFrom: midway })).rejects.toThrow(/holds a 36-10-5 network; this one is 36-9-5/);
    await Promise.all([plain, whole, resumed].map((d) => d.dispose()));
  });

  it('trains on 8-bit pixels as on the same values in float32', async () => {
    const pixels = Uint8Array.from(fixture(200 * 36, 8), (u) => Math.floor(u * 256));
    const floats: Matrix = { data: Float32Array.from(pixels, (k) => PIXEL_VALUES[k]), rows: 200, cols: 36 };
    const [a, b] = [new DBN({ layers: [36, 8, 4], seed: 5 }), new DBN({ layers: [36, 8, 4], seed: 5 })];
    await a.fit(floats, fit);
    await b.fit({ pixels, rows: 200, cols: 36 }, fit);
    expect((await b.transform(floats)).data).toEqual((await a.transform(floats)).data);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('trains the upper layers on samples when asked, and takes per-layer options (a Gaussian bottom layer)', async () => {
    const dbn = new DBN({ layers: [36, 10, 4], learningRate: 0.05, gradient: 'mean', layerOptions: [{ visibleType: 'gaussian', learningRate: 0.01 }] });
    await dbn.fit(x, { ...fit, upward: 'samples' });
    expect(dbn.layers[0].options.visibleType).toBe('gaussian');
    expect(dbn.layers[0].options.learningRate).toBe(0.01);
    expect(dbn.layers[1].options.visibleType).toBe('binary');
    expect(dbn.layers.map((l) => l.options.seed)).toEqual([0, 1]);
    await dbn.dispose();
  });

  it('stacks a layer of ReLU hidden units under Gaussian visible units, and refuses binary ones there before anything trains', async () => {
    const dbn = new DBN({ layers: [36, 8, 4], hiddenType: 'relu', learningRate: 0.02, gradient: 'mean', threads: 0, layerOptions: [undefined, { visibleType: 'gaussian', hiddenType: 'binary' }] });
    const histories = await dbn.fit(x, fit);
    expect(histories.every((h) => h.klDivergence.every(Number.isFinite))).toBe(true);
    const features = await dbn.transform(x);
    expect([features.rows, features.cols]).toEqual([200, 4]);
    expect(() => new DBN({ layers: [36, 8, 4], layerOptions: [{ hiddenType: 'relu' }] })).toThrow(/layerOptions\[1\]\.visibleType: the layer below has relu hidden units/);
    const [below, above] = [new RBM({ visible: 36, hidden: 8, hiddenType: 'gaussian', threads: 0 }), new RBM({ visible: 8, hidden: 4 })];
    expect(() => DBN.fromLayers([below, above])).toThrow(/layer 1: the layer below has gaussian hidden units/);
    await Promise.all([below.dispose(), above.dispose()]);
  });

  it('classifies with a label layer on the top RBM', async () => {
    // Class c lights the c-th third of the units (80 % on, 10 % elsewhere).
    const labels = Array.from({ length: x.rows }, (_, r) => r % 3);
    const u = fixture(x.rows * 36, 17);
    const rows: Matrix = { data: u.map((p, k) => (p < (Math.floor((k % 36) / 12) === labels[Math.floor(k / 36)] ? 0.8 : 0.1) ? 1 : 0)), rows: x.rows, cols: 36 };
    const dbn = new DBN({ layers: [36, 24, 16], labels: 3, learningRate: 0.1, gradient: 'mean', momentum: 0.5 });
    await dbn.fit(rows, { ...fit, epochs: 20, labels });
    const predicted = await dbn.predict(rows);
    const accuracy = predicted.reduce((s, y, r) => s + (y === labels[r] ? 1 : 0), 0) / x.rows;
    expect(accuracy).toBeGreaterThan(0.9);
    expect((await dbn.predictProba(rows)).cols).toBe(3);
    // Its features are those the top RBM reads.
    expect((await dbn.transform(x)).cols).toBe(24);
    await expect(dbn.generate(2)).rejects.toThrow(/generate needs a DBN without a label layer/);
    await dbn.dispose();
  });

  it.each([
    ['one layer', { layers: [36] }, /layers: expected at least two positive integers/],
    ['a size that is not an integer', { layers: [36, 2.5] }, /layers: expected at least two positive integers/],
    ['too many layer options', { layers: [36, 10], layerOptions: [{}, {}] }, /layerOptions: expected at most one entry per RBM \(1\)/],
    ['an unknown option', { layers: [36, 10], hiden: 3 }, /hiden/],
    ['an unknown layer option', { layers: [36, 10], layerOptions: [{ momentun: 0.5 }] }, /layerOptions\[0\].*momentun/],
  ])('refuses %s', (_, options, message) => {
    expect(() => new DBN(options as never)).toThrow(message);
  });
});

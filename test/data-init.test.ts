import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel, RBM } from '../src/node.js';
import { binaryData, expectClose } from './helpers.js';

// Starting from the data: the visible biases at the log-odds of the data's means, a centred
// model's offsets and plain biases, and the means kept for AIS's base rates.
const V = 6;
const H = 3;
const x = binaryData(50, V, 3, 0.3);
const means = Array.from({ length: V }, (_, i) => {
  let s = 0;
  for (let r = 0; r < x.rows; r++) s += x.data[r * V + i];
  return s / x.rows;
});
const logOdds = (p: number) => {
  const q = Math.min(Math.max(p, 1e-3), 1 - 1e-3);
  return Math.log(q / (1 - q));
};

describe("visibleBiasInit: 'data'", () => {
  it('sets the visible biases to the log-odds of the data means at the first fit, and keeps the means', async () => {
    const rbm = new RBM({ visible: V, hidden: H, visibleBiasInit: 'data' });
    const before = await rbm.getParameters();
    await rbm.fit(x, { epochs: 0, batchSize: 10, verbose: false });
    const p = await rbm.getParameters();
    expectClose(p.visibleBias, means.map(logOdds), { atol: 1e-6, label: 'visible biases' });
    expect(Array.from(p.weights)).toEqual(Array.from(before.weights));
    expectClose((await rbm.getState()).dataMean!, means, { atol: 1e-7, label: 'data means' });
    await rbm.dispose();
  });

  it('is simple_rbm\'s zero start by default, though the means are kept', async () => {
    const rbm = new RBM({ visible: V, hidden: H });
    await rbm.fit(x, { epochs: 0, batchSize: 10, verbose: false });
    expect(Array.from((await rbm.getParameters()).visibleBias)).toEqual(new Array(V).fill(0));
    expect((await rbm.getState()).dataMean).toBeDefined();
    await rbm.dispose();
  });

  it('applies at the first fit only: later fits on other data leave the biases to training', async () => {
    const rbm = new RBM({ visible: V, hidden: H, visibleBiasInit: 'data', learningRate: 0.01 });
    await rbm.fit(x, { epochs: 1, batchSize: 10, verbose: false });
    const after = await rbm.getParameters();
    await rbm.fit(binaryData(50, V, 9, 0.8), { epochs: 0, batchSize: 10, verbose: false });
    expect(Array.from((await rbm.getParameters()).visibleBias)).toEqual(Array.from(after.visibleBias));
    expectClose((await rbm.getState()).dataMean!, means, { atol: 1e-7, label: 'the first data set\'s means' });
    await rbm.dispose();
  });
});

describe('centering', () => {
  it('starts μ at the data means and λ at ½, with plain biases b = logit(μ) − W·λ and c = −Wᵀ·μ', async () => {
    const rbm = new RBM({ visible: V, hidden: H, centering: true, threads: 0 });
    const { weights: W } = await rbm.getParameters();
    await rbm.fit(x, { epochs: 0, batchSize: 10, verbose: false });
    const p = await rbm.getParameters();
    expectClose(p.visibleOffset!, means, { atol: 1e-7, label: 'μ' });
    expectClose(p.hiddenOffset!, [0.5, 0.5, 0.5], { atol: 0, label: 'λ' });
    const w = (i: number, j: number) => W[i * H + j];
    expectClose(p.visibleBias, means.map((m, i) => logOdds(m) - 0.5 * (w(i, 0) + w(i, 1) + w(i, 2))), { atol: 1e-5, label: 'b' });
    expectClose(p.hiddenBias, [0, 1, 2].map((j) => -means.reduce((s, m, i) => s + m * w(i, j), 0)), { atol: 1e-5, label: 'c' });
    await rbm.dispose();
  });

  it('trains, and its model file holds the offsets and the means, loading to the same state', async () => {
    const rbm = new RBM({ visible: V, hidden: H, centering: { offsetRate: 0.05 }, learningRate: 0.05, momentum: 0, gradient: 'mean', threads: 0 });
    await rbm.fit(x, { epochs: 3, batchSize: 10, verbose: false });
    const state = await rbm.getState();
    expect(state.config.centering).toEqual({ offsetRate: 0.05 });
    expect(Array.from(state.parameters.hiddenOffset!)).not.toEqual([0.5, 0.5, 0.5]);
    const again = decodeModel(encodeModel(state), 'memory');
    expect(Array.from(again.parameters.visibleOffset!)).toEqual(Array.from(state.parameters.visibleOffset!));
    expect(Array.from(again.parameters.hiddenOffset!)).toEqual(Array.from(state.parameters.hiddenOffset!));
    expect(Array.from(again.dataMean!)).toEqual(Array.from(state.dataMean!));
    await rbm.dispose();
  });

  it('refuses parameters without offsets, and offsets on a plain model', async () => {
    const centred = new RBM({ visible: V, hidden: H, centering: true, threads: 0 });
    const { visibleOffset: _v, hiddenOffset: _h, ...plain } = await centred.getParameters();
    await expect(centred.setParameters(plain)).rejects.toThrow(/a centred model needs its offsets/);
    const ordinary = new RBM({ visible: V, hidden: H, threads: 0 });
    await expect(ordinary.setParameters({ ...(await ordinary.getParameters()), visibleOffset: new Float32Array(V), hiddenOffset: new Float32Array(H) })).rejects.toThrow(/only a centred model has offsets/);
    await centred.dispose();
    await ordinary.dispose();
  });
});

describe("AIS's base rates", () => {
  it('come from the data the model first trained on unless told otherwise', async () => {
    const rbm = new RBM({ visible: V, hidden: H, learningRate: 0.05, gradient: 'mean', momentum: 0 });
    await rbm.fit(x, { epochs: 5, batchSize: 10, verbose: false });
    const exact = (await rbm.logPartition({ method: 'exact' })).logZ;
    const byDefault = await rbm.logPartition({ method: 'ais', runs: 50, betas: 500 });
    const given = await rbm.logPartition({ method: 'ais', runs: 50, betas: 500, data: x });
    expect(Math.abs(byDefault.logZ - exact)).toBeLessThan(0.05);
    // The same base model up to the smoothing of the means: within the estimates' spread.
    expect(Math.abs(byDefault.logZ - given.logZ)).toBeLessThan(0.05);
    await rbm.dispose();
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, loadMnist, RBM, type Matrix } from '../src/node.js';
import { binaryData, expectClose, handParameters, randomParameters } from './helpers.js';

/** All 2^n binary vectors of length n. */
function allStates(n: number): number[][] {
  return Array.from({ length: 2 ** n }, (_, k) => Array.from({ length: n }, (_, j) => (k >> j) & 1));
}

async function model(V: number, H: number, seed: number, scale = 1): Promise<RBM> {
  const rbm = new RBM({ visible: V, hidden: H });
  await rbm.setParameters(randomParameters(V, H, seed, scale));
  return rbm;
}

/** log Z by brute force over both layers: log Σ_v Σ_h e^(−E(v, h)), written out independently. */
async function bruteForceLogZ(rbm: RBM): Promise<number> {
  const p = await rbm.getParameters();
  const [V, H] = [rbm.visible, rbm.hidden];
  const terms: number[] = [];
  for (const v of allStates(V)) {
    for (const h of allStates(H)) {
      let minusEnergy = 0;
      for (let i = 0; i < V; i++) minusEnergy += p.visibleBias[i] * v[i];
      for (let j = 0; j < H; j++) minusEnergy += p.hiddenBias[j] * h[j];
      for (let i = 0; i < V; i++) for (let j = 0; j < H; j++) minusEnergy += v[i] * p.weights[i * H + j] * h[j];
      terms.push(minusEnergy);
    }
  }
  const top = terms.reduce((m, t) => Math.max(m, t), -Infinity);
  return top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0));
}

describe('log Z', () => {
  it.each([
    [6, 4],
    [4, 8],
    [10, 10],
    [1, 3],
  ])('exact equals brute force over both layers at %i × %i', async (V, H) => {
    const rbm = await model(V, H, V * 7 + H, 1.5);
    const exact = await rbm.logPartition({ method: 'exact' });
    expect(exact.logZ).toBeCloseTo(await bruteForceLogZ(rbm), 9);
  });

  it('normalises: the probabilities of all visible states sum to 1', async () => {
    const rbm = await model(7, 5, 3, 2);
    const { logZ } = await rbm.logPartition({ method: 'exact' });
    const free = await rbm.freeEnergy(allStates(7));
    // Free energies come from float32 activations: equal to about 1e-7.
    expect(free.reduce((s, f) => s + Math.exp(-f - logZ), 0)).toBeCloseTo(1, 6);
    // logLikelihood is the mean of those log-probabilities.
    const x = allStates(7).slice(0, 5);
    const expected = -(await rbm.freeEnergy(x)).reduce((s, f) => s + f, 0) / 5 - logZ;
    expect(await rbm.logLikelihood(x, { method: 'exact' })).toBeCloseTo(expected, 6);
  });

  it('refuses exact enumeration of more than 24 units, and says what to use', async () => {
    const rbm = new RBM({ visible: 30, hidden: 30 });
    await expect(rbm.logPartition({ method: 'exact' })).rejects.toThrow(InvalidArgumentError);
    await expect(rbm.logPartition({ method: 'exact' })).rejects.toThrow(/2\^30 states.*method: 'ais'/);
  });

  it("AIS comes within 0.5 nats of exact for a trained 784-16 model, and reverse AIS from the data brackets it from above", async () => {
    const { train } = await loadMnist();
    const rows = 2000;
    const x: Matrix = { data: train.images.data.slice(0, rows * 784).map((p) => (p > 0.5 ? 1 : 0)), rows, cols: 784 };
    const rbm = new RBM({ visible: 784, hidden: 16, learningRate: 0.05, gradient: 'mean', momentum: 0.5 });
    await rbm.fit(x, { epochs: 5, batchSize: 100, verbose: false });
    const exact = await rbm.logPartition({ method: 'exact' });
    const ais = await rbm.logPartition({ method: 'ais', runs: 100, betas: 2000, data: x });
    expect(Math.abs(ais.logZ - exact.logZ), `AIS ${ais.logZ} vs exact ${exact.logZ}`).toBeLessThan(0.5);
    expect(ais.lower).toBeLessThanOrEqual(ais.upper);
    const reverse = await rbm.logPartition({ method: 'reverse-ais', runs: 100, betas: 2000, data: x });
    console.log(`log Z: exact ${exact.logZ}, AIS ${ais.logZ} [${ais.lower}, ${ais.upper}], reverse AIS ${reverse.logZ} [${reverse.lower}, ${reverse.upper}]`);
    // Reverse AIS errs high (a pessimistic log-likelihood): at or above exact, and not far.
    expect(reverse.logZ, `reverse AIS ${reverse.logZ} vs exact ${exact.logZ}`).toBeGreaterThan(exact.logZ - 0.5);
    expect(reverse.logZ - exact.logZ).toBeLessThan(3);
    await rbm.dispose();
  });
});

describe('metrics', () => {
  it('pseudo-likelihood equals the hand computation on fixed bits', async () => {
    const rbm = new RBM({ visible: 3, hidden: 2 });
    await rbm.setParameters(handParameters());
    const softplus = (a: number) => Math.log1p(Math.exp(a));
    // F(v) = −b·v − Σ_j softplus(c_j + (v·W)_j)
    // v = (1,0,1): v·W + c = (0.5 − 0.5 − 0.4, −1 + 2 + 0.6) = (−0.4, 1.6); b·v = 0.4
    // v̂ = (1,1,1) (unit 1 flipped): (−0.4 + 1, 1.6 + 0.25) = (0.6, 1.85); b·v̂ = 0.2
    const F = -0.4 - softplus(-0.4) - softplus(1.6);
    const Fflip = -0.2 - softplus(0.6) - softplus(1.85);
    const [score] = await rbm.pseudoLikelihood([[1, 0, 1]], { flip: [1] });
    expect(score).toBeCloseTo(3 * Math.log(1 / (1 + Math.exp(-(Fflip - F)))), 6);
  });

  it('pseudo-likelihood with a seed repeats; without one it draws fresh bits', async () => {
    const rbm = await model(20, 6, 9);
    const x = binaryData(50, 20, 1);
    const a = await rbm.pseudoLikelihood(x, { seed: 4 });
    expect(Array.from(await rbm.pseudoLikelihood(x, { seed: 4 }))).toEqual(Array.from(a));
    expect(Array.from(await rbm.pseudoLikelihood(x))).not.toEqual(Array.from(await rbm.pseudoLikelihood(x)));
    expect(a.every((s) => s <= 0)).toBe(true);
  });

  it('reconstruction error is the mean squared error and cross-entropy of reconstruct', async () => {
    const rbm = await model(8, 3, 5);
    const x = binaryData(10, 8, 2);
    const r = await rbm.reconstruct(x);
    let squared = 0;
    let entropy = 0;
    x.data.forEach((v, k) => {
      squared += (v - r.data[k]) ** 2;
      entropy -= v * Math.log(r.data[k]) + (1 - v) * Math.log(1 - r.data[k]);
    });
    const e = await rbm.reconstructionError(x);
    expect(e.meanSquared).toBeCloseTo(squared / 80, 7);
    expect(e.crossEntropy).toBeCloseTo(entropy / 10, 5);
  });

  it('free-energy gap compares held-out with training rows', async () => {
    const rbm = await model(8, 3, 6);
    const [a, b] = [binaryData(10, 8, 3), binaryData(10, 8, 4)];
    const mean = (f: Float64Array) => f.reduce((s, v) => s + v, 0) / f.length;
    expect(await rbm.freeEnergyGap(a, b)).toBeCloseTo(mean(await rbm.freeEnergy(b)) - mean(await rbm.freeEnergy(a)), 9);
  });
});

describe('metrics while training', () => {
  it('are computed after every epoch, reported and returned, without changing training', async () => {
    const x = binaryData(60, 10, 11);
    const validation = binaryData(20, 10, 12);
    const reports: (number | undefined)[] = [];
    const lines: string[] = [];
    const rbm = new RBM({ visible: 10, hidden: 4, learningRate: 0.05 });
    const result = await rbm.fit(x, {
      epochs: 3,
      batchSize: 10,
      metrics: ['reconstructionError', 'crossEntropy', 'pseudoLikelihood', 'freeEnergyGap', 'logLikelihood'],
      validation,
      log: (l) => lines.push(l),
      onEpoch: (r) => reports.push(r.metrics?.logLikelihood),
    });
    expect(Object.keys(result.metrics!)).toHaveLength(5);
    expect(result.metrics!.logLikelihood).toEqual(reports);
    expect(result.metrics!.logLikelihood![2]).toBeCloseTo(await rbm.logLikelihood(validation), 6);
    expect(result.metrics!.freeEnergyGap![2]).toBeCloseTo(await rbm.freeEnergyGap(x, validation), 6);
    expect(lines[2]).toMatch(/^ {2}reconstructionError 0\.\d{4}, crossEntropy \d+\.\d{4}, pseudoLikelihood -\d+\.\d{4}/);
    const plain = new RBM({ visible: 10, hidden: 4, learningRate: 0.05 });
    await plain.fit(x, { epochs: 3, batchSize: 10, verbose: false });
    expect((await plain.getParameters()).weights).toEqual((await rbm.getParameters()).weights);
  });

  it('refuses freeEnergyGap without held-out rows', async () => {
    const rbm = new RBM({ visible: 10, hidden: 4 });
    await expect(rbm.fit(binaryData(10, 10, 1), { epochs: 1, batchSize: 5, metrics: ['freeEnergyGap'] })).rejects.toThrow(/give them as validation/);
  });
});

describe('inpainting', () => {
  it('never changes a clamped unit and fills the rest with probabilities', async () => {
    const rbm = await model(30, 10, 8);
    const x = binaryData(12, 30, 5, 0.4);
    const mask = binaryData(12, 30, 6, 0.5);
    const out = await rbm.inpaint(x, mask, { steps: 20 });
    for (let k = 0; k < x.data.length; k++) {
      if (mask.data[k] === 1) expect(out.data[k]).toBe(x.data[k]);
      else expect(out.data[k] > 0 && out.data[k] < 1).toBe(true);
    }
  });

  it('rejects a mask of the wrong shape or with values other than 0 and 1', async () => {
    const rbm = await model(4, 2, 1);
    await expect(rbm.inpaint([[1, 0, 1, 0]], [[1, 0, 1]])).rejects.toThrow(/mask: has 3 columns; expected 4/);
    await expect(rbm.inpaint([[1, 0, 1, 0]], [[1, 0.5, 1, 0]])).rejects.toThrow(/mask: expected 1 for known units and 0/);
  });
});

describe('evaluation on the GPU', () => {
  it('sums log Z over 2^21 states in chunks, as the CPU does', async () => {
    const cpu = await model(40, 21, 13, 0.3);
    const gpu = new RBM({ visible: 40, hidden: 21, useGPU: true });
    await gpu.setParameters(await cpu.getParameters());
    const [a, b] = [await cpu.logPartition({ method: 'exact' }), await gpu.logPartition({ method: 'exact' })];
    expectClose([b.logZ], [a.logZ], { atol: 1e-3, rtol: 1e-6 });
    await gpu.dispose();
  });

  it('gives the same exact log-likelihood as on the CPU', async () => {
    const cpu = await model(10, 6, 12);
    const gpu = new RBM({ visible: 10, hidden: 6, useGPU: true });
    await gpu.setParameters(await cpu.getParameters());
    const x = binaryData(20, 10, 7);
    expectClose([await gpu.logLikelihood(x)], [await cpu.logLikelihood(x)], { atol: 1e-4, rtol: 1e-6 });
    await gpu.dispose();
  });
});

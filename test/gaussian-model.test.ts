// Gaussian visible units through the public API: train on real-valued data, check the
// log-likelihood the library reports against our own computation from the saved model file,
// compare it with a diagonal Gaussian, save and load, and refuse what does not apply.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, readFloat32 } from '../src/io/safetensors.js';
import { InvalidArgumentError, RBM, type Matrix } from '../src/node.js';
import { Phase, philoxUniforms } from '../src/rng/stream.js';

const dir = mkdtempSync(join(tmpdir(), 'rbm-gaussian-'));
const models: RBM[] = [];
afterAll(async () => {
  for (const m of models) await m.dispose();
});

/**
 * Rows from a mixture of three 6-dimensional Gaussians with different means and spreads:
 * real values far outside [0, 1], with structure a diagonal Gaussian cannot capture.
 */
function mixture(rows: number, seed: number): Matrix {
  const V = 6;
  const centres = [[3, 3, 3, -2, -2, -2], [-3, 0, 3, 0, -3, 0], [0, -4, 0, 4, 0, -4]];
  const u = new Float32Array(rows * 2 * (V + 1));
  philoxUniforms({ seed, phase: Phase.init, epoch: 0, batch: 0 }, rows, 2 * (V + 1), u);
  const data = new Float32Array(rows * V);
  for (let r = 0; r < rows; r++) {
    const k = Math.floor(u[r * 2 * (V + 1)] * 3);
    for (let i = 0; i < V; i++) {
      const [a, b] = [u[r * 2 * (V + 1) + 2 + 2 * i], u[r * 2 * (V + 1) + 3 + 2 * i]];
      const normal = Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b);
      data[r * V + i] = centres[k][i] + (0.5 + 0.1 * i) * normal;
    }
  }
  return { data, rows, cols: V };
}

/** Mean log-density of `x` under the diagonal Gaussian fitted to `fit` by maximum likelihood. */
function diagonalGaussianLL(fit: Matrix, x: Matrix): number {
  const V = fit.cols;
  let total = 0;
  for (let i = 0; i < V; i++) {
    let [s, ss] = [0, 0];
    for (let r = 0; r < fit.rows; r++) s += fit.data[r * V + i];
    const mean = s / fit.rows;
    for (let r = 0; r < fit.rows; r++) ss += (fit.data[r * V + i] - mean) ** 2;
    const variance = ss / fit.rows;
    for (let r = 0; r < x.rows; r++) total += -0.5 * Math.log(2 * Math.PI * variance) - (x.data[r * V + i] - mean) ** 2 / (2 * variance);
  }
  return total / x.rows;
}

/**
 * Mean log p(v) from a model file, computed here from the definition: log Σ_h e^(−E(v, h))
 * minus log Z, log Z by summing over hidden states with the Gaussian integral done in closed form.
 */
function logLikelihoodFromFile(path: string, x: Matrix): number {
  const file = decodeSafetensors(new Uint8Array(readFileSync(path)), path);
  const t = (name: string) => readFloat32(file.tensors.get(name)!);
  const [W, b, c, z] = [t('w'), t('visible_bias'), t('hidden_bias'), t('visible_log_variance')];
  const [V, H] = [b.length, c.length];
  const states = Array.from({ length: 2 ** H }, (_, s) => Array.from({ length: H }, (_, j) => (s >> j) & 1));
  const logSumExp = (terms: number[]) => {
    const top = Math.max(...terms);
    return top + Math.log(terms.reduce((acc, t) => acc + Math.exp(t - top), 0));
  };
  const logZ =
    z.reduce((acc, zi) => acc + 0.5 * Math.log(2 * Math.PI * Math.exp(zi)), 0) +
    logSumExp(states.map((h) => {
      let term = h.reduce((acc, hj, j) => acc + c[j] * hj, 0);
      for (let i = 0; i < V; i++) {
        const m = b[i] + h.reduce((acc, hj, j) => acc + W[i * H + j] * hj, 0);
        term += (m * m - b[i] * b[i]) / (2 * Math.exp(z[i]));
      }
      return term;
    }));
  let total = 0;
  for (let r = 0; r < x.rows; r++) {
    const v = Array.from(x.data.subarray(r * V, (r + 1) * V));
    total += logSumExp(states.map((h) => {
      let minusE = h.reduce((acc, hj, j) => acc + c[j] * hj, 0);
      for (let i = 0; i < V; i++) {
        minusE -= (v[i] - b[i]) ** 2 / (2 * Math.exp(z[i]));
        for (let j = 0; j < H; j++) minusE += (v[i] / Math.exp(z[i])) * W[i * H + j] * h[j];
      }
      return minusE;
    }));
  }
  return total / x.rows - logZ;
}

describe('a Gaussian RBM trained through the public API', () => {
  const train = mixture(3000, 1);
  const test = mixture(1000, 2);
  // PCD-5 with few hidden units: CD-1 leaves spurious modes (hidden states whose means fall between the clusters) unpunished.
  const options = { visible: 6, hidden: 4, visibleType: 'gaussian', learningRate: 0.01, momentum: 0.5, gradient: 'mean', statistics: 'probabilities', persistent: true, cdSteps: 5, visibleBiasInit: 'data', threads: 0 } as const;

  it('learns a log-likelihood far above a diagonal Gaussian, which our own computation from the file confirms', async () => {
    const rbm = new RBM(options);
    models.push(rbm);
    const lines: string[] = [];
    const history = await rbm.fit(train, { epochs: 50, batchSize: 50, log: (line) => lines.push(line) });
    expect(lines.some((l) => l.startsWith('# Gaussian visible units'))).toBe(true);
    expect(lines.some((l) => l.startsWith('Epoch [50/50], Reconstruction MSE: '))).toBe(true);
    expect(history.klDivergence[49]).toBeLessThan(history.klDivergence[0] / 2);
    const path = join(dir, 'gaussian.safetensors');
    await rbm.save(path);
    const ours = await rbm.logLikelihood(test, { method: 'exact' });
    const recomputed = logLikelihoodFromFile(path, test);
    expect(Math.abs(ours - recomputed)).toBeLessThan(1e-3);
    const diagonal = diagonalGaussianLL(train, test);
    // The mixture's components are well separated: the RBM must find them.
    expect(ours).toBeGreaterThan(diagonal + 1);
    const ais = await rbm.logPartition({ method: 'ais', runs: 100, betas: 2000 });
    const exact = await rbm.logPartition({ method: 'exact' });
    expect(Math.abs(ais.logZ - exact.logZ)).toBeLessThan(0.2);
    const reverse = await rbm.logPartition({ method: 'reverse-ais', runs: 100, betas: 2000, data: test });
    expect(Math.abs(reverse.logZ - exact.logZ)).toBeLessThan(0.2);

    const loaded = await RBM.load(path, { threads: 0 });
    models.push(loaded);
    expect(loaded.options.visibleType).toBe('gaussian');
    expect(await loaded.logLikelihood(test, { method: 'exact' })).toBe(ours);
    const [p, q] = [await rbm.getParameters(), await loaded.getParameters()];
    expect(Array.from(q.visibleLogVariance!)).toEqual(Array.from(p.visibleLogVariance!));
  }, 120_000);

  it('samples real values around the means, and inpaints missing values', async () => {
    const rbm = new RBM(options);
    models.push(rbm);
    await rbm.fit(train, { epochs: 10, batchSize: 50, verbose: false });
    const samples = await rbm.daydream(200, { chains: 300 });
    const mean = (m: Matrix, i: number) => Array.from({ length: m.rows }, (_, r) => m.data[r * m.cols + i]).reduce((s, v) => s + v, 0) / m.rows;
    for (let i = 0; i < 6; i++) expect(Math.abs(mean(samples, i) - mean(train, i))).toBeLessThan(0.8);
    // Hide the last three values of each test row: the completion must beat the column means.
    const mask = { data: Float32Array.from({ length: test.data.length }, (_, k) => (k % 6 < 3 ? 1 : 0)), rows: test.rows, cols: 6 };
    const filled = await rbm.inpaint(test, mask, { steps: 20 });
    let [errorFilled, errorMean] = [0, 0];
    for (let r = 0; r < test.rows; r++) {
      for (let i = 3; i < 6; i++) {
        errorFilled += (filled.data[r * 6 + i] - test.data[r * 6 + i]) ** 2;
        errorMean += (mean(train, i) - test.data[r * 6 + i]) ** 2;
      }
      for (let i = 0; i < 3; i++) expect(filled.data[r * 6 + i]).toBe(test.data[r * 6 + i]);
    }
    expect(errorFilled).toBeLessThan(0.5 * errorMean);
  }, 60_000);

  it('refuses what applies to binary units only, and learnVariance without Gaussian units', async () => {
    const rbm = new RBM(options);
    models.push(rbm);
    await expect(rbm.pseudoLikelihood(test)).rejects.toThrow(InvalidArgumentError);
    await expect(rbm.fit(train, { epochs: 1, batchSize: 50, metrics: ['crossEntropy'] })).rejects.toThrow(/binary visible units only/);
    expect(() => new RBM({ visible: 6, hidden: 2, learnVariance: false })).toThrow(/learnVariance/);
    expect(() => new RBM({ ...options, centering: true })).toThrow(/centering/);
    expect(() => new RBM({ ...options, visibleType: 'gausian' as 'gaussian' })).toThrow(/visibleType/);
    const binary = new RBM({ visible: 6, hidden: 2, threads: 0 });
    models.push(binary);
    await expect(binary.fit(train, { epochs: 1, batchSize: 50 })).rejects.toThrow(/\[0, 1\]/);
    const error = await rbm.reconstructionError(test);
    expect(error.crossEntropy).toBeUndefined();
    expect(error.meanSquared).toBeGreaterThan(0);
  });
});

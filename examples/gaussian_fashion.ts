// A Gaussian-Bernoulli RBM (Cho, Ilin & Raiko 2011) on Fashion-MNIST's pixels as real values,
// each pixel standardised with the training set's mean and spread: prints the test
// log-likelihood (exact: the hidden layer is small enough to sum over) beside that of a
// diagonal Gaussian fitted to the same rows, and draws the filters and samples as pictures
// (gaussian_filters.png, gaussian_samples.png).
// Usage: npm run gaussian:fashion [-- --hidden 16 --epochs 10 --rows 60000 --fixed-variance --use-gpu]
import { parseArgs } from 'node:util';
import { grid, loadFashionMnist, RBM, writePng, type Matrix } from '../src/node.js';

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '16' },
    epochs: { type: 'string', default: '10' },
    rows: { type: 'string', default: '60000' },
    'fixed-variance': { type: 'boolean', default: false },
    'use-gpu': { type: 'boolean', default: false },
  },
});
const hidden = Number(values.hidden);
const epochs = Number(values.epochs);

/** The smallest pixel spread standardisation divides by (border pixels hardly vary). */
const MIN_SPREAD = 0.05;

interface Standardisation {
  readonly mean: Float64Array;
  readonly spread: Float64Array;
}

function columnStatistics(m: Matrix): Standardisation {
  const [mean, spread] = [new Float64Array(m.cols), new Float64Array(m.cols)];
  for (let r = 0; r < m.rows; r++) for (let i = 0; i < m.cols; i++) mean[i] += m.data[r * m.cols + i] / m.rows;
  for (let r = 0; r < m.rows; r++) for (let i = 0; i < m.cols; i++) spread[i] += (m.data[r * m.cols + i] - mean[i]) ** 2 / m.rows;
  for (let i = 0; i < m.cols; i++) spread[i] = Math.max(Math.sqrt(spread[i]), MIN_SPREAD);
  return { mean, spread };
}

const standardise = (m: Matrix, s: Standardisation): Matrix => ({ ...m, data: m.data.map((x, k) => (x - s.mean[k % m.cols]) / s.spread[k % m.cols]) });
const pixels = (m: Matrix, s: Standardisation): Matrix => ({ ...m, data: m.data.map((x, k) => Math.min(1, Math.max(0, x * s.spread[k % m.cols] + s.mean[k % m.cols]))) });

/** Mean log-density of `x` under the diagonal Gaussian fitted to `fit` by maximum likelihood. */
function diagonalGaussian(fit: Matrix, x: Matrix): number {
  const s = columnStatistics({ ...fit, data: fit.data });
  let total = 0;
  for (let r = 0; r < x.rows; r++) {
    for (let i = 0; i < x.cols; i++) {
      const variance = s.spread[i] ** 2;
      total += -0.5 * Math.log(2 * Math.PI * variance) - (x.data[r * x.cols + i] - s.mean[i]) ** 2 / (2 * variance);
    }
  }
  return total / x.rows;
}

const { train, test } = await loadFashionMnist();
const rows = Math.min(Number(values.rows), train.images.rows);
const raw = { data: train.images.data.subarray(0, rows * 784), rows, cols: 784 };
const statistics = columnStatistics(raw);
const [x, t] = [standardise(raw, statistics), standardise(test.images, statistics)];

const rbm = new RBM({
  visible: 784,
  hidden,
  visibleType: 'gaussian',
  learnVariance: !values['fixed-variance'],
  visibleBiasInit: 'data',
  learningRate: 0.001,
  momentum: 0.5,
  gradient: 'mean',
  statistics: 'probabilities',
  persistent: true,
  useGPU: values['use-gpu'],
});
try {
  const began = performance.now();
  await rbm.fit(x, { epochs, batchSize: 100 });
  const seconds = (performance.now() - began) / 1000;
  const logZ = (await rbm.logPartition({ method: 'exact' })).logZ;
  const ours = await rbm.logLikelihood(t, { method: 'exact', logZ });
  const diagonal = diagonalGaussian(x, t);
  console.log(`\n784-${hidden} Gaussian RBM, ${epochs} epochs on ${rows} rows (${(seconds / epochs).toFixed(1)} s per epoch on ${(await rbm.device()).device})`);
  console.log(`test log-likelihood, nats per image of standardised pixels:`);
  console.log(`  Gaussian RBM       ${ours.toFixed(1)}   (exact log Z ${logZ.toFixed(1)})`);
  console.log(`  diagonal Gaussian  ${diagonal.toFixed(1)}`);
  console.log(`  difference         ${(ours - diagonal).toFixed(1)}`);

  const p = await rbm.getParameters();
  const filters = Array.from({ length: hidden }, (_, j) => Float32Array.from({ length: 784 }, (_, i) => p.weights[i * hidden + j]));
  await writePng('gaussian_filters.png', grid(filters, 28, 28, { columns: Math.min(hidden, 8), shading: 'signed' }));
  const samples = pixels(await rbm.daydream(1000, { chains: 16, probabilities: true }), statistics);
  await writePng('gaussian_samples.png', grid(Array.from({ length: 16 }, (_, r) => samples.data.subarray(r * 784, (r + 1) * 784)), 28, 28, { columns: 8 }));
  console.log('gaussian_filters.png: each hidden unit\'s weights (white positive, black negative); gaussian_samples.png: 16 chains after 1,000 Gibbs steps, as pixels');
} finally {
  await rbm.dispose();
}

// Hidden unit types on binarised MNIST: binary, Gaussian and ReLU hidden units (docs/layers.md)
// trained with the same recipe, their test pseudo-likelihood per site beside the figures of
// PGM's MNIST notebook (jertubiana/PGM; other settings, for context), the reconstruction's
// cross-entropy, and seconds per epoch.
// Validation first: on 2,000 rows, one epoch of each type on the default backend against the
// TypeScript reference (threads: 0): every batch's KL within 1e-3 and γ within 1e-3; then every
// reported figure finite. A failure exits 1 after the JSON is written.
// Usage: npm run bench:layers [-- --hidden 100 --epochs 10 --types binary,gaussian,relu --gpu --json FILE]
import { parseArgs } from 'node:util';
import { loadMnist, RBM, type HiddenType, type Matrix, type RbmOptions } from '../src/node.js';
import { machine, table, Validation, writeResults } from './report.js';

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '100' },
    epochs: { type: 'string', default: '10' },
    types: { type: 'string', default: 'binary,gaussian,relu' },
    gpu: { type: 'boolean', default: false },
    json: { type: 'string', default: 'bench/results/layers.json' },
  },
});
const hidden = Number(values.hidden);
const epochs = Number(values.epochs);
const types = values.types.split(',') as HiddenType[];
const binary = (m: Matrix): Matrix => ({ data: m.data.map((p) => (p > 0.5 ? 1 : 0)), rows: m.rows, cols: m.cols });
const { train, test } = await loadMnist();
const [x, y] = [binary(train.images), binary(test.images)];
const head = (m: Matrix, rows: number): Matrix => ({ data: m.data.subarray(0, rows * m.cols), rows, cols: m.cols });

/** One recipe for every type: PCD-1 with mean statistics, Hinton's momentum schedule, visible biases from the data. */
const recipe = (hiddenType: HiddenType): RbmOptions => ({
  visible: 784,
  hidden,
  hiddenType,
  learningRate: 0.01,
  gradient: 'mean',
  statistics: 'probabilities',
  persistent: true,
  weightDecay: 1e-4,
  momentumSchedule: [{ epoch: 1, momentum: 0.5 }, { epoch: 6, momentum: 0.9 }],
  visibleBiasInit: 'data',
  useGPU: values.gpu,
});

// PGM's MNIST notebook: test pseudo-likelihood per site (its recipes, not this bench's).
const PGM = { binary: -0.1, relu: undefined, gaussian: undefined } as Record<HiddenType, number | undefined>;
const PGM_DRELU = -0.053;

const TOLERANCE = 1e-3;
const validation = new Validation(TOLERANCE, "one epoch on 2,000 rows against the TypeScript reference (threads: 0): every batch's KL and every γ");
for (const type of types) {
  const [fast, reference] = [new RBM(recipe(type)), new RBM({ ...recipe(type), useGPU: false, threads: 0 })];
  const rows = head(x, 2000);
  const [a, b] = [await fast.fit(rows, { epochs: 1, batchSize: 100, verbose: false }), await reference.fit(rows, { epochs: 1, batchSize: 100, verbose: false })];
  const [pa, pb] = [await fast.getParameters(), await reference.getParameters()];
  const pairs: [string, number, number][] = [['epoch KL', a.klDivergence[0], b.klDivergence[0]]];
  if (pa.hiddenGamma && pb.hiddenGamma) pa.hiddenGamma.forEach((g, j) => pairs.push([`γ[${j}]`, g, pb.hiddenGamma![j]]));
  validation.check(`${type}: ${(await fast.device()).device}`, pairs);
  await Promise.all([fast.dispose(), reference.dispose()]);
}

const results = [];
for (const type of types) {
  const rbm = new RBM(recipe(type));
  const seconds: number[] = [];
  await rbm.fit(x, { epochs, batchSize: 100, verbose: false, onEpoch: (r) => seconds.push(r.seconds) });
  const pseudo = await rbm.pseudoLikelihood(y, { seed: 1 });
  const perSite = pseudo.reduce((s, v) => s + v, 0) / pseudo.length / 784;
  const error = await rbm.reconstructionError(y);
  const sorted = seconds.slice(1).sort((p, q) => p - q);
  const row = {
    hiddenType: type,
    device: (await rbm.device()).device,
    epochs,
    finalKl: rbm.history.klDivergence.at(-1)!,
    testPseudoLikelihoodPerSite: perSite,
    testCrossEntropy: error.crossEntropy,
    medianEpochSeconds: sorted.length ? sorted[Math.floor(sorted.length / 2)] : seconds[0],
    pgmPerSite: PGM[type],
  };
  const finite = row.finalKl + perSite + (error.crossEntropy ?? NaN);
  validation.check(`${type}: figures finite`, [['finite', finite, finite]]);
  console.log(JSON.stringify(row));
  results.push(row);
  await rbm.dispose();
}
console.log();
console.log(
  table([
    ['hidden units', 'device', 'final KL', 'test PL / site', 'PGM (its recipe)', 'test cross-entropy', 's / epoch'],
    ...results.map((r) => [
      `784-${hidden} ${r.hiddenType}`,
      r.device,
      r.finalKl.toFixed(4),
      r.testPseudoLikelihoodPerSite.toFixed(4),
      r.pgmPerSite === undefined ? '—' : r.pgmPerSite.toFixed(3),
      (r.testCrossEntropy ?? NaN).toFixed(2),
      r.medianEpochSeconds.toFixed(2),
    ]),
  ]),
);
console.log(`\nBinarised MNIST, ${epochs} epochs of PCD-1, batch 100. Pseudo-likelihood per site: scikit-learn's (one random unit flipped per row) over 784.`);
console.log(`PGM's notebook: 784-100 Bernoulli RBM, PCD-1, 10 epochs: −0.100; 784-400 dReLU, PCD-10, 20 epochs: ${PGM_DRELU} (context, not a check).`);
await writeResults(values.json, { machine: machine(), hidden, epochs, results, validation });

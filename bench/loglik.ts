// Test log-likelihood of MNIST RBMs trained with CD-1, CD-10 and PCD: exact log Z for 784-16,
// annealed importance sampling (checked against exact at 784-16) for 784-64. Data binarised at
// 0.5, as log-likelihoods of binary RBMs are reported.
// Validation: AIS log Z within LOG_Z_TOLERANCE (0.5 nats: a small fraction of the gaps, 10 nats
// and more, between the algorithms ranked) of exact log Z wherever exact is computable, and every
// log Z and log-likelihood finite; a failure exits 1 after the JSON is written. AIS's ±3σ
// interval is reported, not checked: it can be unbounded below at 100 runs.
// Usage: npm run bench:loglik [-- --hidden 16,64 --epochs 10 --runs 100 --betas 5000 --json FILE]
import { parseArgs } from 'node:util';
import { loadMnist, MAX_EXACT_UNITS, RBM, type Matrix, type RbmOptions } from '../src/node.js';
import { machine, table, Validation, writeResults } from './report.js';

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '16,64' },
    epochs: { type: 'string', default: '10' },
    runs: { type: 'string', default: '100' },
    betas: { type: 'string', default: '5000' },
    json: { type: 'string', default: 'bench/results/loglik.json' },
  },
});
const binary = (m: Matrix): Matrix => ({ data: m.data.map((p) => (p > 0.5 ? 1 : 0)), rows: m.rows, cols: m.cols });
const { train, test } = await loadMnist();
const [x, y] = [binary(train.images), binary(test.images)];

const ALGORITHMS: [string, Partial<RbmOptions>][] = [
  ['CD-1', {}],
  ['CD-10', { cdSteps: 10 }],
  ['PCD', { persistent: true }],
];
const LOG_Z_TOLERANCE = 0.5;
const validation = new Validation(LOG_Z_TOLERANCE, 'log Z in nats, AIS against exact where computable; log Z and log-likelihoods finite');
const results = [];
for (const hidden of values.hidden.split(',').map(Number)) {
  for (const [name, algorithm] of ALGORITHMS) {
    const started = performance.now();
    const rbm = new RBM({
      visible: 784,
      hidden,
      learningRate: 0.05,
      gradient: 'mean',
      weightDecay: 0.0002,
      momentumSchedule: [{ epoch: 1, momentum: 0.5 }, { epoch: 6, momentum: 0.9 }],
      ...algorithm,
    });
    await rbm.fit(x, { epochs: Number(values.epochs), batchSize: 100, verbose: false });
    const trainSeconds = (performance.now() - started) / 1000;
    const ais = await rbm.logPartition({ method: 'ais', runs: Number(values.runs), betas: Number(values.betas), data: x });
    const exact = hidden <= MAX_EXACT_UNITS ? (await rbm.logPartition({ method: 'exact' })).logZ : undefined;
    const logZ = exact ?? ais.logZ;
    const [trainLL, testLL] = [await rbm.logLikelihood(x, { method: 'exact', logZ }), await rbm.logLikelihood(y, { method: 'exact', logZ })];
    const finite = ais.logZ + ais.upper + trainLL + testLL; // x − x is 0, unless x is not finite
    const pairs: [string, number, number][] = [['log Z and log-likelihoods finite', finite, finite]];
    if (exact !== undefined) pairs.unshift(['AIS − exact', ais.logZ, exact]);
    const check = validation.check(`784-${hidden} ${name}`, pairs);
    const row = {
      hidden,
      algorithm: name,
      epochs: Number(values.epochs),
      trainSeconds,
      logZ,
      logZMethod: exact === undefined ? 'ais' : 'exact',
      aisLogZ: ais.logZ,
      aisInterval: [ais.lower, ais.upper],
      trainLogLikelihood: trainLL,
      testLogLikelihood: testLL,
      check,
    };
    console.log(JSON.stringify(row));
    results.push(row);
    await rbm.dispose();
  }
}
if (!results.some((r) => r.logZMethod === 'exact')) console.log(`No model has ${MAX_EXACT_UNITS} hidden units or fewer: AIS is not checked against exact log Z in this run.`);
console.log();
console.log(
  table([
    ['model', 'training', 'log Z', 'AIS log Z (±3σ)', 'train LL', 'test LL', 'train s', `|AIS − exact| ≤ ${LOG_Z_TOLERANCE}`],
    ...results.map((r) => [
      `784-${r.hidden}`,
      r.algorithm,
      `${r.logZ.toFixed(2)} (${r.logZMethod})`,
      `${r.aisLogZ.toFixed(2)} (${r.aisInterval[0].toFixed(2)}, ${r.aisInterval[1].toFixed(2)})`,
      r.trainLogLikelihood.toFixed(2),
      r.testLogLikelihood.toFixed(2),
      r.trainSeconds.toFixed(0),
      r.logZMethod === 'exact' || !r.check.passed ? validation.cell(r.check) : 'no exact',
    ]),
  ]),
);
console.log('\nLog-likelihoods are mean nats per example on binarised MNIST (60,000 train, 10,000 test).');
console.log(`The last column compares AIS's log Z with exact log Z (${MAX_EXACT_UNITS} hidden units or fewer); every row is also checked finite.`);
await writeResults(values.json, { machine: machine(), epochs: Number(values.epochs), runs: Number(values.runs), betas: Number(values.betas), results, validation });

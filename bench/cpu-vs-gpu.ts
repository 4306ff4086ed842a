// Trains on MNIST with each backend and compares epoch times.
// The backends draw the same Philox stream, so the same model must give the same KL per epoch
// on both, to within float32 summation (KL_TOLERANCE, 1e-3): checked on 500 rows before the
// timed runs, then on every timed epoch when both backends are timed; a failure exits 1 after
// the JSON is written.
// Usage: npm run bench -- [--hidden 64,256,1024] [--epochs 2] [--batch-size 1000]
//                         [--backends cpu,gpu] [--rows 60000] [--json FILE]
import { parseArgs } from 'node:util';
import { loadMnist, RBM, type Matrix } from '../src/node.js';
import { machine, table, Validation, writeResults, type Check } from './report.js';

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '64,256,1024' },
    epochs: { type: 'string', default: '2' },
    'batch-size': { type: 'string', default: '1000' },
    backends: { type: 'string', default: 'cpu,gpu' },
    rows: { type: 'string', default: '60000' },
    json: { type: 'string', default: 'bench/results/cpu-vs-gpu.json' },
  },
});

const KL_TOLERANCE = 1e-3;
/** The check before the timed runs: a few hundred rows, a few batches, two epochs. */
const CHECK = { rows: 500, batchSize: 100, epochs: 2 };
const hiddens = values.hidden.split(',').map(Number);
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const backends = values.backends.split(',') as ('cpu' | 'gpu')[];
const { train } = await loadMnist();
const rows = Math.min(Number(values.rows), train.images.rows);
const first = (n: number): Matrix => ({ data: train.images.data.subarray(0, n * 784), rows: n, cols: 784 });
const x = first(rows);

interface Run {
  device: string;
  epochSeconds: number[];
  kernelSeconds: (number | null)[];
  klDivergence: number[];
}

async function run(backend: 'cpu' | 'gpu', hidden: number, data: Matrix, n: number, batch: number, log: boolean): Promise<Run> {
  const rbm = new RBM({ visible: 784, hidden, useGPU: backend === 'gpu' });
  const epochSeconds: number[] = [];
  const kernelSeconds: (number | null)[] = [];
  try {
    const { device } = await rbm.device();
    if (log) console.log(`${backend} 784-${hidden}, ${data.rows} rows, batch ${batch}, ${n} epochs on ${device}`);
    const history = await rbm.fit(data, {
      epochs: n,
      batchSize: batch,
      verbose: false,
      onEpoch: (r) => {
        epochSeconds.push(r.seconds);
        kernelSeconds.push(r.deviceSeconds ?? null);
        if (log) console.log(`  epoch ${r.epoch}: ${r.seconds.toFixed(3)} s${r.deviceSeconds ? ` (kernels ${r.deviceSeconds.toFixed(3)} s)` : ''}, KL ${r.klDivergence.toFixed(4)}`);
      },
    });
    return { device, epochSeconds, kernelSeconds, klDivergence: history.klDivergence };
  } finally {
    await rbm.dispose();
  }
}

/** `[label, GPU, CPU]` per epoch. */
const klPairs = (gpu: Run, cpu: Run): [string, number, number][] => gpu.klDivergence.map((kl, i) => [`epoch ${i + 1}`, kl, cpu.klDivergence[i]]);

const validation = new Validation(KL_TOLERANCE, 'per-epoch KL, GPU against CPU, the same model and random stream');
for (const hidden of hiddens) {
  const cpu = await run('cpu', hidden, first(CHECK.rows), CHECK.epochs, CHECK.batchSize, false);
  const gpu = await run('gpu', hidden, first(CHECK.rows), CHECK.epochs, CHECK.batchSize, false);
  validation.check(`784-${hidden}, ${CHECK.rows} rows, before timing`, klPairs(gpu, cpu));
}
if (!validation.passed) console.log('Nothing timed: the backends disagree before timing.');

interface Result extends Run {
  backend: 'cpu' | 'gpu';
  hidden: number;
  batchSize: number;
  rows: number;
  gflops: number;
}
const results: Result[] = [];
const checks = new Map<number, Check>();
let adapter = 'none';
for (const hidden of validation.passed ? hiddens : []) {
  for (const backend of backends) {
    const r = await run(backend, hidden, x, epochs, batchSize, true);
    if (backend === 'gpu') adapter = r.device;
    // Six GEMM-sized products per batch: X·W, h0·Wᵀ, v1·W, the gradient's two (one K = 2B product) and the KL's h0·Wᵀ.
    const flops = 12 * rows * 784 * hidden;
    results.push({ ...r, backend, hidden, batchSize, rows, gflops: flops / Math.min(...r.epochSeconds) / 1e9 });
  }
  const [cpu, gpu] = (['cpu', 'gpu'] as const).map((b) => results.find((r) => r.backend === b && r.hidden === hidden));
  if (cpu && gpu) checks.set(hidden, validation.check(`784-${hidden}, timed runs`, klPairs(gpu, cpu)));
}

const cpuSeconds = (hidden: number) => results.find((r) => r.backend === 'cpu' && r.hidden === hidden)?.epochSeconds;
if (results.length) {
  console.log();
  console.log(
    table([
      ['backend', 'model', 'rows', 'batch', 'best epoch s', 'kernels s', 'GFLOP/s', 'speed-up vs CPU', `|KL − CPU| ≤ ${KL_TOLERANCE}`],
      ...results.map((r) => {
        const best = Math.min(...r.epochSeconds);
        const cpu = cpuSeconds(r.hidden);
        const kernels = r.kernelSeconds.filter((s): s is number => s !== null);
        return [
          r.backend, `784-${r.hidden}`, r.rows, r.batchSize, best.toFixed(3),
          kernels.length ? Math.min(...kernels).toFixed(3) : '-', r.gflops.toFixed(2),
          cpu ? (Math.min(...cpu) / best).toFixed(2) : '-',
          r.backend === 'gpu' ? validation.cell(checks.get(r.hidden)) : '-',
        ];
      }),
    ]),
  );
  console.log(
    checks.size
      ? '\nThe last column is the largest per-epoch |KL(GPU) − KL(CPU)| of the timed runs; the checks before timing are printed above.'
      : '\nOne backend timed: the KL is checked against the other only before timing (printed above).',
  );
}
await writeResults(values.json, { machine: machine(), adapter, epochs, results, validation });

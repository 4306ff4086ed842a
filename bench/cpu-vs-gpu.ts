// Trains on MNIST with each backend and compares epoch times.
// The backends draw the same Philox stream, so the same model must give the same KL per epoch
// on both, to within float32 summation (KL_TOLERANCE, 1e-3): checked on 500 rows before the
// timed runs, then on every timed epoch when both backends are timed; a failure exits 1 after
// the JSON is written.
// Usage: npm run bench -- [--hidden 64,256,1024] [--epochs 2] [--batch-size 1000]
//                         [--backends cpu,gpu] [--rows 60000] [--json FILE]
import { parseArgs } from 'node:util';
import { loadMnist } from '../src/node.js';
import { checkBeforeTiming, firstRows, KL_TOLERANCE, klPairs, trainRun, type BackendName, type Run } from './epochs.js';
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

const hiddens = values.hidden.split(',').map(Number);
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const backends = values.backends.split(',') as BackendName[];
const { train } = await loadMnist();
const rows = Math.min(Number(values.rows), train.images.rows);
const x = firstRows(train.images, rows);

const validation = new Validation(KL_TOLERANCE, 'per-epoch KL, GPU against CPU, the same model and random stream');
await checkBeforeTiming(validation, hiddens, train.images);

interface Result extends Run {
  backend: BackendName;
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
    const r = await trainRun(backend, hidden, x, epochs, batchSize, true);
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

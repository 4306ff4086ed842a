// Trains on MNIST with each backend and compares epoch times.
// Usage: npm run bench -- [--hidden 64,256,1024] [--epochs 2] [--batch-size 1000]
//                         [--backends cpu,gpu] [--rows 60000] [--json FILE]
import { parseArgs } from 'node:util';
import { loadMnist, RBM, type Matrix } from '../src/node.js';
import { machine, table, writeJson } from './report.js';

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
const backends = values.backends.split(',') as ('cpu' | 'gpu')[];
const { train } = await loadMnist();
const rows = Math.min(Number(values.rows), train.images.rows);
const x: Matrix = { data: train.images.data.subarray(0, rows * 784), rows, cols: 784 };

interface Result {
  backend: 'cpu' | 'gpu';
  device: string;
  hidden: number;
  batchSize: number;
  rows: number;
  epochSeconds: number[];
  kernelSeconds: (number | null)[];
  gflops: number;
  klDivergence: number[];
}
const results: Result[] = [];
let adapter = 'none';

for (const hidden of hiddens) {
  for (const backend of backends) {
    const rbm = new RBM({ visible: 784, hidden, useGPU: backend === 'gpu' });
    const epochSeconds: number[] = [];
    const kernelSeconds: (number | null)[] = [];
    try {
      const { device } = await rbm.device();
      if (backend === 'gpu') adapter = device;
      console.log(`${backend} 784-${hidden}, ${rows} rows, batch ${batchSize}, ${epochs} epochs on ${device}`);
      const history = await rbm.fit(x, {
        epochs,
        batchSize,
        verbose: false,
        onEpoch: (r) => {
          epochSeconds.push(r.seconds);
          kernelSeconds.push(r.deviceSeconds ?? null);
          console.log(`  epoch ${r.epoch}: ${r.seconds.toFixed(3)} s${r.deviceSeconds ? ` (kernels ${r.deviceSeconds.toFixed(3)} s)` : ''}, KL ${r.klDivergence.toFixed(4)}`);
        },
      });
      // Six GEMM-sized products per batch: X·W, h0·Wᵀ, v1·W, the gradient's two (one K = 2B product) and the KL's h0·Wᵀ.
      const flops = 12 * rows * 784 * hidden;
      const best = Math.min(...epochSeconds);
      results.push({
        backend, device, hidden, batchSize, rows, epochSeconds, kernelSeconds,
        gflops: flops / best / 1e9,
        klDivergence: history.klDivergence,
      });
    } finally {
      await rbm.dispose();
    }
  }
}

const cpuSeconds = (hidden: number) => results.find((r) => r.backend === 'cpu' && r.hidden === hidden)?.epochSeconds;
console.log();
console.log(
  table([
    ['backend', 'model', 'rows', 'batch', 'best epoch s', 'kernels s', 'GFLOP/s', 'speed-up vs CPU'],
    ...results.map((r) => {
      const best = Math.min(...r.epochSeconds);
      const cpu = cpuSeconds(r.hidden);
      const kernels = r.kernelSeconds.filter((s): s is number => s !== null);
      return [
        r.backend, `784-${r.hidden}`, r.rows, r.batchSize, best.toFixed(3),
        kernels.length ? Math.min(...kernels).toFixed(3) : '-', r.gflops.toFixed(2),
        cpu ? (Math.min(...cpu) / best).toFixed(2) : '-',
      ];
    }),
  ]),
);
await writeJson(values.json, { machine: machine(), adapter, epochs, results });

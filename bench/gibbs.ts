// Gibbs sampling on each backend: a 500-step daydream of 16 chains and an inpaint of 10 rows ×
// 100 steps of a 784-16 model trained for an epoch on fixed bits (on the TypeScript reference,
// then loaded into each backend, so that all sample the same model). Validation first: each
// backend's results against the reference's (the same draws, so the same chains; both end on
// probabilities, compared within 1e-4); then each operation is timed `--repeats` times.
// Prints a table and writes bench/results/gibbs.json.
// Usage: npm run bench:gibbs [-- --backends cpu,gpu --repeats 3]
import { parseArgs } from 'node:util';
import { RBM, type Matrix } from '../src/node.js';
import { machine, table, Validation, writeResults } from './report.js';

const { values } = parseArgs({ options: { backends: { type: 'string', default: 'cpu,gpu' }, repeats: { type: 'string', default: '3' } } });
const backends = values.backends.split(',');
const repeats = Number(values.repeats);
const visible = 784;
const rows = (n: number, seed: number) => Array.from({ length: n }, (_, r) => Array.from({ length: visible }, (_, i) => ((r * 7919 + i * 104729 + seed) % 13 < 4 ? 1 : 0)));
const x = rows(10, 2);
const mask = x.map((row) => row.map((_, i) => (i < visible / 2 ? 1 : 0)));

/** The two operations, both ending on probabilities so that backends compare within a tolerance. */
const OPERATIONS: [name: string, work: (rbm: RBM) => Promise<Matrix>][] = [
  ['daydream, 500 steps × 16 chains', (rbm) => rbm.daydream(500, { chains: 16, probabilities: true })],
  ['inpaint, 10 rows × 100 steps', (rbm) => rbm.inpaint(x, mask, { steps: 100 })],
];

const TOLERANCE = 1e-4;
const validation = new Validation(TOLERANCE, "each backend's daydream and inpaint against the TypeScript reference's (same model, same draws), probabilities");
const reference = new RBM({ visible, hidden: 16, seed: 3, threads: 0 });
await reference.fit(rows(200, 1), { epochs: 1, batchSize: 50, verbose: false });
const state = await reference.getState();
// Each model draws from its stream in call order: the operations run first in this order on every backend.
const expected: Float32Array[] = [];
for (const [, work] of OPERATIONS) expected.push((await work(reference)).data);
await reference.dispose();

const results = [];
for (const backend of backends) {
  const rbm = await RBM.fromState(state, backend === 'gpu' ? { useGPU: true } : {});
  try {
    const device = (await rbm.device()).device;
    for (const [k, [name, work]] of OPERATIONS.entries()) {
      const got = (await work(rbm)).data;
      validation.check(`${backend} ${name}`, Array.from(got, (v, i) => [`value ${i}`, v, expected[k][i]]));
    }
    for (const [name, work] of OPERATIONS) {
      const seconds: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t = performance.now();
        await work(rbm);
        seconds.push((performance.now() - t) / 1000);
      }
      results.push({ backend, device, operation: name, seconds });
    }
  } finally {
    await rbm.dispose();
  }
}

console.log();
console.log(table([['backend', 'device', 'operation', 'seconds (each run)', 'best'], ...results.map((r) => [r.backend, r.device, r.operation, r.seconds.map((s) => s.toFixed(3)).join(' '), Math.min(...r.seconds).toFixed(3)])]));
await writeResults('bench/results/gibbs.json', { machine: machine(), repeats, results, validation });

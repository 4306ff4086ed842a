// Gibbs sampling on each backend: a 500-step daydream of 16 chains and an inpaint of 10 rows ×
// 100 steps of a 784-16 model trained for an epoch on fixed bits (on the TypeScript reference,
// then loaded into each backend, so that all sample the same model). `gpu-host-loop` is the GPU
// backend with its Gibbs loop run on the host, one `propagate` (a submit and a readback) per half
// step, as before the loop became one command buffer; the table gives the GPU's speed-up over it
// (the goal: at least SPEEDUP_GOAL times).
// Validation first: each backend's results against the reference's (the same draws, so the same
// chains; both end on probabilities, compared within 1e-4); then each operation is timed
// `--repeats` times, the backends taking turns within each repeat so that they share the noise.
// Prints a table and writes bench/results/gibbs.json.
// Usage: npm run bench:gibbs [-- --backends cpu,gpu,gpu-host-loop --repeats 5]
import { parseArgs } from 'node:util';
import type { Backend } from '../src/backend/backend.js';
import { HostBackend } from '../src/backend/host-backend.js';
import { RBM, type Matrix } from '../src/node.js';
import { machine, table, Validation, writeResults } from './report.js';

const { values } = parseArgs({ options: { backends: { type: 'string', default: 'cpu,gpu,gpu-host-loop' }, repeats: { type: 'string', default: '5' } } });
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

/**
 * Runs the GPU backend's Gibbs loops as HostBackend.gibbs does, a `propagate` per half step. No
 * public option selects this path, so the bench reaches into the model for its backend.
 */
async function runOnHostLoop(rbm: RBM): Promise<void> {
  const backend = await (rbm as unknown as { backend: Promise<Backend> }).backend;
  backend.gibbs = (job) => HostBackend.prototype.gibbs.call(backend as unknown as HostBackend, job);
}

async function open(backend: string): Promise<RBM> {
  const rbm = await RBM.fromState(state, backend === 'cpu' ? {} : { useGPU: true });
  if (backend === 'gpu-host-loop') await runOnHostLoop(rbm);
  return rbm;
}

const TOLERANCE = 1e-4;
const SPEEDUP_GOAL = 5;
const validation = new Validation(TOLERANCE, "each backend's daydream and inpaint against the TypeScript reference's (same model, same draws), probabilities");
const reference = new RBM({ visible, hidden: 16, seed: 3, threads: 0 });
await reference.fit(rows(200, 1), { epochs: 1, batchSize: 50, verbose: false });
const state = await reference.getState();
// Each model draws from its stream in call order: the operations run first in this order on every backend.
const expected: Float32Array[] = [];
for (const [, work] of OPERATIONS) expected.push((await work(reference)).data);
await reference.dispose();

const models = new Map<string, RBM>();
const results: { backend: string; device: string; operation: string; seconds: number[] }[] = [];
try {
  for (const backend of backends) {
    const rbm = await open(backend);
    models.set(backend, rbm);
    for (const [k, [name, work]] of OPERATIONS.entries()) {
      const got = (await work(rbm)).data;
      validation.check(`${backend} ${name}`, Array.from(got, (v, i) => [`value ${i}`, v, expected[k][i]]));
    }
  }
  for (const [name] of OPERATIONS) {
    for (const [backend, rbm] of models) results.push({ backend, device: (await rbm.device()).device, operation: name, seconds: [] });
  }
  for (let r = 0; r < repeats; r++) {
    for (const [k, [, work]] of OPERATIONS.entries()) {
      for (const [b, rbm] of [...models.values()].entries()) {
        const t = performance.now();
        await work(rbm);
        results[k * models.size + b].seconds.push((performance.now() - t) / 1000);
      }
    }
  }
} finally {
  for (const rbm of models.values()) await rbm.dispose();
}

const best = (r: (typeof results)[number]) => Math.min(...r.seconds);
/** The GPU's speed-up over its own host loop, from the best runs of the same operation. */
const speedups = OPERATIONS.flatMap(([operation]) => {
  const [gpu, hostLoop] = ['gpu', 'gpu-host-loop'].map((backend) => results.find((r) => r.backend === backend && r.operation === operation));
  if (!gpu || !hostLoop) return [];
  const ratio = best(hostLoop) / best(gpu);
  return [{ operation, oneCommandBuffer: best(gpu), hostLoop: best(hostLoop), ratio, goal: SPEEDUP_GOAL, met: ratio >= SPEEDUP_GOAL }];
});
const ratioOf = (r: (typeof results)[number]) => {
  const s = r.backend === 'gpu' ? speedups.find((x) => x.operation === r.operation) : undefined;
  return s ? `${s.ratio.toFixed(1)}× (goal ${s.goal}×${s.met ? '' : ', not met'})` : '';
};

console.log();
console.log(table([
  ['backend', 'device', 'operation', 'seconds (each run)', 'best', 'vs host loop'],
  ...results.map((r) => [r.backend, r.device, r.operation, r.seconds.map((s) => s.toFixed(3)).join(' '), best(r).toFixed(3), ratioOf(r)]),
]));
await writeResults('bench/results/gibbs.json', { machine: machine(), repeats, results, speedups, validation });

// A label layer and softmax visible groups through the RBM class with useGPU: true, against the
// same models on the TypeScript reference (threads: 0): the curves, the parameters and the
// predictions agree, and the GPU's banner says where it ran. A GPU suite: it fails without an
// adapter, never skips.
import { describe, expect, it } from 'vitest';
import { RBM, type Matrix, type RbmOptions } from '../src/node.js';
import { Phase, philoxUniforms } from '../src/rng/stream.js';
import { expectClose } from './helpers.js';

/** Rows of `cols` binary values in `groups` one-hot groups, and a class per row that the first group decides. */
function categorical(rows: number, groups: number, size: number, seed: number): { x: Matrix; y: Uint32Array } {
  const u = new Float32Array(rows * groups);
  philoxUniforms({ seed, phase: Phase.init, epoch: 0, batch: 0 }, rows, groups, u);
  const data = new Float32Array(rows * groups * size);
  const y = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      // The later groups copy the first group's category half the time.
      const k = g > 0 && u[r * groups + g] < 0.5 ? Math.floor(u[r * groups] * size) : Math.floor(u[r * groups + g] * size);
      data[r * groups * size + g * size + k] = 1;
    }
    y[r] = Math.floor(u[r * groups] * size) % 3;
  }
  return { x: { data, rows, cols: groups * size }, y };
}

async function both(options: RbmOptions, train: (rbm: RBM) => Promise<number[]>, probe: (rbm: RBM) => Promise<Float32Array>) {
  const runs = [];
  for (const useGPU of [false, true]) {
    const rbm = new RBM({ ...options, useGPU, threads: 0 });
    try {
      const curve = await train(rbm);
      runs.push({ curve, p: await rbm.getParameters(), probe: await probe(rbm), device: (await rbm.device()).backend });
    } finally {
      await rbm.dispose();
    }
  }
  expect(runs.map((r) => r.device)).toEqual(['cpu', 'webgpu']);
  return runs;
}

describe('labelled and softmax models with useGPU: true', () => {
  const { x, y } = categorical(90, 3, 4, 5);

  it('a discriminative classification RBM trains and predicts as on the reference', async () => {
    const [cpu, gpu] = await both(
      { visible: 12, hidden: 6, labels: 3, learningRate: 0.1, gradient: 'mean', momentum: 0.5 },
      async (rbm) => (await rbm.fit(x, { epochs: 3, batchSize: 20, labels: y, verbose: false })).klDivergence,
      async (rbm) => (await rbm.predictProba(x)).data,
    );
    expectClose(gpu.curve, cpu.curve, { atol: 1e-5, rtol: 1e-5, label: 'label cross-entropy per epoch' });
    for (const key of ['weights', 'hiddenBias', 'labelWeights', 'labelBias'] as const) expectClose(gpu.p[key]!, cpu.p[key]!, { atol: 1e-5, rtol: 1e-4, label: key });
    expectClose(gpu.probe, cpu.probe, { atol: 1e-5, rtol: 1e-4, label: 'p(y | x)' });
  });

  it('a softmax model trains, reconstructs and sums log Z as on the reference', async () => {
    const [cpu, gpu] = await both(
      { visible: 12, hidden: 6, visibleType: { softmax: 4 }, learningRate: 0.05, gradient: 'mean', statistics: 'probabilities', seed: 2 },
      async (rbm) => (await rbm.fit(x, { epochs: 3, batchSize: 20, verbose: false })).klDivergence,
      async (rbm) => Float32Array.from([...(await rbm.reconstruct(x)).data, (await rbm.logPartition()).logZ]),
    );
    expectClose(gpu.curve, cpu.curve, { atol: 1e-5, rtol: 1e-5, label: 'softmax cross-entropy per epoch' });
    for (const key of ['weights', 'visibleBias', 'hiddenBias'] as const) expectClose(gpu.p[key], cpu.p[key], { atol: 1e-5, rtol: 1e-4, label: key });
    expectClose(gpu.probe, cpu.probe, { atol: 1e-5, rtol: 1e-4, label: 'reconstructions and log Z' });
  });
});

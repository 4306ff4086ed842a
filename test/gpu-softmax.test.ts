// Softmax visible groups on the GPU against the reference (src/backend/cpu/softmax-step.ts,
// host-backend.ts): training epochs and the visible layer's inference, each within an explicit
// tolerance; exact log Z and AIS, which run the reference's code on the read-back parameters.
import { afterAll, describe, expect, it } from 'vitest';
import type { AnnealJob, Backend, EpochResult, Parameters, TrainingRule } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { InvalidArgumentError } from '../src/errors.js';
import { matrix, type Matrix } from '../src/matrix.js';
import { dawnProvider } from '../src/platform/dawn.js';
import { Phase, philoxUniforms, type DrawAddress } from '../src/rng/stream.js';
import { WebGpuBackend } from '../src/backend/webgpu/webgpu-backend.js';
import { binaryData, epochPlan, expectClose, fixture, PARAMETER_KEYS, randomParameters, shapeFor } from './helpers.js';

const open: Backend[] = [];
afterAll(async () => {
  for (const b of open) await b.dispose();
});

/** The reference and a GPU backend with softmax groups of `size`, holding the same parameters; no adapter fails, never skips. */
async function pair(V: number, H: number, size: number, p: Parameters) {
  const cpu = new CpuBackend(shapeFor(V, H, undefined, size));
  const gpu = await WebGpuBackend.create(dawnProvider, shapeFor(V, H, undefined, size)).catch((error: unknown) => {
    throw new Error(`The GPU test suites need a WebGPU adapter (in CI they must run, not skip): ${(error as Error).message}`, { cause: error });
  });
  open.push(cpu, gpu);
  await cpu.setParameters(p);
  await gpu.setParameters(p);
  return { cpu, gpu };
}

/** One-hot groups of `size`, about a fifth of them missing (all zero). */
function groupData(rows: number, V: number, size: number, seed: number): Matrix {
  const u = fixture(rows * (V / size) * 2, seed);
  const data = new Float32Array(rows * V);
  for (let q = 0; q < rows * (V / size); q++) {
    if (u[2 * q] < 0.2) continue;
    data[q * size + Math.min(size - 1, Math.floor(u[2 * q + 1] * size))] = 1;
  }
  return matrix(rows, V, data);
}

/**
 * The per-batch cross-entropy within 1e-5 + 1e-5·|ref| and every parameter within atol 1e-5 +
 * rtol 1e-4, as the binary training tests; the persistent chains are bits, equal exactly.
 */
async function expectSameEpoch(cpu: Backend, gpu: Backend, a: EpochResult, b: EpochResult, label: string): Promise<void> {
  expectClose(b.losses, a.losses, { atol: 1e-5, rtol: 1e-5, label: `${label}: cross-entropy per batch` });
  const [pa, pb] = [await cpu.getParameters(), await gpu.getParameters()];
  for (const key of PARAMETER_KEYS) expectClose(pb[key] ?? [], pa[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
  expectClose(pb.hiddenChains ?? [], pa.hiddenChains ?? [], { atol: 0, rtol: 0, label: `${label}: persistent chains` });
}


// Both statistics and gradients, CD-1 to 3, persistent chains, weight decay, momentum.
const RULES: TrainingRule[] = [
  { learningRate: 0.05, momentum: 0.9, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.5, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 3, persistent: false, weightDecay: 0.01 },
  { learningRate: 0.2, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0 },
  { learningRate: 0.2, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 2, persistent: true, weightDecay: 0.001 },
];

// Odd sizes off the tiles (64) and the vec4 (4); groups across vec4 boundaries; uneven batches.
const SHAPES: [visible: number, hidden: number, size: number, rows: number, scale: number][] = [
  [6, 5, 3, 23, 0.5],
  [15, 67, 5, 65, 0.2],
  [786, 7, 2, 130, 0.05],
];

describe.each(SHAPES)('softmax training at %i visible × %i hidden, groups of %i, on %i rows', (V, H, K, rows, scale) => {
  it.each(RULES)('matches the CPU over two epochs: cross-entropy, parameters and chains (%j)', async (rule) => {
    const { cpu, gpu } = await pair(V, H, K, randomParameters(V, H, V + H, scale));
    const x = groupData(rows, V, K, 6);
    const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
    for (let epoch = 0; epoch < 2; epoch++) {
      const plan = epochPlan(rows, Math.max(1, Math.floor(rows / 3)), 3, epoch, rule);
      const [a, b] = [await cpu.trainEpoch(cpuData, plan), await gpu.trainEpoch(gpuData, plan)];
      expect(a.losses.every(Number.isFinite)).toBe(true);
      await expectSameEpoch(cpu, gpu, a, b, `epoch ${epoch}`);
    }
  });
});

describe('softmax groups on the GPU, inference', () => {
  const [V, H, K] = [12, 7, 4];

  it('gives the visible groups probabilities within 1e-6 + 1e-5·|ref|, and the same one-hot draws away from ties', async () => {
    const { cpu, gpu } = await pair(V, H, K, randomParameters(V, H, 50, 1));
    const h = binaryData(70, H, 51, 0.5);
    const p = (await cpu.propagate(h, 'visible')).data;
    expectClose((await gpu.propagate(h, 'visible')).data, p, { atol: 1e-6, rtol: 1e-5, label: 'group probabilities' });
    const draw: DrawAddress = { seed: 5, phase: Phase.inferVisible, epoch: 2, batch: 1 };
    const [a, b] = [(await cpu.propagate(h, 'visible', draw)).data, (await gpu.propagate(h, 'visible', draw)).data];
    const u = new Float32Array(70 * (V / K));
    philoxUniforms(draw, 70, V / K, u);
    // A group whose draw lies within 1e-5 of a cumulative probability may go either way.
    const unexplained = u.filter((draws, q) => {
      const same = [0, 1, 2, 3].every((k) => a[q * K + k] === b[q * K + k]);
      let cumulative = 0;
      const nearTie = [0, 1, 2].some((k) => Math.abs((cumulative += p[q * K + k]) - draws) < 1e-5);
      return !same && !nearTie;
    }).length;
    expect(unexplained).toBe(0);
    expect(b.reduce((s, v) => s + v, 0)).toBe(70 * (V / K));
  });

  it('gives the reference exact log Z and AIS log weights (the reference code on the read-back parameters)', async () => {
    const { cpu, gpu } = await pair(V, H, K, randomParameters(V, H, 52, 1));
    expect(await gpu.logPartitionExact()).toBe(await cpu.logPartitionExact());
    const job: AnnealJob = { path: Float64Array.from({ length: 20 }, (_, k) => k / 19), start: groupData(6, V, K, 53).data, runs: 6, baseBias: new Float32Array(V), seed: 3 };
    expect(Array.from(await gpu.anneal(job))).toEqual(Array.from(await cpu.anneal(job)));
  });

  it('refuses groups that do not split the visible units, and what softmax groups are not available with', async () => {
    await expect(WebGpuBackend.create(dawnProvider, shapeFor(10, 3, undefined, 4))).rejects.toThrow(InvalidArgumentError);
    const { gpu } = await pair(V, H, K, randomParameters(V, H, 54, 1));
    const x = groupData(10, V, K, 55);
    const plan = epochPlan(10, 5, 1, 0, { ...RULES[3], centring: { offsetRate: 0.1 } });
    await expect(gpu.trainEpoch(await gpu.upload(x), plan)).rejects.toThrow(/centering: is not available with visibleType: \{'softmax'/);
  });
});

// A label layer on the GPU against the reference (src/backend/cpu/class-step.ts): training epochs
// for each objective, the class scores, and the parameters' round trip, each within an explicit
// tolerance.
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, EpochResult, Parameters, TrainingRule } from '../src/backend/backend.js';
import { InvalidArgumentError } from '../src/errors.js';
import { backendPair } from './gpu-helpers.js';
import { binaryData, epochPlan, expectClose, fixture, PARAMETER_KEYS, randomParameters } from './helpers.js';

const open: Backend[] = [];
afterAll(async () => {
  for (const b of open) await b.dispose();
});

/** randomParameters with a label layer of C classes: U and d in [−scale, scale), small momentum. */
function labelledParameters(V: number, H: number, C: number, seed: number, scale: number): Parameters {
  return {
    ...randomParameters(V, H, seed, scale),
    labelWeights: fixture(C * H, seed + 10, -scale, scale),
    labelBias: fixture(C, seed + 11, -scale, scale),
    labelWeightVelocity: fixture(C * H, seed + 12, -0.01, 0.01),
    labelBiasVelocity: fixture(C, seed + 13, -0.01, 0.01),
  };
}

/** Labels 0..C−1 that depend on the row's first units, so the classes are learnable. */
function labelsFor(x: { data: Float32Array; rows: number; cols: number }, C: number): Uint32Array {
  return Uint32Array.from({ length: x.rows }, (_, r) => {
    let s = 0;
    for (let i = 0; i < Math.min(4, x.cols); i++) s += x.data[r * x.cols + i] * (i + 1);
    return s % C;
  });
}

async function pair(V: number, H: number, p: Parameters) {
  const backends = await backendPair(V, H, p);
  open.push(backends.cpu, backends.gpu);
  return backends;
}

const LABEL_KEYS = [...PARAMETER_KEYS, 'labelWeights', 'labelBias', 'labelWeightVelocity', 'labelBiasVelocity'] as const;

/**
 * The per-batch −log p(y | x) within 1e-5 + 1e-5·|ref| (float32 softplus sums of H terms against
 * float64) and every parameter within atol 1e-5 + rtol 1e-4, as the binary training tests: float32
 * products in another order over two epochs of small steps. Sampled hidden states and labels must
 * be the reference's, or the parameters would differ by whole steps.
 */
async function expectSameEpoch(cpu: Backend, gpu: Backend, a: EpochResult, b: EpochResult, label: string): Promise<void> {
  expectClose(b.losses, a.losses, { atol: 1e-5, rtol: 1e-5, label: `${label}: −log p(y | x) per batch` });
  const [pa, pb] = [await cpu.getParameters(), await gpu.getParameters()];
  for (const key of LABEL_KEYS) expectClose(pb[key] ?? [], pa[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
}

const labelled = (objective: 'generative' | 'discriminative' | 'hybrid', generativeWeight = 1) => ({ labels: { objective, generativeWeight } });

// Each objective, both statistics and gradients, CD-1 to 3, weight decay and momentum.
const LABEL_RULES: TrainingRule[] = [
  { learningRate: 0.05, momentum: 0.9, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0, ...labelled('discriminative') },
  { learningRate: 0.3, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0.01, ...labelled('discriminative') },
  { learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0, ...labelled('generative') },
  { learningRate: 0.3, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 3, persistent: false, weightDecay: 0.001, ...labelled('generative') },
  { learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 2, persistent: false, weightDecay: 0.01, ...labelled('hybrid', 0.1) },
  { learningRate: 0.3, momentum: 0.9, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0, ...labelled('hybrid', 2) },
];

// Odd sizes off the tiles (64) and the vec4 (4); rows that split into uneven batches.
const SHAPES: [visible: number, hidden: number, classes: number, rows: number, scale: number][] = [
  [7, 5, 3, 23, 0.5],
  [13, 67, 10, 65, 0.2],
  [785, 7, 2, 130, 0.05],
];

describe.each(SHAPES)('label layer training at %i visible × %i hidden, %i classes, on %i rows', (V, H, C, rows, scale) => {
  it.each(LABEL_RULES)('matches the CPU over two epochs: per-batch loss and every parameter (%j)', async (rule) => {
    const { cpu, gpu } = await pair(V, H, labelledParameters(V, H, C, V + H + C, scale));
    const x = binaryData(rows, V, 6);
    const y = labelsFor(x, C);
    const [cpuData, gpuData] = [await cpu.upload(x, y), await gpu.upload(x, y)];
    for (let epoch = 0; epoch < 2; epoch++) {
      const plan = epochPlan(rows, Math.max(1, Math.floor(rows / 3)), 3, epoch, rule);
      const [a, b] = [await cpu.trainEpoch(cpuData, plan), await gpu.trainEpoch(gpuData, plan)];
      expect(a.losses.every(Number.isFinite)).toBe(true);
      expect(b.losses.length).toBe(plan.batchStarts.length - 1);
      await expectSameEpoch(cpu, gpu, a, b, `epoch ${epoch}`);
      expect(b.parameters.labelWeights).toEqual((await gpu.getParameters()).labelWeights);
    }
  });
});

describe('a label layer on the GPU', () => {
  const [V, H, C, rows] = [9, 6, 4, 30];
  const x = binaryData(rows, V, 14);
  const y = labelsFor(x, C);

  it('gives the pre-activations class scores are made from within 1e-5 + 1e-5·|ref|, before and after training', async () => {
    const { cpu, gpu } = await pair(V, H, labelledParameters(V, H, C, 40, 1));
    const probe = binaryData(70, V, 15, 0.5);
    const scores = async (b: Backend) => (await b.preActivations(probe, 'hidden')).data;
    expectClose(await scores(gpu), await scores(cpu), { atol: 1e-5, rtol: 1e-5, label: 'pre-activations' });
    const plan = epochPlan(rows, 8, 4, 0, LABEL_RULES[4]);
    await expectSameEpoch(cpu, gpu, await cpu.trainEpoch(await cpu.upload(x, y), plan), await gpu.trainEpoch(await gpu.upload(x, y), plan), 'epoch');
    expectClose(await scores(gpu), await scores(cpu), { atol: 1e-5, rtol: 1e-5, label: 'pre-activations after an epoch' });
  });

  it('carries the label layer through setParameters and getParameters, and drops it for a model without one', async () => {
    const start = labelledParameters(V, H, C, 41, 1);
    const { gpu } = await pair(V, H, start);
    const back = await gpu.getParameters();
    for (const key of LABEL_KEYS) expect(back[key], key).toEqual(start[key]);
    const other = labelledParameters(V, H, 7, 42, 1);
    await gpu.setParameters(other);
    expect((await gpu.getParameters()).labelBias).toEqual(other.labelBias);
    await gpu.setParameters(randomParameters(V, H, 43));
    expect((await gpu.getParameters()).labelWeights).toBeUndefined();
  });

  it('submitted batch by batch, or stopped after the first batch, trains as the CPU does', async () => {
    const rule = LABEL_RULES[4];
    const { cpu, gpu } = await pair(V, H, labelledParameters(V, H, C, 44, 0.5));
    const [cpuData, gpuData] = [await cpu.upload(x, y), await gpu.upload(x, y)];
    const seen: number[] = [];
    const perBatch = { ...epochPlan(rows, 8, 4, 0, rule), onBatch: (b: number) => seen.push(b) };
    await expectSameEpoch(cpu, gpu, await cpu.trainEpoch(cpuData, perBatch), await gpu.trainEpoch(gpuData, perBatch), 'batch by batch');
    const stopping = (controller: AbortController) => ({ ...epochPlan(rows, 8, 4, 1, rule), onBatch: () => controller.abort(), signal: controller.signal });
    const [a, b] = [await cpu.trainEpoch(cpuData, stopping(new AbortController())), await gpu.trainEpoch(gpuData, stopping(new AbortController()))];
    expect(b.stopped).toBe(true);
    await expectSameEpoch(cpu, gpu, a, b, 'stopped');
  });

  it('restores the parameters when a batch diverges, reporting the batch the reference does', async () => {
    const rule = { ...LABEL_RULES[0], learningRate: 1e39 };
    const start = labelledParameters(V, H, C, 45, 0.5);
    const { cpu, gpu } = await pair(V, H, start);
    const plan = epochPlan(rows, 8, 4, 0, rule);
    const [a, b] = [await cpu.trainEpoch(await cpu.upload(x, y), plan), await gpu.trainEpoch(await gpu.upload(x, y), plan)];
    expect(a.nonFiniteBatch).toBeDefined();
    expect(b.nonFiniteBatch).toBe(a.nonFiniteBatch);
    expect((await gpu.getParameters()).labelWeights).toEqual(start.labelWeights);
  });

  it('refuses a labelled rule without a label layer, data without labels, or labels past its classes', async () => {
    const rule = LABEL_RULES[0];
    const plan = epochPlan(rows, 8, 4, 0, rule);
    const { gpu } = await pair(V, H, labelledParameters(V, H, C, 46, 0.5));
    await expect(gpu.trainEpoch(await gpu.upload(x), plan)).rejects.toThrow(/uploaded with its labels/);
    await expect(gpu.trainEpoch(await gpu.upload(x, y.map((v) => v + C)), plan)).rejects.toThrow(InvalidArgumentError);
    await expect(gpu.upload(x, y.subarray(1))).rejects.toThrow(/one label per row/);
    await expect(gpu.trainEpoch(await gpu.upload(x, y), { ...plan, rule: { ...rule, persistent: true } })).rejects.toThrow(/persistent/);
    await gpu.setParameters(randomParameters(V, H, 47));
    await expect(gpu.trainEpoch(await gpu.upload(x, y), plan)).rejects.toThrow(/no label layer/);
  });
});

import { describe, expect, it } from 'vitest';
import { modelShape, type EpochPlan, type EpochResult, type Parameters, type TrainingRule } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { InvalidArgumentError } from '../src/node.js';
import { binaryData, epochPlan, expectClose, fixture, randomParameters } from './helpers.js';
import { wasmBackends } from './wasm-helpers.js';

// A label layer (the classification RBM) in the WebAssembly kernels against the reference
// (classStep, HostBackend's classScores): docs/training-step.md, "Label layer".

const wasm = wasmBackends();

/** randomParameters with a label layer of `classes` classes: U and d in [−scale, scale), small velocities. */
function labelledParameters(V: number, H: number, classes: number, seed: number, scale = 1): Parameters {
  return {
    ...randomParameters(V, H, seed, scale),
    labelWeights: fixture(classes * H, seed + 10, -scale, scale),
    labelBias: fixture(classes, seed + 11, -scale, scale),
    labelWeightVelocity: fixture(classes * H, seed + 12, -0.01, 0.01),
    labelBiasVelocity: fixture(classes, seed + 13, -0.01, 0.01),
  };
}

function labelsFor(rows: number, classes: number, seed: number): Uint32Array {
  return Uint32Array.from(fixture(rows, seed), (u) => Math.floor(u * classes));
}

function plan(rows: number, batches: number, rule: TrainingRule, epoch = 0): EpochPlan {
  return epochPlan(rows, Math.floor(rows / batches), 5, epoch, rule);
}

const base = { persistent: false } as const;
// Each objective with sampled and mean statistics, summed and averaged gradients, CD-1 to 3,
// momentum and weight decay.
const LABEL_RULES: TrainingRule[] = [
  { ...base, learningRate: 0.1, momentum: 0.5, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, weightDecay: 0, labels: { objective: 'discriminative', generativeWeight: 0 } },
  { ...base, learningRate: 0.02, momentum: 0, statistics: 'samples', gradient: 'sum', cdSteps: 1, weightDecay: 0.01, labels: { objective: 'discriminative', generativeWeight: 0 } },
  { ...base, learningRate: 0.05, momentum: 0.9, statistics: 'samples', gradient: 'mean', cdSteps: 1, weightDecay: 0, labels: { objective: 'generative', generativeWeight: 0 } },
  { ...base, learningRate: 0.02, momentum: 0, statistics: 'probabilities', gradient: 'sum', cdSteps: 2, weightDecay: 0.001, labels: { objective: 'generative', generativeWeight: 0 } },
  { ...base, learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 3, weightDecay: 0.01, labels: { objective: 'hybrid', generativeWeight: 0.1 } },
  { ...base, learningRate: 0.1, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, weightDecay: 0, labels: { objective: 'hybrid', generativeWeight: 0.5 } },
];

const KEYS = ['weights', 'visibleBias', 'hiddenBias', 'weightVelocity', 'visibleBiasVelocity', 'hiddenBiasVelocity', 'labelWeights', 'labelBias', 'labelWeightVelocity', 'labelBiasVelocity'] as const;

/**
 * The loss per batch and every parameter of `b` within tolerance of the reference's `a`. The
 * kernels sum in float32 (softplus and σ within a few ulps) where the reference sums in
 * float64; the tolerances are the binary kernels' tests'. A single hidden, visible or label
 * draw decided otherwise moves some weight by the order of the learning rate, far outside them.
 */
function expectAlike(a: EpochResult, b: EpochResult, label: string): void {
  expectClose(b.losses, a.losses, { atol: 1e-6, rtol: 1e-5, label: `${label}: −log p(y | x) per batch` });
  for (const key of KEYS) expectClose(b.parameters[key] ?? [], a.parameters[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
}

// Sizes off the 16-float blocks and 4-lane vectors, 2 to 10 classes, and batches that differ by
// one (numpy.array_split of the rows into three).
const SHAPES: [visible: number, hidden: number, classes: number, rows: number][] = [
  [1, 1, 2, 5],
  [7, 5, 3, 23],
  [13, 67, 10, 30],
  [785, 7, 4, 41],
];

describe.each(SHAPES)('a label layer in the WebAssembly kernels at %i visible × %i hidden, %i classes, %i rows', (V, H, C, rows) => {
  it.each(LABEL_RULES)('trains two epochs as the reference: −log p(y | x) per batch and every parameter (%j)', async (rule) => {
    const parameters = labelledParameters(V, H, C, V + 3 * H, 0.5);
    const x = binaryData(rows, V, 9, 0.3);
    const labels = labelsFor(rows, C, 4);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, labels: C }));
    const fast = await wasm(V, H, 2, { labels: C });
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const [cpuData, fastData] = [await cpu.upload(x, labels), await fast.upload(x, labels)];
    for (let epoch = 0; epoch < 2; epoch++) {
      const p = plan(rows, 3, rule, epoch);
      const [a, b] = [await cpu.trainEpoch(cpuData, p), await fast.trainEpoch(fastData, p)];
      expectAlike(a, b, `epoch ${epoch}`);
    }
    const after = await fast.getParameters();
    expect(after.labelWeights, 'U moved').not.toEqual(parameters.labelWeights);
    if (rule.labels!.objective === 'discriminative') expect(after.visibleBias, 'b moves by momentum alone').toEqual((await cpu.getParameters()).visibleBias);
  });

  it('gives the reference’s class scores', async () => {
    const parameters = labelledParameters(V, H, C, V + H, 0.5);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, labels: C }));
    const fast = await wasm(V, H, 2, { labels: C });
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const x = binaryData(9, V, 3, 0.4);
    // The same host code reads the parameters where each backend keeps them: equal, bit for bit.
    expectClose((await fast.preActivations(x, 'hidden')).data, (await cpu.preActivations(x, 'hidden')).data, { atol: 0, rtol: 0, label: 'the hidden pre-activations class scores are made from' });
  });
});

describe('a label layer in the WebAssembly kernels', () => {
  it.each([LABEL_RULES[1], LABEL_RULES[4]])('trains bit-identically with 1 and 3 threads (%j)', async (rule) => {
    // 41 hidden units and 90 rows in batches of 22 and 23: three threads' shares of rows, of the
    // visible and of the hidden units differ in size and end inside a 4-lane vector.
    const [V, H, C, rows] = [101, 41, 7, 90];
    const x = binaryData(rows, V, 6, 0.3);
    const labels = labelsFor(rows, C, 8);
    const results = [];
    for (const threads of [1, 3]) {
      const fast = await wasm(V, H, threads, { labels: C });
      await fast.setParameters(labelledParameters(V, H, C, 11, 0.1));
      const data = await fast.upload(x, labels);
      const epochs = [];
      for (let epoch = 0; epoch < 2; epoch++) epochs.push(await fast.trainEpoch(data, plan(rows, 4, rule, epoch)));
      results.push(epochs);
    }
    expect(results[1]).toEqual(results[0]);
  });

  it('trains batch by batch and after a stop as the reference, and restores the label layer when an epoch diverges', async () => {
    const [V, H, C, rows] = [9, 6, 3, 30];
    const rule = LABEL_RULES[4];
    const start = labelledParameters(V, H, C, 22, 0.5);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, labels: C }));
    const fast = await wasm(V, H, 2, { labels: C });
    await cpu.setParameters(start);
    await fast.setParameters(start);
    const x = binaryData(rows, V, 14, 0.4);
    const labels = labelsFor(rows, C, 2);
    const [cpuData, fastData] = [await cpu.upload(x, labels), await fast.upload(x, labels)];
    const diverging = plan(rows, 3, { ...rule, learningRate: 1e38 });
    const result = await fast.trainEpoch(fastData, diverging);
    expect(result.nonFiniteBatch).toBe((await cpu.trainEpoch(cpuData, diverging)).nonFiniteBatch);
    expect(await fast.getParameters()).toEqual(start);
    const seen: number[] = [];
    const perBatch = { ...plan(rows, 3, rule, 0), onBatch: (b: number) => seen.push(b) };
    const reference = await cpu.trainEpoch(cpuData, perBatch);
    seen.length = 0;
    expectAlike(reference, await fast.trainEpoch(fastData, perBatch), 'batch by batch');
    expect(seen).toEqual([0, 1, 2]);
    const stopping = (controller: AbortController) => ({ ...plan(rows, 3, rule, 1), onBatch: () => controller.abort(), signal: controller.signal });
    const [a, b] = [await cpu.trainEpoch(cpuData, stopping(new AbortController())), await fast.trainEpoch(fastData, stopping(new AbortController()))];
    expect(b.losses).toHaveLength(1);
    expectAlike(a, b, 'stopped');
  });

  it('lays out a label layer set after the data were uploaded without disturbing them', async () => {
    const [V, H, C, rows] = [8, 5, 4, 20];
    const rule = LABEL_RULES[5];
    const x = binaryData(rows, V, 1, 0.4);
    const labels = labelsFor(rows, C, 3);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, labels: C }));
    const fast = await wasm(V, H, 2, { labels: C });
    await fast.setParameters(randomParameters(V, H, 4));
    const fastData = await fast.upload(x, labels);
    await fast.trainEpoch(fastData, plan(rows, 2, { ...rule, labels: undefined }));
    const parameters = labelledParameters(V, H, C, 5, 0.5);
    await fast.setParameters(parameters);
    await cpu.setParameters(parameters);
    expectAlike(await cpu.trainEpoch(await cpu.upload(x, labels), plan(rows, 2, rule)), await fast.trainEpoch(fastData, plan(rows, 2, rule)), 'after the layout');
  });

  it('refuses labelled steps it cannot take, with typed errors', async () => {
    const [V, H, C, rows] = [6, 5, 3, 12];
    const fast = await wasm(V, H, 2, { labels: C });
    const x = binaryData(rows, V, 3);
    const rule = LABEL_RULES[0];
    await fast.setParameters(randomParameters(V, H, 7));
    const labelled = await fast.upload(x, labelsFor(rows, C, 1));
    await expect(fast.trainEpoch(labelled, plan(rows, 2, rule))).rejects.toThrow(/label layer: set parameters/);
    await fast.setParameters(labelledParameters(V, H, C, 7));
    expect(Object.keys(await fast.getParameters())).toContain('labelWeights');
    await expect(fast.trainEpoch(await fast.upload(x), plan(rows, 2, rule))).rejects.toThrow(/uploaded with its labels/);
    await expect(fast.trainEpoch(await fast.upload(x, Uint32Array.from({ length: rows }, (_, r) => r % (C + 1))), plan(rows, 2, rule))).rejects.toThrow(/has label 3/);
    await expect(fast.upload(x, new Uint32Array(rows - 1))).rejects.toThrow(InvalidArgumentError);
    const data = await fast.upload(x, labelsFor(rows, C, 1));
    await expect(fast.trainEpoch(data, plan(rows, 2, { ...rule, persistent: true }))).rejects.toThrow(/persistent: is not available with a label layer/);
    await expect(fast.trainEpoch(data, plan(rows, 2, { ...rule, persistent: true }))).rejects.toThrow(InvalidArgumentError);
    await fast.setParameters(randomParameters(V, H, 7));
    expect(Object.keys(await fast.getParameters())).not.toContain('labelWeights');
  });
});

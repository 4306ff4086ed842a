import { describe, expect, it } from 'vitest';
import { nodeWorkerFactory } from '../src/platform/node-workers.js';
import { annealOnHost } from '../src/backend/anneal.js';
import { modelShape, type AnnealJob, type EpochPlan, type EpochResult, type TrainingRule } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { WasmBackend } from '../src/backend/wasm/wasm-backend.js';
import type { Matrix } from '../src/matrix.js';
import { Phase } from '../src/rng/stream.js';
import { binaryData, epochPlan, expectClose, fixture, PARAMETER_KEYS, randomParameters } from './helpers.js';
import { wasmBackends } from './wasm-helpers.js';

// Softmax visible groups in the WebAssembly kernels against the reference (softmaxStep,
// annealOnHost with groups, HostBackend's inference): docs/training-step.md, "Softmax visible groups".

const wasm = wasmBackends();

/** Rows of one-hot groups of K, about one group in five missing (all zeros). */
function groupData(rows: number, V: number, K: number, seed: number): Matrix {
  const u = fixture(rows * (V / K), seed);
  const data = new Float32Array(rows * V);
  u.forEach((draw, g) => {
    if (draw >= 0.2) data[g * K + Math.floor(((draw - 0.2) / 0.8) * K)] = 1;
  });
  return { data, rows, cols: V };
}

function plan(rows: number, batches: number, rule: TrainingRule, epoch = 0): EpochPlan {
  return epochPlan(rows, Math.floor(rows / batches), 5, epoch, rule);
}

// Sampled and mean statistics, summed and averaged gradients, CD-1 to 3, persistent chains,
// momentum and weight decay.
const SOFTMAX_RULES: Omit<TrainingRule, 'softmax'>[] = [
  { learningRate: 0.05, momentum: 0.9, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.5, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 3, persistent: false, weightDecay: 0.01 },
  { learningRate: 0.2, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0 },
  { learningRate: 0.2, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 2, persistent: true, weightDecay: 0.001 },
];

/**
 * The cross-entropy per batch and every parameter of `b` within the binary kernels' tests'
 * tolerances of the reference's `a`, the chains exactly: the groups' probabilities and draws are
 * taken in float64 from logits within a few float32 ulps of the reference's, so a draw decided
 * otherwise would have to fall within about 1e-6 of a cumulative probability.
 */
function expectAlike(a: EpochResult, b: EpochResult, label: string): void {
  expectClose(b.losses, a.losses, { atol: 1e-6, rtol: 1e-5, label: `${label}: cross-entropy per batch` });
  for (const key of PARAMETER_KEYS) expectClose(b.parameters[key] ?? [], a.parameters[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
  expectClose(b.parameters.hiddenChains ?? [], a.parameters.hiddenChains ?? [], { atol: 0, rtol: 0, label: `${label}: chains` });
}

// Sizes off the 16-float blocks and 4-lane vectors, groups of 2 to 5, batches that differ by one.
const SHAPES: [visible: number, hidden: number, groupSize: number, rows: number][] = [
  [3, 1, 3, 5],
  [10, 5, 5, 23],
  [12, 67, 4, 30],
  [785, 7, 5, 41],
  [14, 9, 2, 17],
];

describe.each(SHAPES)('softmax groups in the WebAssembly kernels at %i visible × %i hidden in groups of %i, %i rows', (V, H, K, rows) => {
  it.each(SOFTMAX_RULES)('train two epochs as the reference: cross-entropy per batch, parameters and chains (%j)', async (plain) => {
    const rule: TrainingRule = plain;
    const parameters = randomParameters(V, H, V + 3 * H, 0.5);
    const x = groupData(rows, V, K, 9);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, visibleType: { softmax: K } }));
    const fast = await wasm(V, H, 2, { visibleType: { softmax: K } });
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const [cpuData, fastData] = [await cpu.upload(x), await fast.upload(x)];
    for (let epoch = 0; epoch < 2; epoch++) {
      const p = plan(rows, 3, rule, epoch);
      const [a, b] = [await cpu.trainEpoch(cpuData, p), await fast.trainEpoch(fastData, p)];
      expect(a.parameters.hiddenChains?.length ?? 0).toBe(rule.persistent ? p.largestBatch * H : 0);
      expectAlike(a, b, `epoch ${epoch}`);
    }
  });

  it('gives the reference’s probabilities, one-hot draws and exact log Z', async () => {
    const parameters = randomParameters(V, H, V + H, 0.5);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, visibleType: { softmax: K } }));
    const fast = await wasm(V, H, 2, { visibleType: { softmax: K } });
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const h = binaryData(9, H, 5, 0.5);
    const same = (actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) => expectClose(actual, expected, { atol: 0, rtol: 0, label });
    for (const draw of [undefined, { seed: 9, phase: Phase.inferVisible, epoch: 4, batch: 2 }]) {
      same((await fast.propagate(h, 'visible', draw)).data, (await cpu.propagate(h, 'visible', draw)).data, `visible units${draw ? ', drawn' : ''}`);
    }
    if (H <= 20) expect(await fast.logPartitionExact()).toBe(await cpu.logPartitionExact());
  });
});

describe('softmax groups in the WebAssembly kernels', () => {
  it.each([SOFTMAX_RULES[0], SOFTMAX_RULES[4]])('train bit-identically with 1 and 3 threads (%j)', async (plain) => {
    const [V, H, K, rows] = [100, 41, 5, 90];
    const rule: TrainingRule = plain;
    const x = groupData(rows, V, K, 6);
    const results = [];
    for (const threads of [1, 3]) {
      const fast = await wasm(V, H, threads, { visibleType: { softmax: K } });
      await fast.setParameters(randomParameters(V, H, 11, 0.1));
      const data = await fast.upload(x);
      const epochs = [];
      for (let epoch = 0; epoch < 2; epoch++) epochs.push(await fast.trainEpoch(data, plan(rows, 4, rule, epoch)));
      results.push(epochs);
    }
    expect(results[1]).toEqual(results[0]);
  });

  it('refuses groups that do not divide the visible units, and softmax with Gaussian units, centring or tempering', async () => {
    const [V, H, rows] = [6, 5, 12];
    await expect(WasmBackend.create(modelShape({ visible: V, hidden: H, visibleType: { softmax: 4 } }), nodeWorkerFactory, 1)).rejects.toThrow(/do not split into softmax groups of 4/);
    const fast = await wasm(V, H, 2, { visibleType: { softmax: 3 } });
    await fast.setParameters(randomParameters(V, H, 7));
    const data = await fast.upload(groupData(rows, V, 3, 1));
    const rule: TrainingRule = SOFTMAX_RULES[3];
    await expect(fast.trainEpoch(data, plan(rows, 2, { ...rule, centring: { offsetRate: 0.1 } }))).rejects.toThrow(/centering: is not available with visibleType: \{'softmax':3\}/);
    await expect(fast.trainEpoch(data, plan(rows, 2, { ...rule, parallelTempering: { temperatures: 3 } }))).rejects.toThrow(/parallelTempering: is not available with visibleType: \{'softmax':3\}/);
  });
});

/** Forward AIS from the base model's one-hot draws, reverse from data rows after 20 βs at 1, and a coarse path. */
function annealJobs(V: number, K: number, runs: number): [string, AnnealJob][] {
  const baseBias = fixture(V, V + 1, -2, 1);
  const up = Float64Array.from({ length: 150 }, (_, k) => k / 149);
  const down = Float64Array.from([...new Array<number>(20).fill(1), ...up.slice().reverse()]);
  const fromBase = new Float32Array(runs * V);
  fixture(runs * (V / K), 3).forEach((u, g) => (fromBase[g * K + Math.floor(u * K)] = 1));
  const fromData = groupData(runs, V, K, 5).data;
  fromData.forEach((_, at) => {
    // Every group observed: a chain's state is one category per group.
    if (at % K === 0 && fromData.subarray(at, at + K).every((v) => v === 0)) fromData[at] = 1;
  });
  return [
    ['forward', { path: up, start: fromBase, runs, baseBias, seed: 17 }],
    ['reverse', { path: down, start: fromData, runs, baseBias, seed: 18 }],
    ['coarse', { path: Float64Array.of(0, 0.3, 0.3, 0.9, 1), start: fromBase, runs, baseBias, seed: 19 }],
  ];
}

describe.each([
  [10, 5, 5],
  [12, 67, 4],
  [785, 7, 5],
])('softmax AIS on the WebAssembly backend at %i visible × %i hidden in groups of %i', (V, H, K) => {
  it('gives the log weights annealOnHost gives, forward and reverse, and the same with 1 and 3 threads', async () => {
    const parameters = randomParameters(V, H, V + 2 * H, 0.3);
    const results = [];
    for (const threads of [1, 3]) {
      const fast = await wasm(V, H, threads, { visibleType: { softmax: K } });
      await fast.setParameters(parameters);
      const weights = [];
      for (const [name, job] of annealJobs(V, K, 11)) {
        const got = await fast.anneal(job);
        // The binary AIS tests' tolerance: float32 sums of the hidden inputs in the softplus differences.
        expectClose(got, await annealOnHost(parameters, V, H, job, K), { atol: 1e-5, rtol: 1e-5, label: `${name} log weights` });
        weights.push(got);
      }
      results.push(weights);
    }
    expect(results[1]).toEqual(results[0]);
  });
});

import { describe, expect, it } from 'vitest';
import { annealGaussianOnHost } from '../src/backend/anneal.js';
import { modelShape, copyParameters, type AnnealJob, type EpochPlan, type EpochResult, type Parameters, type TrainingRule } from '../src/backend/backend.js';
import { contrastiveDivergenceStep } from '../src/backend/cpu/cd-step.js';
import { StepScratch } from '../src/backend/cpu/scratch.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import type { Matrix } from '../src/matrix.js';
import { GIBBS_PHASE_STRIDE, normalDraws, Phase, philoxUniforms, type DrawAddress, type UniformSource } from '../src/rng/stream.js';
import { RBM } from '../src/node.js';
import { binaryData, epochPlan, expectClose, fixture, randomParameters, gaussianLayers } from './helpers.js';
import { wasmBackends } from './wasm-helpers.js';

// The WebAssembly kernels with Gaussian visible units against the reference (gaussianStep,
// annealGaussianOnHost, HostBackend's inference): docs/training-step.md, "Gaussian visible units".

const wasm = wasmBackends();

/** randomParameters with log-variances in [−0.7, 0.7) (σ² from 0.5 to 2) and small velocities for them. */
function gaussianParameters(V: number, H: number, seed: number, scale = 1): Parameters {
  return {
    ...randomParameters(V, H, seed, scale),
    visibleLogVariance: fixture(V, seed + 8, -0.7, 0.7),
    visibleLogVarianceVelocity: fixture(V, seed + 9, -0.01, 0.01),
  };
}

/** Real rows in [−1, 2), about one value in five exactly 0 (so that the kernels' lists skip some). */
function realData(rows: number, cols: number, seed: number): Matrix {
  return { data: fixture(rows * cols, seed, -1, 2).map((x, k) => (k % 5 === 2 ? 0 : x)), rows, cols };
}

function plan(rows: number, batches: number, rule: TrainingRule, epoch = 0): EpochPlan {
  return epochPlan(rows, Math.floor(rows / batches), 5, epoch, rule);
}

const gaussianRule = (rule: TrainingRule, learnVariance: boolean): TrainingRule => ({ ...rule, learnVariance });
/** Gaussian visible units' shape. */
const GAUSSIAN = { visibleType: 'gaussian' } as const;

// Every feature the reference supports with Gaussian units: sampled and mean statistics, summed
// and averaged gradients, CD-1 to 3, persistent chains, weight decay, momentum, σ learned or fixed.
const GAUSSIAN_RULES: TrainingRule[] = [
  gaussianRule({ learningRate: 0.002, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 }, true),
  gaussianRule({ learningRate: 0.02, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 }, false),
  gaussianRule({ learningRate: 0.002, momentum: 0, statistics: 'probabilities', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 }, true),
  gaussianRule({ learningRate: 0.05, momentum: 0.9, statistics: 'samples', gradient: 'mean', cdSteps: 3, persistent: false, weightDecay: 0.01 }, true),
  gaussianRule({ learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0 }, true),
  gaussianRule({ learningRate: 0.05, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 2, persistent: true, weightDecay: 0.001 }, true),
  gaussianRule({ learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 2, persistent: true, weightDecay: 0 }, false),
];

const KEYS = ['weights', 'visibleBias', 'hiddenBias', 'weightVelocity', 'visibleBiasVelocity', 'hiddenBiasVelocity', 'visibleLogVariance', 'visibleLogVarianceVelocity'] as const;

/**
 * The kernels' hidden probabilities are float32 sums of real inputs (and of normals within a
 * few ulps of the reference's float64 Box–Muller), within about 1e-6 of the reference's; so
 * wherever the reference's probabilities are all farther than this from their draws, every
 * sampled bit, and so every chain, must be the reference's. (The fixtures' closest call is
 * 2.2e-5.)
 */
const CLOSE_CALL = 1e-5;

/**
 * Trains `epochs` like CpuBackend (gaussianStep batch by batch), watching each hidden draw as it
 * is made: returns the parameters and the smallest |p − u| of any hidden unit sampled.
 */
function replay(p: Parameters, x: Matrix, plans: EpochPlan[]): { parameters: Parameters; closest: number } {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  const q = copyParameters(p);
  const s = new StepScratch(plans[0].largestBatch, V, H, gaussianLayers(plans[0].rule));
  const batch = new Float32Array(plans[0].largestBatch * V);
  let closest = Infinity;
  // gaussianStep draws a hidden layer's uniforms right after computing its probabilities.
  const watched: UniformSource = (address, rows, cols, out) => {
    philoxUniforms(address, rows, cols, out);
    const hidden = address.phase === Phase.hidden ? s.hiddenProb : (address.phase - Phase.hiddenAgain) % GIBBS_PHASE_STRIDE === 0 ? s.hiddenAgainProb : undefined;
    for (let k = 0; hidden && k < rows * cols; k++) closest = Math.min(closest, Math.abs(hidden[k] - out[k]));
  };
  for (const plan of plans) {
    for (let b = 0; b + 1 < plan.batchStarts.length; b++) {
      const [start, end] = [plan.batchStarts[b], plan.batchStarts[b + 1]];
      for (let r = start; r < end; r++) batch.set(x.data.subarray(plan.order[r] * V, (plan.order[r] + 1) * V), (r - start) * V);
      const at = (phase: number): DrawAddress => ({ seed: plan.seed, phase, epoch: plan.epoch, batch: b });
      contrastiveDivergenceStep(gaussianLayers(plan.rule), q, batch, end - start, plan.rule, at, watched, s);
    }
  }
  return { parameters: q, closest };
}

/**
 * Every parameter of `b` within tolerance of the reference's `a`, the chains exactly, the loss
 * per batch within tolerance. The kernels sum in float32 where the reference sums in float64
 * (and g_z's cross term through the gradient, in another order); measured over every shape and
 * rule: the MSE within 9e-7 relative, every parameter within 6e-7 absolute. The tolerances are
 * the binary kernels' tests', about ten times those.
 */
function expectAlike(a: EpochResult, b: EpochResult, label: string): void {
  expectClose(b.losses, a.losses, { atol: 1e-6, rtol: 1e-5, label: `${label}: MSE per batch` });
  for (const key of KEYS) expectClose(b.parameters[key] ?? [], a.parameters[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
  expectClose(b.parameters.hiddenChains ?? [], a.parameters.hiddenChains ?? [], { atol: 0, rtol: 0, label: `${label}: chains` });
}

// Sizes off the 16-float blocks and 4-lane vectors (odd V and H), and batches that differ by
// one (numpy.array_split of the rows into three).
const SHAPES: [visible: number, hidden: number, rows: number][] = [
  [1, 1, 5],
  [7, 5, 23],
  [13, 67, 30],
  [785, 7, 41],
];

describe.each(SHAPES)('Gaussian visible units in the WebAssembly kernels at %i visible × %i hidden, %i rows', (V, H, rows) => {
  it.each(GAUSSIAN_RULES)('train two epochs as the reference: MSE per batch, parameters, log-variances and chains (%j)', async (rule) => {
    const parameters = gaussianParameters(V, H, V + 3 * H, 0.5);
    const x = realData(rows, V, 9);
    const plans = [plan(rows, 3, rule, 0), plan(rows, 3, rule, 1)];
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, ...GAUSSIAN }));
    const fast = await wasm(V, H, 2, GAUSSIAN);
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const [cpuData, fastData] = [await cpu.upload(x), await fast.upload(x)];
    let last: EpochResult | undefined;
    for (const [epoch, p] of plans.entries()) {
      const [a, b] = [await cpu.trainEpoch(cpuData, p), await fast.trainEpoch(fastData, p)];
      expect(a.parameters.hiddenChains?.length ?? 0).toBe(rule.persistent ? p.largestBatch * H : 0);
      expectAlike(a, b, `epoch ${epoch}`);
      last = a;
    }
    const watched = replay(parameters, x, plans);
    expect(watched.parameters, 'the replay trains as CpuBackend does').toEqual(last!.parameters);
    expect(watched.closest, 'no hidden probability within CLOSE_CALL of its draw (else choose other data)').toBeGreaterThan(CLOSE_CALL);
    if (!rule.learnVariance) expect(Array.from(last!.parameters.visibleLogVariance!)).toEqual(Array.from(parameters.visibleLogVariance!));
  });
});

describe('Gaussian visible units in the WebAssembly kernels', () => {
  it.each([GAUSSIAN_RULES[0], GAUSSIAN_RULES[5]])('train bit-identically with 1 and 3 threads (%j)', async (rule) => {
    // 41 hidden units and 90 rows in batches of 22 and 23: three threads' shares of rows, and of
    // the visible units, differ in size and end inside a 4-lane vector.
    const [V, H, rows] = [101, 41, 90];
    const x = realData(rows, V, 6);
    const results = [];
    for (const threads of [1, 3]) {
      const fast = await wasm(V, H, threads, GAUSSIAN);
      await fast.setParameters(gaussianParameters(V, H, 11, 0.1));
      const data = await fast.upload(x);
      const epochs = [];
      for (let epoch = 0; epoch < 2; epoch++) epochs.push(await fast.trainEpoch(data, plan(rows, 4, rule, epoch)));
      results.push(epochs);
    }
    expect(results[0][1].parameters.visibleLogVariance).not.toEqual(gaussianParameters(V, H, 11, 0.1).visibleLogVariance);
    expect(results[1]).toEqual(results[0]);
  });

  it('run batch by batch, or stopped early, trains as the reference', async () => {
    const [V, H, rows] = [9, 6, 30];
    const rule = GAUSSIAN_RULES[4];
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, ...GAUSSIAN }));
    const fast = await wasm(V, H, 2, GAUSSIAN);
    await cpu.setParameters(gaussianParameters(V, H, 22, 0.5));
    await fast.setParameters(gaussianParameters(V, H, 22, 0.5));
    const x = realData(rows, V, 14);
    const [cpuData, fastData] = [await cpu.upload(x), await fast.upload(x)];
    const seen: number[] = [];
    const perBatch = { ...plan(rows, 3, rule, 0), onBatch: (b: number) => seen.push(b) };
    const reference = await cpu.trainEpoch(cpuData, perBatch);
    seen.length = 0;
    expectAlike(reference, await fast.trainEpoch(fastData, perBatch), 'batch by batch');
    expect(seen).toEqual([0, 1, 2]);
    const stopping = (controller: AbortController) => ({ ...plan(rows, 3, rule, 1), onBatch: () => controller.abort(), signal: controller.signal });
    const [a, b] = [await cpu.trainEpoch(cpuData, stopping(new AbortController())), await fast.trainEpoch(fastData, stopping(new AbortController()))];
    expect(b.stopped).toBe(true);
    expect(b.losses).toHaveLength(1);
    expectAlike(a, b, 'stopped');
  });

  it('restores the parameters, log-variances included, when an epoch diverges, and then trains as the reference does', async () => {
    const [V, H, rows] = [9, 6, 30];
    const rule = GAUSSIAN_RULES[0];
    const start = gaussianParameters(V, H, 23, 0.5);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, ...GAUSSIAN }));
    const fast = await wasm(V, H, 2, GAUSSIAN);
    await cpu.setParameters(start);
    await fast.setParameters(start);
    const x = realData(rows, V, 14);
    const [cpuData, fastData] = [await cpu.upload(x), await fast.upload(x)];
    const diverging = plan(rows, 3, { ...rule, learningRate: 1e38 });
    const result = await fast.trainEpoch(fastData, diverging);
    expect(result.nonFiniteBatch).toBe(0);
    expect(result.nonFiniteBatch).toBe((await cpu.trainEpoch(cpuData, diverging)).nonFiniteBatch);
    expect(await fast.getParameters()).toEqual(start);
    const good = plan(rows, 3, rule, 1);
    expectAlike(await cpu.trainEpoch(cpuData, good), await fast.trainEpoch(fastData, good), 'after the restore');
  });

  it('keeps the log-variances of a Gaussian model, refuses parameters without them before changing anything, and refuses centring or tempering', async () => {
    const [V, H, rows] = [6, 5, 12];
    const fast = await wasm(V, H, 2, GAUSSIAN);
    await fast.setParameters(gaussianParameters(V, H, 7));
    expect(await fast.getParameters()).toEqual(gaussianParameters(V, H, 7));
    await expect(fast.setParameters(randomParameters(V, H, 8))).rejects.toThrow(/needs visibleLogVariance/);
    expect(await fast.getParameters()).toEqual(gaussianParameters(V, H, 7));
    const binary = await wasm(V, H, 1);
    await expect(binary.setParameters(gaussianParameters(V, H, 7))).rejects.toThrow(/only a model with Gaussian visible units/);
    const data = await fast.upload(realData(rows, V, 3));
    const tempered = { ...GAUSSIAN_RULES[4], parallelTempering: { temperatures: 3 } };
    await expect(fast.trainEpoch(data, plan(rows, 2, tempered))).rejects.toThrow(/parallelTempering: is not available with visibleType: 'gaussian'/);
    await fast.setParameters({ ...gaussianParameters(V, H, 7), visibleOffset: fixture(V, 1, 0.1, 0.9), hiddenOffset: fixture(H, 2, 0.3, 0.7) });
    const centred = { ...GAUSSIAN_RULES[4], centring: { offsetRate: 0.01 } };
    await expect(fast.trainEpoch(data, plan(rows, 2, centred))).rejects.toThrow(/centering: is not available with visibleType: 'gaussian'/);
  });
});

describe.each([
  [7, 5],
  [785, 7],
  [13, 67],
])('inference on a Gaussian model on the WebAssembly backend at %i visible × %i hidden', (V, H) => {
  it('gives the reference’s means, draws, energies, free energies and exact log Z', async () => {
    const parameters = gaussianParameters(V, H, V + H, 0.3);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H, ...GAUSSIAN }));
    const fast = await wasm(V, H, 2, GAUSSIAN);
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const rows = 9;
    const v = realData(rows, V, 4);
    const h = binaryData(rows, H, 5, 0.5);
    // The same host code reads the parameters where each backend keeps them: equal, bit for bit.
    const same = (actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) => expectClose(actual, expected, { atol: 0, rtol: 0, label });
    for (const draw of [undefined, { seed: 9, phase: Phase.inferVisible, epoch: 4, batch: 2 }]) {
      same((await fast.propagate(h, 'visible', draw)).data, (await cpu.propagate(h, 'visible', draw)).data, `visible units${draw ? ', drawn' : ''}`);
      same((await fast.propagate(v, 'hidden', draw)).data, (await cpu.propagate(v, 'hidden', draw)).data, `hidden units${draw ? ', drawn' : ''}`);
    }
    same((await fast.preActivations(v, 'hidden')).data, (await cpu.preActivations(v, 'hidden')).data, "c + (v/σ²)·W");
    same((await fast.preActivations(h, 'visible')).data, (await cpu.preActivations(h, 'visible')).data, 'b + h·Wᵀ');
    // The free energy sees σ: it is not the one of the same weights and biases with unit variances.
    const plain = await wasm(V, H, 1, GAUSSIAN);
    await plain.setParameters({ ...parameters, visibleLogVariance: new Float32Array(V), visibleLogVarianceVelocity: new Float32Array(V) });
    expect(Array.from((await plain.preActivations(v, 'hidden')).data)).not.toEqual(Array.from((await fast.preActivations(v, 'hidden')).data));
    if (H <= 24) expect(await fast.logPartitionExact()).toBe(await cpu.logPartitionExact());
  });
});

/**
 * Gaussian AIS's jobs for a model with `runs` chains: forward up a path of 150 βs from the base
 * model's draws b + σ ⊙ n (as aisLogPartition makes them); reverse from data rows, 20 repeated
 * βs of burn-in at 1 and then down the same path; and a coarse path with a repeated β, whose
 * large steps take the kernels' other branch of the softplus difference.
 */
function gaussianAnnealJobs(p: Parameters, runs: number): [string, AnnealJob][] {
  const V = p.visibleBias.length;
  const baseBias = new Float32Array(V);
  const up = Float64Array.from({ length: 150 }, (_, k) => k / 149);
  const down = Float64Array.from([...new Array<number>(20).fill(1), ...up.slice().reverse()]);
  const fromBase = new Float32Array(runs * V);
  normalDraws(philoxUniforms, { seed: 17, phase: Phase.aisVisible, epoch: 0, batch: 0 }, runs, V, fromBase, new Float32Array(2 * runs * V));
  for (let k = 0; k < fromBase.length; k++) fromBase[k] = p.visibleBias[k % V] + Math.exp(p.visibleLogVariance![k % V] / 2) * fromBase[k];
  return [
    ['forward', { path: up, start: fromBase, runs, baseBias, seed: 17 }],
    ['reverse', { path: down, start: realData(runs, V, 5).data, runs, baseBias, seed: 18 }],
    ['coarse', { path: Float64Array.of(0, 0.3, 0.3, 0.9, 1), start: fromBase, runs, baseBias, seed: 19 }],
  ];
}

describe.each([
  [7, 5],
  [13, 67],
  [785, 7],
])('Gaussian AIS on the WebAssembly backend at %i visible × %i hidden', (V, H) => {
  it('gives the log weights annealGaussianOnHost gives, forward and reverse', async () => {
    const parameters = gaussianParameters(V, H, V + 2 * H, 0.3);
    const fast = await wasm(V, H, 2, GAUSSIAN);
    await fast.setParameters(parameters);
    for (const [name, job] of gaussianAnnealJobs(parameters, 11)) {
      const expected = await annealGaussianOnHost(parameters, V, H, job);
      // The same chains (a hidden decision would have to be within about 1e-6 of its draw to
      // differ), weights apart by float32 rounding of the hidden inputs, carried into the
      // softplus differences. Measured: at most 6e-7 relative (1.2e-5 absolute on a weight of 35).
      expectClose(await fast.anneal(job), expected, { atol: 1e-5, rtol: 1e-5, label: `${name} log weights` });
    }
  });

  it('anneals bit-identically with 1 and 3 threads', async () => {
    const parameters = gaussianParameters(V, H, V + 3 * H, 0.3);
    const results = [];
    for (const threads of [1, 3]) {
      const fast = await wasm(V, H, threads, GAUSSIAN);
      await fast.setParameters(parameters);
      const weights = [];
      for (const [, job] of gaussianAnnealJobs(parameters, 13)) weights.push(await fast.anneal(job));
      results.push(weights);
    }
    expect(results[1]).toEqual(results[0]);
  });
});

describe('a Gaussian model on the WebAssembly backend', () => {
  it('trains through the model as the TypeScript kernels do: MSE per epoch and parameters', async () => {
    const [V, H] = [12, 7];
    const x = realData(60, V, 14);
    const runs = [];
    for (const threads of [0, 2]) {
      const rbm = new RBM({ visible: V, hidden: H, threads, seed: 7, visibleType: 'gaussian', learningRate: 0.01, gradient: 'mean', momentum: 0.5 });
      try {
        const mse = (await rbm.fit(x, { epochs: 2, batchSize: 20, verbose: false })).klDivergence;
        runs.push({ mse, parameters: await rbm.getParameters() });
      } finally {
        await rbm.dispose();
      }
    }
    expectClose(runs[1].mse, runs[0].mse, { atol: 1e-6, rtol: 1e-5, label: 'MSE per epoch' });
    for (const key of KEYS) expectClose(runs[1].parameters[key]!, runs[0].parameters[key]!, { atol: 1e-5, rtol: 1e-4, label: key });
  });
});

import { describe, expect, it } from 'vitest';
import { copyParameters, modelShape, type EpochPlan, type EpochResult, type Parameters, type TrainingRule } from '../src/backend/backend.js';
import { contrastiveDivergenceStep } from '../src/backend/cpu/cd-step.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { StepScratch } from '../src/backend/cpu/scratch.js';
import { MIN_GAMMA } from '../src/layers/gaussian.js';
import { HIDDEN_LAYERS, modelLayers, type HiddenType } from '../src/layers/registry.js';
import type { Matrix } from '../src/matrix.js';
import { sigmoid } from '../src/math.js';
import { annealOnHost } from '../src/backend/anneal.js';
import { ERFCX_PIECES, EXCESS_PIECES, piecewiseAt, SERIES_SCALE } from '../src/backend/wasm/normal-series.js';
import { erfcx, millsExcess } from '../src/layers/normal.js';
import { RBM } from '../src/node.js';
import { GIBBS_PHASE_STRIDE, Phase, philoxUniforms, type DrawAddress, type UniformSource } from '../src/rng/stream.js';
import { binaryData, epochPlan, expectClose, fixture, randomParameters } from './helpers.js';
import { wasmBackends } from './wasm-helpers.js';

// The WebAssembly kernels with Gaussian and ReLU hidden units against the reference (the CD
// skeleton of src/backend/cpu/cd-step.ts over the layers of src/layers/; docs/layers.md):
// training, inference, the Gibbs loop, the kernels' sampler against the exact distribution of a
// small model, thread-count independence, and the model through `new RBM`.

const wasm = wasmBackends();

type Kind = Exclude<HiddenType, 'binary'>;
const TYPES: readonly Kind[] = ['gaussian', 'relu'];

/** randomParameters with γ in [0.7, 1.6) and small velocities for it. */
function hiddenParameters(V: number, H: number, seed: number, scale = 1): Parameters {
  return { ...randomParameters(V, H, seed, scale), hiddenGamma: fixture(H, seed + 10, 0.7, 1.6), hiddenGammaVelocity: fixture(H, seed + 11, -0.01, 0.01) };
}

function plan(rows: number, batches: number, rule: TrainingRule, epoch = 0): EpochPlan {
  return epochPlan(rows, Math.floor(rows / batches), 5, epoch, rule);
}

// Sampled, mean and 'mixed' statistics, summed and averaged gradients, CD-1 to 3, persistent
// chains, weight decay and momentum.
const HIDDEN_RULES: TrainingRule[] = [
  { learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.2, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.1, momentum: 0, statistics: 'mixed', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.05, momentum: 0.9, statistics: 'samples', gradient: 'mean', cdSteps: 3, persistent: false, weightDecay: 0.01 },
  { learningRate: 0.1, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0 },
  { learningRate: 0.1, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 2, persistent: true, weightDecay: 0.001 },
  { learningRate: 0.02, momentum: 0.5, statistics: 'probabilities', gradient: 'sum', cdSteps: 2, persistent: false, weightDecay: 0 },
];

const KEYS = ['weights', 'visibleBias', 'hiddenBias', 'weightVelocity', 'visibleBiasVelocity', 'hiddenBiasVelocity', 'hiddenGamma', 'hiddenGammaVelocity'] as const;

/**
 * The kernels' visible probabilities are float32 sums of real hidden states within about 1e-6 of
 * the reference's float64 sums; so wherever the reference's visible probabilities are all farther
 * than this from their draws, every sampled visible bit is the reference's, and the chains differ
 * by rounding alone.
 */
const CLOSE_CALL = 1e-5;

/** Trains `plans` as CpuBackend does, watching each visible draw: the smallest |p − u| of any visible unit sampled. */
function closestVisibleCall(type: Kind, p: Parameters, x: Matrix, plans: EpochPlan[]): number {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  const layers = modelLayers({ visibleType: 'binary', hiddenType: type, learnVariance: false });
  const q = copyParameters(p);
  const s = new StepScratch(plans[0].largestBatch, V, H, layers);
  const batch = new Float32Array(plans[0].largestBatch * V);
  let closest = Infinity;
  const watched: UniformSource = (address, rows, cols, out) => {
    philoxUniforms(address, rows, cols, out);
    if (address.phase % GIBBS_PHASE_STRIDE !== Phase.visible) return;
    for (let k = 0; k < rows * cols; k++) closest = Math.min(closest, Math.abs(s.visibleProb[k] - out[k]));
  };
  for (const plan of plans) {
    for (let b = 0; b + 1 < plan.batchStarts.length; b++) {
      const [start, end] = [plan.batchStarts[b], plan.batchStarts[b + 1]];
      for (let r = start; r < end; r++) batch.set(x.data.subarray(plan.order[r] * V, (plan.order[r] + 1) * V), (r - start) * V);
      const at = (phase: number): DrawAddress => ({ seed: plan.seed, phase, epoch: plan.epoch, batch: b });
      contrastiveDivergenceStep(layers, q, batch, end - start, plan.rule, at, watched, s);
    }
  }
  return closest;
}

/**
 * The loss per batch, every parameter and the chains of `b` within tolerance of the reference's
 * `a`: the kernels sum in float32 where the reference sums in float64, and the hidden states are
 * real numbers whose rounding the chains carry on.
 */
function expectAlike(a: EpochResult, b: EpochResult, label: string): void {
  expectClose(b.losses, a.losses, { atol: 1e-5, rtol: 1e-5, label: `${label}: KL per batch` });
  for (const key of KEYS) expectClose(b.parameters[key] ?? [], a.parameters[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
  expectClose(b.parameters.hiddenChains ?? [], a.parameters.hiddenChains ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: chains` });
}

// Sizes off the 16-float blocks and 4-lane vectors, and batches that differ by one; data whose
// visible draws are all farther than CLOSE_CALL from their probabilities.
const SHAPES: [visible: number, hidden: number, rows: number, dataSeed: number][] = [
  [1, 1, 5, 9],
  [7, 5, 23, 9],
  [13, 67, 30, 9],
  [785, 7, 12, 11],
];

describe.each(TYPES)('%s hidden units in the WebAssembly kernels', (type) => {
  const shape = (V: number, H: number) => modelShape({ visible: V, hidden: H, hiddenType: type });

  describe.each(SHAPES)('at %i visible × %i hidden, %i rows', (V, H, rows, dataSeed) => {
    it.each(HIDDEN_RULES)('train two epochs as the reference: KL per batch, parameters with γ and its velocity, chains (%j)', async (rule) => {
      // Real hidden states are unbounded: weights of about 2/√V and rates of about 16/V keep z of
      // order 1 through training, where the chain does not amplify rounding (z of hundreds would).
      const parameters = hiddenParameters(V, H, V + 3 * H, Math.min(0.5, 2 / Math.sqrt(V)));
      const x = binaryData(rows, V, dataSeed, 0.3);
      const scaled = { ...rule, learningRate: rule.learningRate * Math.min(1, 16 / V) };
      const plans = [plan(rows, 3, scaled, 0), plan(rows, 3, scaled, 1)];
      const cpu = new CpuBackend(shape(V, H));
      const fast = await wasm(V, H, 2, { hiddenType: type });
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
      expect(Array.from(last!.parameters.hiddenGamma!), 'γ learns').not.toEqual(Array.from(parameters.hiddenGamma!));
      expect(closestVisibleCall(type, parameters, x, plans), 'no visible probability within CLOSE_CALL of its draw (else choose other data)').toBeGreaterThan(CLOSE_CALL);
    });
  });

  it.each([HIDDEN_RULES[0], HIDDEN_RULES[5]])('trains bit-identically with 1 and 3 threads (%j)', async (rule) => {
    // 41 hidden units and 90 rows in batches of 22 and 23: three threads' shares of rows, and of
    // the hidden units, differ in size and end inside a 4-lane vector.
    const [V, H, rows] = [101, 41, 90];
    const x = binaryData(rows, V, 6, 0.25);
    const results = [];
    for (const threads of [1, 3]) {
      const fast = await wasm(V, H, threads, { hiddenType: type });
      await fast.setParameters(hiddenParameters(V, H, 11, 0.1));
      const data = await fast.upload(x);
      const epochs = [];
      for (let epoch = 0; epoch < 2; epoch++) epochs.push(await fast.trainEpoch(data, plan(rows, 4, rule, epoch)));
      results.push(epochs);
    }
    expect(results[0][1].parameters.hiddenGamma).not.toEqual(hiddenParameters(V, H, 11, 0.1).hiddenGamma);
    expect(results[1]).toEqual(results[0]);
  });

  it('keeps γ at MIN_GAMMA or above, as the reference does', async () => {
    const [V, H, rows] = [12, 9, 40];
    // Data of ones and even hidden units joined to them by positive weights, so that z ≈ 0.6 in
    // the positive phase; b = −50 keeps the model's visible units off, so that z = 0 in the
    // negative phase: E[h² | z] falls from data to model, and γ's step takes those units below
    // the floor. The odd units are joined to nothing: γ stays.
    const parameters: Parameters = {
      ...hiddenParameters(V, H, 31, 0.5),
      weights: fixture(V * H, 33, 0, 0.1).map((w, k) => (k % H) % 2 === 0 ? w : 0),
      visibleBias: new Float32Array(V).fill(-50),
      hiddenBias: new Float32Array(H),
      hiddenGamma: fixture(H, 32, 0.06, 0.3),
    };
    const rule: TrainingRule = { learningRate: 1, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 };
    const cpu = new CpuBackend(shape(V, H));
    const fast = await wasm(V, H, 2, { hiddenType: type });
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const x = { data: new Float32Array(rows * V).fill(1), rows, cols: V };
    const p = plan(rows, 2, rule);
    const [a, b] = [await cpu.trainEpoch(await cpu.upload(x), p), await fast.trainEpoch(await fast.upload(x), p)];
    const floored = (r: EpochResult) => Array.from(r.parameters.hiddenGamma!, (g, j) => (g === Math.fround(MIN_GAMMA) ? j : -1)).filter((j) => j >= 0);
    expect(floored(a), 'the even units floored').toEqual([0, 2, 4, 6, 8]);
    expect(floored(b)).toEqual(floored(a));
    expect(Math.min(...b.parameters.hiddenGamma!)).toBe(Math.fround(MIN_GAMMA));
    expectAlike(a, b, 'floored');
  });

  it('restores the parameters, γ included, when an epoch diverges, and then trains as the reference does', async () => {
    const [V, H, rows] = [9, 6, 30];
    const rule = HIDDEN_RULES[0];
    const start = hiddenParameters(V, H, 23, 0.5);
    const cpu = new CpuBackend(shape(V, H));
    const fast = await wasm(V, H, 2, { hiddenType: type });
    await cpu.setParameters(start);
    await fast.setParameters(start);
    const x = binaryData(rows, V, 14, 0.4);
    const [cpuData, fastData] = [await cpu.upload(x), await fast.upload(x)];
    const diverging = plan(rows, 3, { ...rule, learningRate: 1e38 });
    const result = await fast.trainEpoch(fastData, diverging);
    expect(result.nonFiniteBatch).toBe(0);
    expect(result.nonFiniteBatch).toBe((await cpu.trainEpoch(cpuData, diverging)).nonFiniteBatch);
    expect(await fast.getParameters()).toEqual(start);
    const good = plan(rows, 3, rule, 1);
    expectAlike(await cpu.trainEpoch(cpuData, good), await fast.trainEpoch(fastData, good), 'after the restore');
  });

  it('propagates to the hidden units as the reference: means, and samples at a draw address', async () => {
    const [V, H, rows] = [13, 10, 17];
    const parameters = hiddenParameters(V, H, 41, 0.8);
    const cpu = new CpuBackend(shape(V, H));
    const fast = await wasm(V, H, 2, { hiddenType: type });
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const x = binaryData(rows, V, 3, 0.5);
    expectClose((await fast.propagate(x, 'hidden')).data, (await cpu.propagate(x, 'hidden')).data, { atol: 1e-6, rtol: 1e-6, label: 'means' });
    const draw: DrawAddress = { seed: 4, phase: Phase.inferHidden, epoch: 2, batch: 0 };
    const samples = await fast.propagate(x, 'hidden', draw);
    expectClose(samples.data, (await cpu.propagate(x, 'hidden', draw)).data, { atol: 1e-6, rtol: 1e-6, label: 'samples' });
    expect(new Set(samples.data).size, 'real-valued samples').toBeGreaterThan(rows);
  });

  it('runs the Gibbs loop as the reference: daydreams and inpainting', async () => {
    const [V, H, rows] = [16, 6, 9];
    const parameters = hiddenParameters(V, H, 51, 0.8);
    const cpu = new CpuBackend(shape(V, H));
    const fast = await wasm(V, H, 2, { hiddenType: type });
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const start = binaryData(rows, V, 5, 0.5);
    const at = (phase: number, epoch: number): DrawAddress => ({ seed: 8, phase, epoch, batch: 0 });
    const steps = [1, 2, 3, 4];
    const daydream = { start, hiddenDraws: steps.map((s) => at(Phase.inferHidden, s)), visibleDraws: steps.slice(1).map((s) => at(Phase.inferVisible, s)), probabilities: true };
    expectClose((await fast.gibbs(daydream)).data, (await cpu.gibbs(daydream)).data, { atol: 1e-6, rtol: 1e-6, label: 'daydream' });
    const known = { data: Float32Array.from({ length: rows * V }, (_, k) => (k % V < V / 2 ? 1 : 0)), rows, cols: V };
    const inpaint = { ...daydream, probabilities: false, visibleDraws: steps.map((s) => at(Phase.inferVisible, s)), clamp: { known, values: start } };
    const painted = await fast.gibbs(inpaint);
    expectClose(painted.data, (await cpu.gibbs(inpaint)).data, { atol: 0, rtol: 0, label: 'inpainting' });
    for (let k = 0; k < rows * V; k++) if (known.data[k] === 1) expect(painted.data[k]).toBe(start.data[k]);
  });

  it("keeps a small model's exact visible distribution through one of the kernels' Gibbs steps from exact samples (χ² over the 16 states)", async () => {
    const [V, H, n] = [4, 3, 40_000];
    const layer = HIDDEN_LAYERS[type]();
    const p: Parameters = { ...hiddenParameters(V, H, 21, 0.8), weightVelocity: new Float32Array(V * H), visibleBiasVelocity: new Float32Array(V), hiddenBiasVelocity: new Float32Array(H), hiddenGammaVelocity: new Float32Array(H) };
    const exact = exactVisibleDistribution(type, p);
    // Exact visible samples, and hidden states drawn from p(h | v) by the reference: exact samples of p(h).
    const v = sampleStates(exact, n, V, 1);
    const z = new Float32Array(n * H);
    for (let r = 0; r < n; r++) for (let j = 0; j < H; j++) z[r * H + j] = p.hiddenBias[j] + Array.from({ length: V }, (_, i) => v.data[r * V + i] * p.weights[i * H + j]).reduce((a, b) => a + b);
    const mean = new Float32Array(n * H);
    layer.mean(p, z, n * H, mean);
    const h = new Float32Array(n * H);
    layer.sample(p, z, mean, n, { address: { seed: 3, phase: Phase.hidden, epoch: 0, batch: 0 }, uniforms: philoxUniforms, scratch: new Float32Array(n * layer.drawWidth(H)) }, h);
    // One batch of persistent CD-1 that learns nothing: the chains take one Gibbs step in the kernels, v ~ p(v | h), h ~ p(h | v).
    const fast = await wasm(V, H, 2, { hiddenType: type });
    await fast.setParameters({ ...p, hiddenChains: h });
    const still: TrainingRule = { learningRate: 0, momentum: 0, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0 };
    const result = await fast.trainEpoch(await fast.upload(v), { order: Uint32Array.from({ length: n }, (_, r) => r), batchStarts: Uint32Array.of(0, n), largestBatch: n, seed: 9, epoch: 0, rule: still, firstBatch: 0 });
    expect(result.parameters.hiddenGamma).toEqual(p.hiddenGamma);
    const chains = result.parameters.hiddenChains!;
    expect(chains).not.toEqual(h);
    // A visible state from each chain's p(v | h), on the host: distributed as p(v) if the kernels' step kept p(h).
    const u = new Float32Array(n * V);
    philoxUniforms({ seed: 5, phase: Phase.inferVisible, epoch: 0, batch: 0 }, n, V, u);
    const counts = new Float64Array(2 ** V);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let i = 0; i < V; i++) {
        let a = p.visibleBias[i];
        for (let j = 0; j < H; j++) a += chains[r * H + j] * p.weights[i * H + j];
        if (sigmoid(a) > u[r * V + i]) s |= 1 << i;
      }
      counts[s]++;
    }
    const chi2 = counts.reduce((sum, c, s) => sum + (c - n * exact[s]) ** 2 / (n * exact[s]), 0);
    // 15 degrees of freedom: 37.7 is the 0.001 quantile's bound.
    expect(chi2).toBeLessThan(37.7);
  });

  it('draws and averages units at extreme pre-activations (z from −60 to 30) as the reference: finite, ≥ 0 for ReLU units, within tolerance', async () => {
    // One visible unit with W = 0 and b = −30, so that c + v·W = c at every step: hidden unit j's
    // pre-activation is its bias, z_j, in both phases. With 'probabilities' and the summed
    // gradient at rate 1 and no momentum, the weight step is Σ_rows (x − v)·E[h | z] ≈ B·E[h | z];
    // the persistent chains keep each row's draws at z.
    const zs = Array.from({ length: 91 }, (_, k) => k - 60);
    const [V, H, rows] = [1, zs.length, 24];
    const parameters: Parameters = {
      ...randomParameters(V, H, 61, 0),
      visibleBias: Float32Array.of(-30),
      hiddenBias: Float32Array.from(zs),
      hiddenGamma: Float32Array.from(zs, (_, j) => [0.25, 1, 4][j % 3]),
      hiddenGammaVelocity: new Float32Array(H),
    };
    const x = { data: new Float32Array(rows).fill(1), rows, cols: V };
    for (const statistics of ['probabilities', 'samples'] as const) {
      const rule: TrainingRule = { learningRate: 1, momentum: 0, statistics, gradient: 'sum', cdSteps: 1, persistent: true, weightDecay: 0 };
      const cpu = new CpuBackend(shape(V, H));
      const fast = await wasm(V, H, 2, { hiddenType: type });
      await cpu.setParameters(parameters);
      await fast.setParameters(parameters);
      const p = plan(rows, 1, rule);
      const [a, b] = [await cpu.trainEpoch(await cpu.upload(x), p), await fast.trainEpoch(await fast.upload(x), p)];
      expect(b.nonFiniteBatch).toBeUndefined();
      const [chains, step] = [b.parameters.hiddenChains!, b.parameters.weightVelocity];
      expect(chains.every(Number.isFinite) && step.every(Number.isFinite)).toBe(true);
      if (type === 'relu') expect(chains.every((h) => h >= 0) && (statistics === 'samples' || step.every((m) => m > 0))).toBe(true);
      expectClose(chains, a.parameters.hiddenChains!, { atol: 1e-30, rtol: 2e-6, label: `${statistics}: draws at z from −60 to 30` });
      expectClose(step, a.parameters.weightVelocity, { atol: 1e-30, rtol: 2e-6, label: `${statistics}: B·E[h | z] (or B·h)` });
    }
  });

  it("anneals and sums log Z exactly on the host reference, from the parameters in the kernels' memory", async () => {
    const [V, H] = [6, 4];
    const parameters = hiddenParameters(V, H, 71, 0.8);
    const cpu = new CpuBackend(shape(V, H));
    const fast = await wasm(V, H, 2, { hiddenType: type });
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const runs = 5;
    const job = { path: Float64Array.from({ length: 50 }, (_, k) => k / 49), start: binaryData(runs, V, 2, 0.5).data, runs, baseBias: fixture(V, 3, -1, 1), seed: 6 };
    expect(Array.from(await fast.anneal(job))).toEqual(Array.from(await annealOnHost(parameters, V, H, job, undefined, HIDDEN_LAYERS[type]())));
    expect(await fast.logPartitionExact()).toBe(await cpu.logPartitionExact());
  });

  it('trains through the model as with threads: 0, within tolerance, on the WebAssembly kernels', async () => {
    const x = binaryData(120, 20, 7, 0.35);
    const options = { visible: 20, hidden: 7, hiddenType: type, learningRate: 0.05, momentum: 0.5, gradient: 'mean', statistics: 'probabilities', seed: 4 } as const;
    const [fast, reference] = [new RBM({ ...options, threads: 2 }), new RBM({ ...options, threads: 0 })];
    const [a, b] = [await reference.fit(x, { epochs: 2, batchSize: 20, verbose: false }), await fast.fit(x, { epochs: 2, batchSize: 20, verbose: false })];
    expect((await fast.device()).device).toMatch(/WebAssembly SIMD, 2 threads/);
    expectClose(b.klDivergence, a.klDivergence, { atol: 1e-5, rtol: 1e-5, label: 'KL per epoch' });
    const [p, q] = [await reference.getParameters(), await fast.getParameters()];
    for (const key of KEYS) expectClose(q[key]!, p[key]!, { atol: 1e-5, rtol: 1e-4, label: key });
    await Promise.all([fast.dispose(), reference.dispose()]);
  });
});

/** p(v) of every visible state of a small model, by enumeration: ∝ exp(b·v − Σ_j F_j(c_j + v·W_j)). */
function exactVisibleDistribution(type: Kind, p: Parameters): Float64Array {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  const layer = HIDDEN_LAYERS[type]();
  const logs = Float64Array.from({ length: 2 ** V }, (_, s) => {
    let log = 0;
    for (let i = 0; i < V; i++) if ((s >> i) & 1) log += p.visibleBias[i];
    for (let j = 0; j < H; j++) {
      let a = p.hiddenBias[j];
      for (let i = 0; i < V; i++) if ((s >> i) & 1) a += p.weights[i * H + j];
      log -= layer.freeEnergy(p, a, j);
    }
    return log;
  });
  const top = Math.max(...logs);
  const weights = logs.map((l) => Math.exp(l - top));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** n visible rows drawn from `distribution` over the 2^V states (inverse CDF at uniforms of batch `batch`). */
function sampleStates(distribution: Float64Array, n: number, V: number, batch: number): Matrix {
  const u = new Float32Array(n);
  philoxUniforms({ seed: 5, phase: Phase.init, epoch: 0, batch }, n, 1, u);
  const cumulative = distribution.map(((sum) => (w) => (sum += w))(0));
  const data = new Float32Array(n * V);
  for (let r = 0; r < n; r++) {
    const s = Math.min(cumulative.findIndex((c) => u[r] < c), 2 ** V - 1);
    for (let i = 0; i < V; i++) data[r * V + i] = (s >> i) & 1;
  }
  return { data, rows: n, cols: V };
}

describe("the ReLU kernel's piecewise polynomials (src/backend/wasm/normal-series.ts)", () => {
  it('give erfcx and the Mills excess within 2e-12 of the reference for every x ≥ 0', () => {
    let [worstErfcx, worstExcess] = [0, 0];
    for (let k = 0; k <= 20_000; k++) {
      const x = k < 10_000 ? k * 0.003 : Math.exp((k - 10_000) / 1000);
      const t = (x - SERIES_SCALE) / (x + SERIES_SCALE);
      worstErfcx = Math.max(worstErfcx, Math.abs(piecewiseAt(ERFCX_PIECES, t) / (x + SERIES_SCALE) / erfcx(x) - 1));
      worstExcess = Math.max(worstExcess, Math.abs(piecewiseAt(EXCESS_PIECES, t) / (x + SERIES_SCALE) / millsExcess(Math.SQRT2 * x) - 1));
    }
    expect(worstErfcx).toBeLessThan(2e-12);
    expect(worstExcess).toBeLessThan(2e-12);
  });
});

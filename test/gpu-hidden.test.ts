// Gaussian and ReLU hidden units on the GPU (their snippets in shaders/layers/, spliced into
// matmul.wgsl, and γ's step in gamma-step.wgsl) against the TypeScript reference (CpuBackend over
// src/layers/): inference, training epochs with every rule they take, the Gibbs loop, one Gibbs
// step's exact distribution, and the RBM class, each within an explicit tolerance. WGSL has no
// float64: the reference accumulates its products in float64 and evaluates the layers' formulas
// in float64, the GPU in float32, so each tolerance below says what float32 costs there.
import { afterAll, describe, expect, it } from 'vitest';
import { annealGaussianOnHost, annealOnHost } from '../src/backend/anneal.js';
import { modelShape, type Backend, type EpochResult, type ModelShape, type Parameters, type TrainingRule } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import type { WebGpuBackend } from '../src/backend/webgpu/webgpu-backend.js';
import { daydream, inpaint, type Draws } from '../src/gibbs.js';
import { MIN_GAMMA } from '../src/layers/gaussian.js';
import type { HiddenLayer } from '../src/layers/layer.js';
import { HIDDEN_LAYERS } from '../src/layers/registry.js';
import { matrix, type Matrix } from '../src/matrix.js';
import { RBM } from '../src/node.js';
import { Phase, philoxUniforms, type DrawAddress } from '../src/rng/stream.js';
import { gpuBackend } from './gpu-helpers.js';
import { binaryData, epochPlan, expectClose, fixture, PARAMETER_KEYS, randomParameters } from './helpers.js';

type Kind = 'gaussian' | 'relu';
const TYPES: readonly Kind[] = ['gaussian', 'relu'];

const open: Backend[] = [];
afterAll(async () => {
  for (const b of open) await b.dispose();
});

/** randomParameters with γ in [0.6, 1.8) and its small momentum (and log-variances for Gaussian visible units). */
function hiddenParameters(V: number, H: number, seed: number, scale: number, gaussianVisible = false): Parameters {
  const p = { ...randomParameters(V, H, seed, scale), hiddenGamma: fixture(H, seed + 20, 0.6, 1.8), hiddenGammaVelocity: fixture(H, seed + 21, -0.01, 0.01) };
  return gaussianVisible ? { ...p, visibleLogVariance: fixture(V, seed + 22, -0.5, 0.5), visibleLogVarianceVelocity: new Float32Array(V) } : p;
}

function shapeOf(type: Kind, V: number, H: number, gaussianVisible = false): ModelShape {
  return modelShape({ visible: V, hidden: H, hiddenType: type, visibleType: gaussianVisible ? 'gaussian' : 'binary' });
}

/** The reference and a GPU backend for `type` hidden units, holding `p`. */
async function pair(type: Kind, V: number, H: number, p: Parameters, gaussianVisible = false): Promise<{ cpu: CpuBackend; gpu: WebGpuBackend }> {
  const shape = shapeOf(type, V, H, gaussianVisible);
  const cpu = new CpuBackend(shape);
  const gpu = await gpuBackend(V, H, {}, shape);
  open.push(cpu, gpu);
  await cpu.setParameters(p);
  await gpu.setParameters(p);
  return { cpu, gpu };
}

/** Real-valued rows around per-column centres in [−2, 2). */
function realData(rows: number, cols: number, seed: number): Matrix {
  const centres = fixture(cols, seed + 1, -2, 2);
  return matrix(rows, cols, fixture(rows * cols, seed).map((u, k) => centres[k % cols] + 3 * (u - 0.5)));
}

// Odd sizes off the tiles (64) and the vec4 (4); rows that split into uneven batches.
const SHAPES: [visible: number, hidden: number, rows: number, scale: number][] = [
  [7, 5, 23, 0.5],
  [13, 67, 65, 0.2],
];

/**
 * Means within 2e-6 + 1e-5·|ref|: z = c + v·W is a float32 sum of at most 13 products here
 * against the reference's float64 sum rounded once, and the mean's formula adds a few ulp
 * (ReLU: about 1e-6 relative, from erfcx's Chebyshev fit and λ − α). Samples within
 * 2e-5 + 1e-4·|ref|: a draw also carries the float32 sampler's error (Gaussian: Box–Muller's log
 * and cos, a few ulp of a normal of magnitude up to 5.8; ReLU: Newton's root or the quantile, a
 * few ulp relative but for an excess near 0 at α near 0, whose error stays below 1e-7 absolute).
 */
const MEANS = { atol: 2e-6, rtol: 1e-5 };
const DRAWS = { atol: 2e-5, rtol: 1e-4 };

describe.each(TYPES)('%s hidden units on the GPU: inference', (type) => {
  it.each(SHAPES)('gives the reference\'s means and draws at %i × %i on %i rows', async (V, H, rows, scale) => {
    const { cpu, gpu } = await pair(type, V, H, hiddenParameters(V, H, V + H, 4 * scale));
    const v = binaryData(rows, V, 1, 0.5);
    const means = (await cpu.propagate(v, 'hidden')).data;
    expectClose((await gpu.propagate(v, 'hidden')).data, means, { ...MEANS, label: 'means' });
    const draw: DrawAddress = { seed: 9, phase: Phase.inferHidden, epoch: 4, batch: 2 };
    const draws = (await cpu.propagate(v, 'hidden', draw)).data;
    expectClose((await gpu.propagate(v, 'hidden', draw)).data, draws, { ...DRAWS, label: 'draws' });
    expect(draws.some((h, k) => Math.abs(h - means[k]) > 0.1), 'the draws are not the means').toBe(true);
    // The visible layer given real hidden states, and the pre-activations energies are made of.
    const h = matrix(rows, H, draws);
    expectClose((await gpu.propagate(h, 'visible')).data, (await cpu.propagate(h, 'visible')).data, { atol: 1e-6, rtol: 1e-5, label: 'visible probabilities' });
    expectClose((await gpu.preActivations(v, 'hidden')).data, (await cpu.preActivations(v, 'hidden')).data, { atol: 1e-5, rtol: 1e-5, label: 'c + v·W' });
  });

  it('runs exact log Z and AIS as the host reference does, on its parameters', async () => {
    const [V, H] = [6, 4];
    const p = hiddenParameters(V, H, 3, 0.5);
    const { cpu, gpu } = await pair(type, V, H, p);
    expect(await gpu.logPartitionExact()).toBe(await cpu.logPartitionExact());
    const job = { path: Float64Array.from({ length: 50 }, (_, k) => k / 49), start: binaryData(20, V, 4, 0.5).data, runs: 20, baseBias: new Float32Array(V), seed: 5 };
    expect(Array.from(await gpu.anneal(job))).toEqual(Array.from(await annealOnHost(p, V, H, job, undefined, HIDDEN_LAYERS[type]())));
  });

  it('refuses parameters without γ, and a binary backend refuses γ', async () => {
    const [V, H] = [5, 3];
    const { hiddenGamma: _gamma, hiddenGammaVelocity: _velocity, ...binary } = hiddenParameters(V, H, 6, 0.5);
    const gpu = await gpuBackend(V, H, {}, shapeOf(type, V, H));
    open.push(gpu);
    await expect(gpu.setParameters(binary as Parameters)).rejects.toThrow(/hiddenGamma/);
    const plain = await gpuBackend(V, H);
    open.push(plain);
    await expect(plain.setParameters(hiddenParameters(V, H, 6, 0.5))).rejects.toThrow(/hiddenGamma: a model of this shape has none/);
  });
});

/** The parameters every comparison checks: the binary tests' and γ with its velocity (and log-variances where the visible units are Gaussian). */
const KEYS = [...PARAMETER_KEYS, 'hiddenGamma', 'hiddenGammaVelocity', 'visibleLogVariance', 'visibleLogVarianceVelocity'] as const;

/**
 * The per-batch loss within 1e-5 + 1e-5·|ref| and every parameter, γ and its velocity within
 * 1e-5 + 1e-4·|ref|, as the binary training tests: float32 products in another order and
 * float32 draws, over two epochs of small steps. The persistent chains hold real hidden states:
 * within the draws' tolerance. A visible bit drawn from a probability within float32's error of
 * its uniform could differ and move a parameter by a whole step; the seeds have no such tie.
 */
async function expectSameEpoch(cpu: Backend, gpu: Backend, a: EpochResult, b: EpochResult, label: string): Promise<void> {
  expect(b.nonFiniteBatch, `${label}: non-finite batch`).toBe(a.nonFiniteBatch);
  expectClose(b.losses, a.losses, { atol: 1e-5, rtol: 1e-5, label: `${label}: loss per batch` });
  const [pa, pb] = [await cpu.getParameters(), await gpu.getParameters()];
  for (const key of KEYS) expectClose(pb[key] ?? [], pa[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
  expectClose(pb.hiddenChains ?? [], pa.hiddenChains ?? [], { ...DRAWS, label: `${label}: persistent chains` });
}

// Every statistics, both gradients, CD-k, persistent chains, weight decay and momentum.
const HIDDEN_RULES: TrainingRule[] = [
  { learningRate: 0.01, momentum: 0.9, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.05, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0.01 },
  { learningRate: 0.05, momentum: 0.5, statistics: 'mixed', gradient: 'mean', cdSteps: 2, persistent: false, weightDecay: 0 },
  { learningRate: 0.01, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 3, persistent: false, weightDecay: 0.001 },
  { learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0 },
  { learningRate: 0.05, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 2, persistent: true, weightDecay: 0.001 },
  { learningRate: 0.01, momentum: 0.9, statistics: 'mixed', gradient: 'sum', cdSteps: 1, persistent: true, weightDecay: 0.01 },
];

/** Two epochs of `rule` on both backends from `p`, compared after each. */
async function trainBoth(type: Kind, V: number, H: number, rows: number, p: Parameters, x: Matrix, rule: TrainingRule, gaussianVisible = false): Promise<void> {
  const { cpu, gpu } = await pair(type, V, H, p, gaussianVisible);
  const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
  for (let epoch = 0; epoch < 2; epoch++) {
    const plan = epochPlan(rows, Math.max(1, Math.floor(rows / 3)), 3, epoch, rule);
    const [a, b] = [await cpu.trainEpoch(cpuData, plan), await gpu.trainEpoch(gpuData, plan)];
    expect(a.losses.every(Number.isFinite)).toBe(true);
    await expectSameEpoch(cpu, gpu, a, b, `epoch ${epoch}`);
    expect(b.parameters.hiddenGamma).toEqual((await gpu.getParameters()).hiddenGamma);
  }
  expect(Array.from((await gpu.getParameters()).hiddenGamma!)).not.toEqual(Array.from(p.hiddenGamma!));
}

describe.each(TYPES)('%s hidden units on the GPU: training', (type) => {
  describe.each(SHAPES)('at %i visible × %i hidden on %i rows', (V, H, rows, scale) => {
    it.each(HIDDEN_RULES)('matches the reference over two epochs: loss, parameters, γ and chains (%j)', async (rule) => {
      await trainBoth(type, V, H, rows, hiddenParameters(V, H, V + H, scale), binaryData(rows, V, 6), rule);
    });
  });

  it.each(HIDDEN_RULES.filter((r) => r.statistics !== 'mixed'))('matches the reference with Gaussian visible units (%j)', async (rule) => {
    const [V, H, rows] = [9, 6, 30];
    // Small weights and steps: with real units on both sides the joint density needs W small beside σ and γ.
    await trainBoth(type, V, H, rows, hiddenParameters(V, H, 15, 0.1, true), realData(rows, V, 7), { ...rule, learningRate: rule.learningRate / 10, learnVariance: true }, true);
  });

  it('keeps γ at MIN_GAMMA where a step takes it below, as the reference does', async () => {
    const [V, H, rows] = [9, 6, 24];
    const p = { ...hiddenParameters(V, H, 8, 0.5), hiddenGamma: new Float32Array(H).fill(0.3), hiddenGammaVelocity: fixture(H, 9, -0.6, -0.1) };
    const { cpu, gpu } = await pair(type, V, H, p);
    const x = binaryData(rows, V, 10);
    const plan = epochPlan(rows, 8, 4, 0, HIDDEN_RULES[0]);
    await expectSameEpoch(cpu, gpu, await cpu.trainEpoch(await cpu.upload(x), plan), await gpu.trainEpoch(await gpu.upload(x), plan), 'floored');
    const gamma = (await gpu.getParameters()).hiddenGamma!;
    expect(gamma.every((g) => g >= Math.fround(MIN_GAMMA))).toBe(true);
    expect(gamma.some((g) => g === Math.fround(MIN_GAMMA)), `γ = ${Array.from(gamma)}`).toBe(true);
  });

  it('restores every parameter, γ included, when an epoch diverges, and then trains as the reference does', async () => {
    const [V, H, rows] = [9, 6, 30];
    const start = hiddenParameters(V, H, 11, 0.5);
    const { cpu, gpu } = await pair(type, V, H, start);
    const x = binaryData(rows, V, 12);
    const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
    const diverging = epochPlan(rows, 8, 4, 0, { ...HIDDEN_RULES[4], learningRate: 1e38, momentum: 0 });
    const result = await gpu.trainEpoch(gpuData, diverging);
    expect(result.nonFiniteBatch).toBe((await cpu.trainEpoch(cpuData, diverging)).nonFiniteBatch);
    expect(result.nonFiniteBatch).toBeDefined();
    for (const p of [result.parameters, await gpu.getParameters()]) {
      for (const key of KEYS) expect(Array.from(p[key] ?? []), key).toEqual(Array.from(start[key] ?? []));
    }
    const good = epochPlan(rows, 8, 4, 1, HIDDEN_RULES[4]);
    await expectSameEpoch(cpu, gpu, await cpu.trainEpoch(cpuData, good), await gpu.trainEpoch(gpuData, good), 'after divergence');
  });
});

/** A model's inference stream from its first call, one address per call (ModelRecord.nextDraw). */
function stream(seed: number): Draws {
  let calls = 0;
  return (phase) => ({ seed, phase, epoch: calls++, batch: 0 });
}

describe.each(TYPES)('%s hidden units on the GPU: the Gibbs loop', (type) => {
  const [V, H, CHAINS] = [28, 9, 21];

  it('daydreams and inpaints as the reference does, and as its own host loop over propagate exactly', async () => {
    const { cpu, gpu } = await pair(type, V, H, hiddenParameters(V, H, 40, 0.5));
    const o = { steps: 3, chains: CHAINS, visible: V, probabilities: true };
    const dream = await daydream(gpu, stream(7), o);
    expectClose(dream.data, (await daydream(cpu, stream(7), o)).data, { atol: 1e-5, rtol: 1e-4, label: 'daydream' });
    const x = binaryData(CHAINS, V, 41, 0.3);
    const known = matrix(CHAINS, V, fixture(CHAINS * V, 42).map((u) => (u < 0.5 ? 1 : 0)));
    const filled = await inpaint(gpu, stream(8), x, known, 3);
    expectClose(filled.data, (await inpaint(cpu, stream(8), x, known, 3)).data, { atol: 1e-5, rtol: 1e-4, label: 'inpaint' });
    for (let k = 0; k < x.data.length; k++) if (known.data[k] === 1) expect(filled.data[k]).toBe(x.data[k]);
    // The encoded loop is propagate's kernels step by step.
    const draws = stream(7);
    let v = matrix(CHAINS, V);
    philoxUniforms(draws(Phase.inferVisible), CHAINS, V, v.data);
    for (let s = 0; s < 3; s++) v = await gpu.propagate(await gpu.propagate(v, 'hidden', draws(Phase.inferHidden)), 'visible', s === 2 ? undefined : draws(Phase.inferVisible));
    expectClose(dream.data, v.data, { atol: 0, rtol: 0, label: 'daydream against the host loop' });
  });
});

/** p(v) of every visible state of a small model with `layer` hidden units, by enumeration: ∝ exp(b·v − Σ_j F_j(c_j + v·W_j)). */
function exactVisibleDistribution(layer: HiddenLayer, p: Parameters, V: number, H: number): Float64Array {
  const logs = new Float64Array(2 ** V);
  for (let s = 0; s < 2 ** V; s++) {
    for (let i = 0; i < V; i++) if ((s >> i) & 1) logs[s] += p.visibleBias[i];
    for (let j = 0; j < H; j++) {
      let a = p.hiddenBias[j];
      for (let i = 0; i < V; i++) if ((s >> i) & 1) a += p.weights[i * H + j];
      logs[s] -= layer.freeEnergy(p, a, j);
    }
  }
  const top = Math.max(...logs);
  const weights = logs.map((l) => Math.exp(l - top));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return weights.map((w) => w / total);
}

describe.each(TYPES)('%s hidden units on the GPU: the sampler against the free energy', (type) => {
  it('keeps the exact visible distribution through one Gibbs step from exact samples (χ² over the 16 states)', async () => {
    const [V, H, n] = [4, 3, 40_000];
    const p = { ...randomParameters(V, H, 21, 0.8), hiddenGamma: fixture(H, 30, 0.7, 1.6), hiddenGammaVelocity: new Float32Array(H) };
    const exact = exactVisibleDistribution(HIDDEN_LAYERS[type](), p, V, H);
    const u = new Float32Array(n);
    philoxUniforms({ seed: 5, phase: Phase.init, epoch: 0, batch: 9 }, n, 1, u);
    const cumulative = exact.map(((sum) => (w) => (sum += w))(0));
    const start = new Float32Array(n * V);
    for (let r = 0; r < n; r++) {
      const s = Math.min(cumulative.findIndex((c) => u[r] < c), 2 ** V - 1);
      for (let i = 0; i < V; i++) start[r * V + i] = (s >> i) & 1;
    }
    const gpu = await gpuBackend(V, H, {}, shapeOf(type, V, H));
    open.push(gpu);
    await gpu.setParameters(p);
    const draw = (phase: number) => ({ seed: 11, phase, epoch: 1, batch: 0 });
    const after = await gpu.gibbs({ start: matrix(n, V, start), hiddenDraws: [draw(Phase.inferHidden)], visibleDraws: [draw(Phase.inferVisible)], probabilities: false });
    const counts = new Float64Array(2 ** V);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let i = 0; i < V; i++) s |= after.data[r * V + i] << i;
      counts[s]++;
    }
    const chi2 = counts.reduce((sum, c, s) => sum + (c - n * exact[s]) ** 2 / (n * exact[s]), 0);
    // 15 degrees of freedom: 37.7 is the 0.001 quantile's bound.
    expect(chi2).toBeLessThan(37.7);
  });
});

describe.each(TYPES)('an RBM with %s hidden units on the GPU', (type) => {
  it('fits as on the TypeScript reference, and says it ran on the GPU', async () => {
    const x = binaryData(120, 16, 3, 0.4);
    const runs = [];
    for (const useGPU of [false, true]) {
      const rbm = new RBM({ visible: 16, hidden: 6, hiddenType: type, useGPU, threads: 0, seed: 4, learningRate: 0.05, momentum: 0.5, gradient: 'mean' });
      try {
        const lines: string[] = [];
        const curve = (await rbm.fit(x, { epochs: 2, batchSize: 20, log: (l) => lines.push(l) })).klDivergence;
        runs.push({ curve, p: await rbm.getParameters(), banner: lines[0] });
      } finally {
        await rbm.dispose();
      }
    }
    expect(runs[0].banner).toMatch(/^# Computation will proceed on the CPU\.\n# CPU: TypeScript/);
    expect(runs[1].banner).toMatch(/^# GPU usage has been enabled/);
    expectClose(runs[1].curve, runs[0].curve, { atol: 1e-5, rtol: 1e-5, label: 'KL per epoch' });
    for (const key of KEYS) expectClose(runs[1].p[key] ?? [], runs[0].p[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: key });
  });
});

describe('ReLU hidden units on the GPU at extreme pre-activations', () => {
  // z = c exactly (W = 0): one unit at each whole z from −60 to 30, γ from 0.2 to 3, so α = −z/√γ reaches ±134.
  const [V, H, rows] = [1, 91, 100];
  const p: Parameters = {
    ...randomParameters(V, H, 60, 0),
    hiddenBias: Float32Array.from({ length: H }, (_, j) => -60 + j),
    hiddenGamma: fixture(H, 61, 0.2, 3),
    hiddenGammaVelocity: new Float32Array(H),
  };

  it('gives finite, non-negative means and draws, relatively as exact as the reference\'s', async () => {
    const { cpu, gpu } = await pair('relu', V, H, p);
    const v = matrix(rows, V);
    const means = (await gpu.propagate(v, 'hidden')).data;
    expect(means.every((m) => Number.isFinite(m) && m > 0)).toBe(true);
    // Relative precision at every z: erfcx's fit, and λ − α from the continued fraction where α is large.
    expectClose(means, (await cpu.propagate(v, 'hidden')).data, { atol: 0, rtol: 1e-5, label: 'means' });
    const draw: DrawAddress = { seed: 3, phase: Phase.inferHidden, epoch: 1, batch: 0 };
    const draws = (await gpu.propagate(v, 'hidden', draw)).data;
    expect(draws.every((h) => Number.isFinite(h) && h >= 0)).toBe(true);
    // Relative but for excesses near 0 at α near 0 (p near ½ in the quantile: below 1e-6 absolute).
    expectClose(draws, (await cpu.propagate(v, 'hidden', draw)).data, { atol: 1e-6, rtol: 1e-5, label: 'draws' });
  });

  it('trains as the reference does there, E[h² | z] included (mean statistics)', async () => {
    const x = binaryData(24, V, 62, 0.5);
    const rule = { ...HIDDEN_RULES[1], learningRate: 0.01 };
    const { cpu, gpu } = await pair('relu', V, H, p);
    const plan = epochPlan(24, 8, 4, 0, rule);
    await expectSameEpoch(cpu, gpu, await cpu.trainEpoch(await cpu.upload(x), plan), await gpu.trainEpoch(await gpu.upload(x), plan), 'extreme z');
  });
});

// Gaussian visible units' AIS with other hidden units runs the host's reference too.
it.each(TYPES)('anneals a Gaussian-visible model with %s hidden units as the host reference does', async (type) => {
  const [V, H] = [5, 3];
  const p = hiddenParameters(V, H, 50, 0.5, true);
  const { gpu } = await pair(type, V, H, p, true);
  const job = { path: Float64Array.from({ length: 30 }, (_, k) => k / 29), start: realData(10, V, 51).data, runs: 10, baseBias: new Float32Array(V), seed: 6 };
  expect(Array.from(await gpu.anneal(job))).toEqual(Array.from(await annealGaussianOnHost(p, V, H, job, HIDDEN_LAYERS[type]())));
});

// Gaussian visible units on the GPU against the reference (src/backend/cpu/gaussian-step.ts,
// host-backend.ts, annealGaussianOnHost, exactGaussianLogPartition): training epochs, the
// inference operations, exact log Z and AIS's log weights, each within an explicit tolerance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annealGaussianOnHost } from '../src/backend/anneal.js';
import type { AnnealJob, Backend, EpochResult, Parameters, TrainingRule } from '../src/backend/backend.js';
import { MAX_EXACT_UNITS } from '../src/backend/exact-partition.js';
import { InvalidArgumentError } from '../src/errors.js';
import { matrix, type Matrix } from '../src/matrix.js';
import { RBM } from '../src/node.js';
import { sigmoid, softplus } from '../src/math.js';
import { normalDraws, Phase, philoxUniforms, type DrawAddress } from '../src/rng/stream.js';
import { backendPair, gpuBackend } from './gpu-helpers.js';
import { binaryData, epochPlan, expectClose, fixture, PARAMETER_KEYS, randomParameters } from './helpers.js';

const open: Backend[] = [];
afterAll(async () => {
  for (const b of open) await b.dispose();
});

/** randomParameters with log-variances z in [−0.5, 0.5) (σ from 0.78 to 1.28) and their small momentum. */
function gaussianParameters(V: number, H: number, seed: number, scale: number): Parameters {
  return {
    ...randomParameters(V, H, seed, scale),
    visibleLogVariance: fixture(V, seed + 8, -0.5, 0.5),
    visibleLogVarianceVelocity: fixture(V, seed + 9, -0.01, 0.01),
  };
}

/** Real-valued rows: each column a uniform spread of width 3 around its own centre in [−2, 2). */
function realData(rows: number, cols: number, seed: number): Matrix {
  const centres = fixture(cols, seed + 1, -2, 2);
  return matrix(rows, cols, fixture(rows * cols, seed).map((u, k) => centres[k % cols] + 3 * (u - 0.5)));
}

async function pair(V: number, H: number, p: Parameters) {
  const backends = await backendPair(V, H, p);
  open.push(backends.cpu, backends.gpu);
  return backends;
}

const GAUSSIAN_KEYS = [...PARAMETER_KEYS, 'visibleLogVariance', 'visibleLogVarianceVelocity'] as const;

/**
 * Parameters within atol 1e-5 + rtol 1e-4 and the per-batch MSE within 1e-6 + 1e-5·|ref|, as the
 * binary training tests: float32 products in another order, WGSL's exp, log and cos within a
 * few ulp, over two epochs of small steps. The persistent chains are bits, equal exactly.
 */
async function expectSameEpoch(cpu: Backend, gpu: Backend, a: EpochResult, b: EpochResult, label: string): Promise<void> {
  expectClose(b.losses, a.losses, { atol: 1e-6, rtol: 1e-5, label: `${label}: MSE per batch` });
  const [pa, pb] = [await cpu.getParameters(), await gpu.getParameters()];
  for (const key of GAUSSIAN_KEYS) expectClose(pb[key] ?? [], pa[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
  expectClose(pb.hiddenChains ?? [], pa.hiddenChains ?? [], { atol: 0, rtol: 0, label: `${label}: persistent chains` });
}

const gaussian = (learnVariance: boolean) => ({ learnVariance });

// What the reference supports with Gaussian units: both statistics and gradients, CD-k,
// persistent chains, weight decay, momentum, and fixed or learned variances.
const GAUSSIAN_RULES: TrainingRule[] = [
  { learningRate: 0.002, momentum: 0.9, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0, ...gaussian(true) },
  { learningRate: 0.03, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0, ...gaussian(true) },
  { learningRate: 0.002, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 3, persistent: false, weightDecay: 0.01, ...gaussian(false) },
  { learningRate: 0.03, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0, ...gaussian(true) },
  { learningRate: 0.03, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 2, persistent: true, weightDecay: 0.001, ...gaussian(true) },
];

// Odd sizes off the tiles (64) and the vec4 (4); rows that split into uneven batches.
const SHAPES: [visible: number, hidden: number, rows: number, scale: number][] = [
  [7, 5, 23, 0.5],
  [13, 67, 65, 0.2],
  [785, 7, 130, 0.05],
];

describe.each(SHAPES)('Gaussian training at %i visible × %i hidden on %i rows', (V, H, rows, scale) => {
  it.each(GAUSSIAN_RULES)('matches the CPU over two epochs: MSE, parameters, log-variances and chains (%j)', async (rule) => {
    const { cpu, gpu } = await pair(V, H, gaussianParameters(V, H, V + H, scale));
    const x = realData(rows, V, 6);
    const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
    for (let epoch = 0; epoch < 2; epoch++) {
      const plan = epochPlan(rows, Math.max(1, Math.floor(rows / 3)), 3, epoch, rule);
      const [a, b] = [await cpu.trainEpoch(cpuData, plan), await gpu.trainEpoch(gpuData, plan)];
      expect(a.losses.every(Number.isFinite)).toBe(true);
      await expectSameEpoch(cpu, gpu, a, b, `epoch ${epoch}`);
      expect(b.parameters.visibleLogVariance).toEqual((await gpu.getParameters()).visibleLogVariance);
    }
  });
});

describe('Gaussian training on the GPU, epochs that stop or fail', () => {
  const [V, H, rows] = [9, 6, 30];
  const x = realData(rows, V, 14);
  const rule = GAUSSIAN_RULES[3];

  it('keeps the log-variances fixed without learnVariance, and rebuilds its kernels when that changes', async () => {
    const start = gaussianParameters(V, H, 31, 0.5);
    const { cpu, gpu } = await pair(V, H, start);
    const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
    for (const [epoch, learnVariance] of [[0, false], [1, true], [2, false]] as const) {
      const plan = epochPlan(rows, 8, 4, epoch, { ...rule, ...gaussian(learnVariance) });
      const z = (await gpu.getParameters()).visibleLogVariance!;
      await expectSameEpoch(cpu, gpu, await cpu.trainEpoch(cpuData, plan), await gpu.trainEpoch(gpuData, plan), `epoch ${epoch}`);
      const after = (await gpu.getParameters()).visibleLogVariance!;
      if (learnVariance) expect(Array.from(after)).not.toEqual(Array.from(z));
      else expect(Array.from(after)).toEqual(Array.from(z));
    }
  });

  it('submitted batch by batch, or stopped after the first batch, trains as the CPU does', async () => {
    const { cpu, gpu } = await pair(V, H, gaussianParameters(V, H, 32, 0.5));
    const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
    const seen: number[] = [];
    const perBatch = { ...epochPlan(rows, 8, 4, 0, rule), onBatch: (b: number) => seen.push(b) };
    const reference = await cpu.trainEpoch(cpuData, perBatch);
    seen.length = 0;
    await expectSameEpoch(cpu, gpu, reference, await gpu.trainEpoch(gpuData, perBatch), 'batch by batch');
    expect(seen).toEqual([0, 1, 2]);
    const stopping = (controller: AbortController) => ({ ...epochPlan(rows, 8, 4, 1, rule), onBatch: () => controller.abort(), signal: controller.signal });
    const [a, b] = [await cpu.trainEpoch(cpuData, stopping(new AbortController())), await gpu.trainEpoch(gpuData, stopping(new AbortController()))];
    expect(b.stopped).toBe(true);
    expect(b.losses).toHaveLength(1);
    await expectSameEpoch(cpu, gpu, a, b, 'stopped');
  });

  it('restores the log-variances with the rest when an epoch diverges, and then trains as the CPU does', async () => {
    const start = gaussianParameters(V, H, 33, 0.5);
    const { cpu, gpu } = await pair(V, H, start);
    const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
    const diverging = epochPlan(rows, 8, 4, 0, { ...rule, learningRate: 1e38, momentum: 0 });
    const result = await gpu.trainEpoch(gpuData, diverging);
    expect(result.nonFiniteBatch).toBe((await cpu.trainEpoch(cpuData, diverging)).nonFiniteBatch);
    expect(result.nonFiniteBatch).toBeDefined();
    for (const p of [result.parameters, await gpu.getParameters()]) {
      for (const key of GAUSSIAN_KEYS) expect(Array.from(p[key] ?? []), key).toEqual(Array.from(start[key] ?? []));
    }
    const good = epochPlan(rows, 8, 4, 1, rule);
    await expectSameEpoch(cpu, gpu, await cpu.trainEpoch(cpuData, good), await gpu.trainEpoch(gpuData, good), 'after divergence');
  });

  it('refuses to train a Gaussian model given parameters without log-variances, and with centring or parallel tempering', async () => {
    const gpu = await gpuBackend(V, H, {}, { visibleType: 'gaussian' });
    open.push(gpu);
    await gpu.setParameters(randomParameters(V, H, 34, 0.5));
    const data = await gpu.upload(x);
    await expect(gpu.trainEpoch(data, epochPlan(rows, 8, 4, 0, rule))).rejects.toThrow(/carry no log-variances/);
    await gpu.setParameters(gaussianParameters(V, H, 34, 0.5));
    const centred = { ...rule, centring: { offsetRate: 0.1 } };
    await expect(gpu.trainEpoch(data, epochPlan(rows, 8, 4, 0, centred))).rejects.toThrow(/centering: is not available with visibleType: 'gaussian'/);
    const tempered = { ...rule, persistent: true, parallelTempering: { temperatures: 3 } };
    await expect(gpu.trainEpoch(data, epochPlan(rows, 8, 4, 0, tempered))).rejects.toThrow(/parallelTempering: is not available with visibleType: 'gaussian'/);
  });
});

/** The sampled hidden bits that differ from the reference where p is not within 1e-5 of its draw. */
function unexplainedBits(cpu: Float32Array, gpu: Float32Array, p: Float32Array, draw: DrawAddress, rows: number, cols: number): string[] {
  const u = new Float32Array(rows * cols);
  philoxUniforms(draw, rows, cols, u);
  const off: string[] = [];
  for (let k = 0; k < u.length; k++) {
    if (cpu[k] !== gpu[k] && Math.abs(p[k] - u[k]) >= 1e-5) off.push(`[${Math.floor(k / cols)}, ${k % cols}] cpu ${cpu[k]} gpu ${gpu[k]} p ${p[k]} u ${u[k]}`);
  }
  return off;
}

describe.each(SHAPES)('Gaussian inference at %i visible × %i hidden, %i rows', (V, H, rows, scale) => {
  let cpu: Backend;
  let gpu: Backend;
  const p = gaussianParameters(V, H, 2 * V + H, 4 * scale);
  beforeAll(async () => {
    ({ cpu, gpu } = await pair(V, H, p));
  });

  it('hidden probabilities σ(c + (v/σ²)·W) match the CPU', async () => {
    const v = realData(rows, V, 1);
    expectClose((await gpu.propagate(v, 'hidden')).data, (await cpu.propagate(v, 'hidden')).data, { atol: 1e-6, rtol: 1e-5 });
  });

  it('sampled hidden bits equal the CPU’s wherever p is not within 1e-5 of its draw', async () => {
    const v = realData(rows, V, 2);
    const draw: DrawAddress = { seed: 9, phase: Phase.inferHidden, epoch: 4, batch: 2 };
    const probabilities = (await cpu.propagate(v, 'hidden')).data;
    const [a, b] = [(await cpu.propagate(v, 'hidden', draw)).data, (await gpu.propagate(v, 'hidden', draw)).data];
    const off = unexplainedBits(a, b, probabilities, draw, rows, H);
    expect(off.slice(0, 8), `${off.length} differing bits`).toEqual([]);
  });

  it('visible means b + h·Wᵀ, and draws mean + σ·n from the same normals, match the CPU', async () => {
    const h = binaryData(rows, H, 3, 0.5);
    expectClose((await gpu.propagate(h, 'visible')).data, (await cpu.propagate(h, 'visible')).data, { atol: 1e-6, rtol: 1e-5, label: 'means' });
    const draw: DrawAddress = { seed: 5, phase: Phase.inferVisible, epoch: 2, batch: 1 };
    const [a, b] = [(await cpu.propagate(h, 'visible', draw)).data, (await gpu.propagate(h, 'visible', draw)).data];
    // A normal's error is a few ulp of √(−2 ln(1 − u₀)) ≤ 5.8 and of cos: 1e-5 absolute is ample.
    expectClose(b, a, { atol: 1e-5, rtol: 1e-5, label: 'draws' });
    const means = (await cpu.propagate(h, 'visible')).data;
    expect(b.some((x, k) => Math.abs(x - means[k]) > 0.1)).toBe(true);
  });

  it('pre-activations (what energies and free energies are made of: src/energies.ts) match the CPU', async () => {
    const v = realData(rows, V, 4);
    const h = binaryData(rows, H, 5, 0.5);
    expectClose((await gpu.preActivations(v, 'hidden')).data, (await cpu.preActivations(v, 'hidden')).data, { atol: 1e-4, rtol: 1e-5, label: "c + v'·W" });
    expectClose((await gpu.preActivations(h, 'visible')).data, (await cpu.preActivations(h, 'visible')).data, { atol: 1e-4, rtol: 1e-5, label: 'b + h·Wᵀ' });
  });

  it('exact log Z over the hidden states matches exactGaussianLogPartition, or is refused as it is', async () => {
    if (H > MAX_EXACT_UNITS) {
      await expect(cpu.logPartitionExact()).rejects.toThrow(InvalidArgumentError);
      await expect(gpu.logPartitionExact()).rejects.toThrow(/limited to 24 hidden units/);
      return;
    }
    await expectSameLogPartition(cpu, gpu);
  });
});

/**
 * log Z within 1e-4 + 1e-6·|ref|: each state's term adds V float32 terms ½·d·(2b + d)·e^(−z)
 * (V = 785: an error of a few 1e-5 at most), and the host adds the terms in float64.
 */
async function expectSameLogPartition(cpu: Backend, gpu: Backend): Promise<void> {
  const [a, b] = [await cpu.logPartitionExact(), await gpu.logPartitionExact()];
  expect(Number.isFinite(a)).toBe(true);
  expectClose([b], [a], { atol: 1e-4, rtol: 1e-6, label: 'log Z' });
}

it('sums a Gaussian model\'s log Z over 2^21 hidden states in two chunks, as the CPU does', async () => {
  const [V, H] = [10, 21];
  const { cpu, gpu } = await pair(V, H, gaussianParameters(V, H, 41, 0.3));
  await expectSameLogPartition(cpu, gpu);
});

describe('Gaussian AIS on the GPU', () => {
  /**
   * annealGaussianOnHost's arithmetic step for step (its log weights come out identical), also
   * keeping per chain the closest call min |p − u| over its hidden draws, and its mass: Σ over
   * the steps of Σ_j |softplus(β·a_j) − softplus(β'·a_j)|.
   */
  function replay(p: Parameters, V: number, H: number, job: AnnealJob) {
    const { path, runs, seed } = job;
    const z = p.visibleLogVariance!;
    const precision = Float32Array.from(z, (zi) => Math.exp(-zi));
    const deviation = Float32Array.from(z, (zi) => Math.exp(zi / 2));
    const v = job.start.slice();
    const u = new Float32Array(runs * Math.max(2 * V, H));
    const normals = new Float32Array(runs * V);
    const a = new Float64Array(runs * H);
    const h = new Float32Array(runs * H);
    const [logWeight, mass] = [new Float64Array(runs), new Float64Array(runs)];
    const closest = new Float64Array(runs).fill(Infinity);
    const hiddenInputs = () => {
      for (let q = 0; q < runs * H; q++) {
        const [r, j] = [Math.floor(q / H), q % H];
        a[q] = p.hiddenBias[j];
        for (let i = 0; i < V; i++) a[q] += v[r * V + i] * precision[i] * p.weights[i * H + j];
      }
    };
    hiddenInputs();
    for (let k = 1; k < path.length; k++) {
      const [previous, beta] = [path[k - 1], path[k]];
      for (let q = 0; q < runs * H; q++) {
        const increment = softplus(beta * a[q]) - softplus(previous * a[q]);
        logWeight[Math.floor(q / H)] += increment;
        mass[Math.floor(q / H)] += Math.abs(increment);
      }
      philoxUniforms({ seed, phase: Phase.aisHidden, epoch: k, batch: 0 }, runs, H, u);
      for (let q = 0; q < runs * H; q++) {
        const probability = sigmoid(beta * a[q]);
        closest[Math.floor(q / H)] = Math.min(closest[Math.floor(q / H)], Math.abs(probability - u[q]));
        h[q] = probability > u[q] ? 1 : 0;
      }
      normalDraws(philoxUniforms, { seed, phase: Phase.aisVisible, epoch: k, batch: 0 }, runs, V, normals, u);
      for (let q = 0; q < runs * V; q++) {
        const [r, i] = [Math.floor(q / V), q % V];
        let mean = 0;
        for (let j = 0; j < H; j++) if (h[r * H + j] !== 0) mean += p.weights[i * H + j];
        v[q] = p.visibleBias[i] + beta * mean + deviation[i] * normals[q];
      }
      hiddenInputs();
    }
    return { logWeight, closest, mass };
  }

  /**
   * A chain may take another path where a hidden probability falls within float32's error of its
   * draw; ten times that excuses it. Otherwise each increment is a sum of H softplus
   * differences whose inputs a = c + (v/σ²)·W carry float32 rounding from v (the normals' few
   * ulp) and the product: 2⁻²⁰ of the mass bounds it with a margin (about 2⁻²³ is seen), plus
   * the fixed-point sum's half unit of 2⁻³² nats a step.
   */
  const CLOSE_CALL = 1e-5;
  const tolerance = (mass: number, steps: number) => 2 ** -20 * mass + steps * 2 ** -32;

  async function expectSameWeights(gpu: Backend, p: Parameters, V: number, H: number, job: AnnealJob): Promise<void> {
    const [host, device] = [await annealGaussianOnHost(p, V, H, job), await gpu.anneal(job)];
    const reference = replay(p, V, H, job);
    expect(Array.from(reference.logWeight)).toEqual(Array.from(host));
    const steps = job.path.length - 1;
    const off: string[] = [];
    let excused = 0;
    for (let r = 0; r < job.runs; r++) {
      if (Math.abs(device[r] - host[r]) <= tolerance(reference.mass[r], steps)) continue;
      if (reference.closest[r] < CLOSE_CALL) excused++;
      else off.push(`run ${r}: gpu ${device[r]}, host ${host[r]}, mass ${reference.mass[r]}, closest call ${reference.closest[r]}`);
    }
    expect(off.slice(0, 8), `${off.length} chains off`).toEqual([]);
    expect(excused, 'chains excused by a close call').toBeLessThanOrEqual(job.runs / 10);
  }

  const ramp = (n: number) => Array.from({ length: n }, (_, k) => k / (n - 1));

  it.each(SHAPES)('gives annealGaussianOnHost\'s log weights at %i × %i, forward from N(b, σ²) and reverse from data rows', async (V, H, rows, scale) => {
    const p = gaussianParameters(V, H, 3 * V + H, 4 * scale);
    const { gpu } = await pair(V, H, p);
    const runs = Math.min(rows, 65);
    // Forward: the base model's exact draws b + σ ⊙ n at (aisVisible, epoch 0, batch 0), as aisLogPartition makes them.
    const start = new Float32Array(runs * V);
    normalDraws(philoxUniforms, { seed: 11, phase: Phase.aisVisible, epoch: 0, batch: 0 }, runs, V, start, new Float32Array(2 * runs * V));
    for (let k = 0; k < start.length; k++) start[k] = p.visibleBias[k % V] + Math.exp(p.visibleLogVariance![k % V] / 2) * start[k];
    const baseBias = new Float32Array(V);
    await expectSameWeights(gpu, p, V, H, { path: Float64Array.from(ramp(200)), start, runs, baseBias, seed: 11 });
    // Reverse: data rows as they are, a burn-in at β = 1, then down to 0.
    const down = [...new Array<number>(30).fill(1), ...ramp(200).reverse()];
    await expectSameWeights(gpu, p, V, H, { path: Float64Array.from(down), start: realData(runs, V, 12).data, runs, baseBias, seed: 12 });
  });
});

describe('a Gaussian model through the RBM class', () => {
  it('fits with useGPU as on the TypeScript reference, from data-based means and variances, and says it ran on the GPU', async () => {
    const x = realData(60, 7, 21);
    // Seed 3 puts one negative-phase hidden probability 2e-8 from its draw, where float32
    // rounding may fall either side; seed 4 has no such near tie.
    const runs = [];
    for (const useGPU of [false, true]) {
      const rbm = new RBM({ visible: 7, hidden: 5, visibleType: 'gaussian', visibleBiasInit: 'data', useGPU, threads: 0, seed: 4, learningRate: 0.01, gradient: 'mean' });
      try {
        const lines: string[] = [];
        const curve = (await rbm.fit(x, { epochs: 3, batchSize: 10, log: (l) => lines.push(l) })).klDivergence;
        runs.push({ curve, p: await rbm.getParameters(), banner: lines[0] });
      } finally {
        await rbm.dispose();
      }
    }
    expect(runs[0].banner).toMatch(/^# Computation will proceed on the CPU\.\n# CPU: TypeScript/);
    expect(runs[1].banner).toMatch(/^# GPU usage has been enabled/);
    expectClose(runs[1].curve, runs[0].curve, { atol: 1e-6, rtol: 1e-5, label: 'MSE per epoch' });
    expect(runs[1].curve[2]).toBeLessThan(runs[1].curve[0]);
    for (const key of GAUSSIAN_KEYS) expectClose(runs[1].p[key] ?? [], runs[0].p[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: key });
  });
});

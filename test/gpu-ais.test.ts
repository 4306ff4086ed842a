import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { annealOnHost } from '../src/backend/anneal.js';
import type { AnnealJob, Parameters } from '../src/backend/backend.js';
import { stepsPerSubmission } from '../src/backend/webgpu/annealer.js';
import type { WebGpuBackend } from '../src/backend/webgpu/webgpu-backend.js';
import { sigmoid, softplus } from '../src/math.js';
import { Phase, philoxUniforms } from '../src/rng/stream.js';
import { gpuBackend } from './gpu-helpers.js';
import { fixture, randomParameters } from './helpers.js';

/**
 * annealOnHost's arithmetic step for step (its log weights come out identical), also keeping
 * per chain the closest call min |p − u| over all its draws, and its mass: Σ over the steps
 * of Σ |term| of each increment (the visible terms Δβ·(bᵢ − bAᵢ) and the softplus differences).
 */
function replay(p: Parameters, V: number, H: number, job: AnnealJob) {
  const { path, runs, baseBias, seed } = job;
  const v = job.start.slice();
  const u = new Float32Array(runs * Math.max(V, H));
  const a = new Float64Array(runs * H);
  const h = new Float32Array(runs * H);
  const logWeight = new Float64Array(runs);
  const closest = new Float64Array(runs).fill(Infinity);
  const mass = new Float64Array(runs);
  const hiddenInputs = () => {
    for (let q = 0; q < runs * H; q++) {
      const [r, j] = [Math.floor(q / H), q % H];
      a[q] = p.hiddenBias[j];
      for (let i = 0; i < V; i++) if (v[r * V + i] !== 0) a[q] += p.weights[i * H + j];
    }
  };
  const logUnnormalised = (beta: number, r: number) => {
    let s = 0;
    for (let i = 0; i < V; i++) if (v[r * V + i] !== 0) s += (1 - beta) * baseBias[i] + beta * p.visibleBias[i];
    for (let j = 0; j < H; j++) s += softplus(beta * a[r * H + j]);
    return s;
  };
  const draw = (r: number, probability: number, uniform: number) => {
    closest[r] = Math.min(closest[r], Math.abs(probability - uniform));
    return probability > uniform ? 1 : 0;
  };
  hiddenInputs();
  for (let k = 1; k < path.length; k++) {
    const [previous, beta] = [path[k - 1], path[k]];
    for (let r = 0; r < runs; r++) {
      logWeight[r] += logUnnormalised(beta, r) - logUnnormalised(previous, r);
      for (let i = 0; i < V; i++) mass[r] += v[r * V + i] * Math.abs((beta - previous) * (p.visibleBias[i] - baseBias[i]));
      for (let j = 0; j < H; j++) mass[r] += Math.abs(softplus(beta * a[r * H + j]) - softplus(previous * a[r * H + j]));
    }
    philoxUniforms({ seed, phase: Phase.aisHidden, epoch: k, batch: 0 }, runs, H, u);
    for (let q = 0; q < runs * H; q++) h[q] = draw(Math.floor(q / H), sigmoid(beta * a[q]), u[q]);
    philoxUniforms({ seed, phase: Phase.aisVisible, epoch: k, batch: 0 }, runs, V, u);
    for (let q = 0; q < runs * V; q++) {
      const [r, i] = [Math.floor(q / V), q % V];
      let s = p.visibleBias[i];
      for (let j = 0; j < H; j++) if (h[r * H + j] !== 0) s += p.weights[i * H + j];
      v[q] = draw(r, sigmoid((1 - beta) * baseBias[i] + beta * s), u[q]);
    }
    hiddenInputs();
  }
  return { logWeight, closest, mass };
}

/**
 * A chain may take another path where one of its probabilities falls within float32's error
 * of its draw (~1e-6: the GPU's hidden inputs, β and σ are float32); ten times that excuses it.
 */
const CLOSE_CALL = 1e-5;
/**
 * Every increment is a sum of V + H float32 terms, each within a few ulp of itself (the
 * softplus differences by log1p and expm1 series, Δβ rounded once from float64), added by a
 * per-thread loop and a 64-wide tree: 16 ulp (2⁻²⁰) of the terms' magnitudes, summed over the
 * steps, bounds the float32 error with a wide margin (about 1 ulp is seen); the fixed-point sum
 * adds half a unit of 2⁻³² nats a step. Still 10⁴ below AIS's own spread.
 */
const tolerance = (mass: number, steps: number) => 2 ** -20 * mass + steps * 2 ** -32;

/** Checks the GPU's log weights against annealOnHost's, chain by chain. */
async function expectSameWeights(gpu: Float64Array, p: Parameters, V: number, H: number, job: AnnealJob): Promise<void> {
  const host = await annealOnHost(p, V, H, job);
  const reference = replay(p, V, H, job);
  expect(Array.from(reference.logWeight)).toEqual(Array.from(host));
  const steps = job.path.length - 1;
  const off: string[] = [];
  let excused = 0;
  for (let r = 0; r < job.runs; r++) {
    if (Math.abs(gpu[r] - host[r]) <= tolerance(reference.mass[r], steps)) continue;
    if (reference.closest[r] < CLOSE_CALL) excused++;
    else off.push(`run ${r}: gpu ${gpu[r]}, host ${host[r]}, mass ${reference.mass[r]}, closest call ${reference.closest[r]}`);
  }
  expect(off.slice(0, 8), `${off.length} chains off`).toEqual([]);
  // Near ties are rare: most chains must match, or the comparison would say little.
  expect(excused, 'chains excused by a close call').toBeLessThanOrEqual(job.runs / 10);
}

const open: WebGpuBackend[] = [];
afterAll(async () => {
  for (const b of open) await b.dispose();
});

async function backendWith(V: number, H: number, p: Parameters): Promise<WebGpuBackend> {
  const gpu = await gpuBackend(V, H);
  open.push(gpu);
  await gpu.setParameters(p);
  return gpu;
}

/** Evenly spaced inverse temperatures from 0 to 1. */
const ramp = (n: number) => Array.from({ length: n }, (_, k) => k / (n - 1));

function jobFor(V: number, runs: number, path: number[], seed: number): AnnealJob {
  const start = fixture(runs * V, seed + 1).map((x) => (x < 0.4 ? 1 : 0));
  return { path: Float64Array.from(path), runs, start, baseBias: fixture(V, seed + 2, -2, 2), seed };
}

// Sizes off the tiles (64 × 64) and the vec4; 65 runs take two row tiles, the last one short.
const SHAPES: [visible: number, hidden: number, runs: number, scale: number][] = [
  [1, 1, 1, 1],
  [7, 5, 3, 1],
  [13, 67, 65, 0.5],
  [785, 7, 5, 0.1],
];

const PATHS: Record<string, number[]> = {
  up: ramp(300),
  // Reverse AIS: a burn-in at β = 1 (repeated βs add nothing), then down to 0.
  down: [...new Array<number>(50).fill(1), ...ramp(300).reverse()],
  // Steps of |Δβ·a| > 1/2 take softplusStep's other branch.
  coarse: [0, 0.3, 0.9, 1],
};

describe.each(SHAPES)('AIS on the GPU at %i visible × %i hidden, %i runs (weights ±%f)', (V, H, runs, scale) => {
  let gpu: WebGpuBackend;
  let p: Parameters;
  beforeAll(async () => {
    p = randomParameters(V, H, V * 7 + H, scale);
    gpu = await backendWith(V, H, p);
  });

  it.each(Object.keys(PATHS))('gives annealOnHost\'s log weights on the path %s', async (name) => {
    const job = jobFor(V, runs, PATHS[name], 11);
    await expectSameWeights(await gpu.anneal(job), p, V, H, job);
  });
});

describe('AIS on the GPU, its submissions', () => {
  const [V, H, runs] = [7, 5, 33];
  const p = randomParameters(V, H, 3, 1);

  /** queue.submit and mapAsync calls during one anneal. */
  async function counted(gpu: WebGpuBackend, job: AnnealJob) {
    const device = gpu['device'];
    const probe = device.createBuffer({ size: 16, usage: 0x8 });
    const submit = vi.spyOn(device.queue, 'submit');
    const mapAsync = vi.spyOn(Object.getPrototypeOf(probe) as GPUBuffer, 'mapAsync');
    probe.destroy();
    try {
      const logWeights = await gpu.anneal(job);
      return { logWeights, submissions: submit.mock.calls.length, readbacks: mapAsync.mock.calls.length };
    } finally {
      submit.mockRestore();
      mapAsync.mockRestore();
    }
  }

  it('grow with the steps only by the chunking, and read back once', async () => {
    const gpu = await backendWith(V, H, p);
    const chunk = stepsPerSubmission(runs, V, H);
    for (const steps of [200, 2000]) {
      const job = jobFor(V, runs, ramp(steps), 5);
      const { logWeights, submissions, readbacks } = await counted(gpu, job);
      expect(submissions).toBe(Math.ceil((steps - 1) / chunk));
      expect(readbacks).toBe(1);
      await expectSameWeights(logWeights, p, V, H, job);
    }
    expect(chunk).toBeGreaterThanOrEqual(100);
  });

  it('splits a large model\'s path finer, so that no submission runs for long', () => {
    expect(stepsPerSubmission(100, 784, 500)).toBeLessThan(stepsPerSubmission(100, 7, 5));
    expect(stepsPerSubmission(100, 784, 500) * 100 * 2 * 784 * 500).toBeLessThanOrEqual(2 ** 31);
    expect(stepsPerSubmission(10_000, 4096, 4096)).toBe(1);
  });
});

describe('AIS on the GPU, edge cases', () => {
  const [V, H] = [6, 4];
  const p = randomParameters(V, H, 8, 1);

  it('adds exactly nothing over repeated βs', async () => {
    const gpu = await backendWith(V, H, p);
    const logWeights = await gpu.anneal(jobFor(V, 9, new Array<number>(40).fill(1), 3));
    expect(Array.from(logWeights)).toEqual(new Array<number>(9).fill(0));
  });

  it('gives NaN, as the reference does, for a chain whose increments are not finite', async () => {
    const hiddenBias = p.hiddenBias.slice();
    hiddenBias[0] = NaN;
    const gpu = await backendWith(V, H, { ...p, hiddenBias });
    const job = jobFor(V, 3, ramp(10), 3);
    expect(Array.from(await annealOnHost({ ...p, hiddenBias }, V, H, job), Number.isNaN)).toEqual([true, true, true]);
    expect(Array.from(await gpu.anneal(job), Number.isNaN)).toEqual([true, true, true]);
  });

  it('refuses starting states of the wrong size', async () => {
    const gpu = await backendWith(V, H, p);
    const job = { ...jobFor(V, 4, ramp(5), 3), runs: 5 };
    await expect(gpu.anneal(job)).rejects.toThrow(/start/);
  });
});

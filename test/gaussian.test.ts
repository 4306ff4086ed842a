import { describe, expect, it } from 'vitest';
import type { Parameters, TrainingRule } from '../src/backend/backend.js';
import { contrastiveDivergenceStep } from '../src/backend/cpu/cd-step.js';
import { StepScratch } from '../src/backend/cpu/scratch.js';
import { layerFreeEnergies } from '../src/energies.js';
import { modelLayers } from '../src/layers/registry.js';
import { exactGaussianLogPartition } from '../src/backend/exact-partition.js';
import { annealGaussianOnHost } from '../src/backend/anneal.js';
import { aisLogPartition } from '../src/evaluation/ais.js';
import { normalDraws, Phase, philoxUniforms, type DrawAddress, type UniformSource } from '../src/rng/stream.js';
import { expectClose, gaussianLayers } from './helpers.js';

// A 2-visible, 2-hidden Gaussian model with unequal variances.
function model(): Parameters {
  return {
    weights: Float32Array.of(0.4, -0.3, 0.2, 0.5),
    visibleBias: Float32Array.of(0.3, -0.2),
    hiddenBias: Float32Array.of(0.1, -0.4),
    weightVelocity: new Float32Array(4),
    visibleBiasVelocity: new Float32Array(2),
    hiddenBiasVelocity: new Float32Array(2),
    visibleLogVariance: Float32Array.of(Math.log(0.5), Math.log(2)),
    visibleLogVarianceVelocity: new Float32Array(2),
  };
}

/** E(v, h) written out from the definition: Σ(v − b)²/2σ² − Σ (vᵢ/σᵢ²)·Wᵢⱼ·hⱼ − c·h. */
function energy(p: Parameters, v: number[], h: number[]): number {
  let e = 0;
  for (let i = 0; i < v.length; i++) {
    const s2 = Math.exp(p.visibleLogVariance![i]);
    e += (v[i] - p.visibleBias[i]) ** 2 / (2 * s2);
    for (let j = 0; j < h.length; j++) e -= (v[i] / s2) * p.weights[i * h.length + j] * h[j];
  }
  for (let j = 0; j < h.length; j++) e -= p.hiddenBias[j] * h[j];
  return e;
}

const HIDDEN_STATES = [[0, 0], [0, 1], [1, 0], [1, 1]];

/** −F(v) = log Σ_h e^(−E(v, h)), by brute force over the hidden states. */
function negativeFreeEnergy(p: Parameters, v: number[]): number {
  return Math.log(HIDDEN_STATES.reduce((s, h) => s + Math.exp(-energy(p, v, h)), 0));
}

describe('normal draws (Box–Muller on the Philox stream)', () => {
  it('have mean 0 and variance 1, and depend only on their address', () => {
    const [rows, cols] = [500, 201];
    const out = new Float32Array(rows * cols);
    const address = { seed: 7, phase: Phase.visible, epoch: 3, batch: 2 };
    normalDraws(philoxUniforms, address, rows, cols, out, new Float32Array(2 * rows * cols));
    const n = out.length;
    const mean = out.reduce((s, x) => s + x, 0) / n;
    const variance = out.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
    // Standard errors: 1/√n ≈ 0.0031 for the mean, √(2/n) ≈ 0.0045 for the variance.
    expect(Math.abs(mean)).toBeLessThan(0.013);
    expect(Math.abs(variance - 1)).toBeLessThan(0.018);
    const fourth = out.reduce((s, x) => s + x ** 4, 0) / n;
    expect(Math.abs(fourth - 3)).toBeLessThan(0.1);
    const again = new Float32Array(3 * cols);
    normalDraws(philoxUniforms, address, 3, cols, again, new Float32Array(6 * cols));
    expect(Array.from(again)).toEqual(Array.from(out.subarray(0, 3 * cols)));
  });
});

describe('Gaussian visible units: free energy and log Z', () => {
  it('free energy equals the brute-force sum over hidden states', () => {
    const p = model();
    const rows = [[0.5, -1.2], [2.5, 0.7], [-3, 4]];
    const a = { data: new Float32Array(6), rows: 3, cols: 2 };
    for (let r = 0; r < 3; r++) {
      for (let j = 0; j < 2; j++) {
        let s = p.hiddenBias[j];
        for (let i = 0; i < 2; i++) s += (rows[r][i] / Math.exp(p.visibleLogVariance![i])) * p.weights[i * 2 + j];
        a.data[r * 2 + j] = s;
      }
    }
    const layers = modelLayers({ visibleType: 'gaussian', hiddenType: 'binary', learnVariance: false });
    const free = layerFreeEnergies(layers, p, { data: Float32Array.from(rows.flat()), rows: 3, cols: 2 }, a);
    expectClose(free, rows.map((v) => -negativeFreeEnergy(p, v)), { atol: 1e-5, label: 'F(v)' });
  });

  it('exact log Z equals a numerical integral of e^(−F(v)) over the plane', async () => {
    const p = model();
    // Trapezoid rule on a fine grid: for a smooth, fast-decaying integrand it is accurate far beyond 1e-6.
    const [low, high, steps] = [-14, 14, 1400];
    const dx = (high - low) / steps;
    let total = 0;
    for (let a = 0; a <= steps; a++) {
      for (let b = 0; b <= steps; b++) total += Math.exp(negativeFreeEnergy(p, [low + a * dx, low + b * dx]));
    }
    const integral = Math.log(total * dx * dx);
    expect(await exactGaussianLogPartition(p, 2, 2)).toBeCloseTo(integral, 6);
  });

  it('AIS from the Gaussian base model agrees with exact log Z', async () => {
    const p = model();
    const exact = await exactGaussianLogPartition(p, 2, 2);
    const estimate = await aisLogPartition((job) => annealGaussianOnHost(p, 2, 2, job), 2, 2, {
      runs: 200,
      betas: 500,
      seed: 3,
      gaussian: { mean: p.visibleBias, logVariance: p.visibleLogVariance! },
    });
    expect(Math.abs(estimate.logZ - exact)).toBeLessThan(0.02);
    expect(estimate.lower).toBeLessThanOrEqual(exact + 0.02);
    expect(estimate.upper).toBeGreaterThanOrEqual(exact - 0.02);
  });
});

describe('one Gaussian CD-1 step', () => {
  // One row, fixed draws: h0 from the 'hidden' uniforms, the rest deterministic with 'probabilities'.
  const X = [1.5, -0.5];
  const draws: Record<number, number[]> = { [Phase.hidden]: [0.3, 0.9], [Phase.hiddenAgain]: [0.5, 0.5] };
  const fixed: UniformSource = (address, rows, cols, out) => out.set(draws[address.phase].slice(0, rows * cols));
  const at = (phase: number): DrawAddress => ({ seed: 0, phase, epoch: 0, batch: 0 });

  /** ∂(−F(v))/∂θ for every parameter θ of the model, by central finite differences. */
  function freeEnergyGradient(v: number[]): Record<'w' | 'b' | 'c' | 'z', number[]> {
    const out = { w: [] as number[], b: [] as number[], c: [] as number[], z: [] as number[] };
    const keys = { w: 'weights', b: 'visibleBias', c: 'hiddenBias', z: 'visibleLogVariance' } as const;
    for (const [name, key] of Object.entries(keys) as [keyof typeof keys, (typeof keys)[keyof typeof keys]][]) {
      const base = model();
      for (let k = 0; k < base[key]!.length; k++) {
        const h = 1e-3;
        const up = model();
        const down = model();
        (up[key] as Float32Array)[k] += h;
        (down[key] as Float32Array)[k] -= h;
        // float32 parameters: use the values actually stored for the step size.
        const step = (up[key] as Float32Array)[k] - (down[key] as Float32Array)[k];
        out[name].push((negativeFreeEnergy(up, v) - negativeFreeEnergy(down, v)) / step);
      }
    }
    return out;
  }

  it("moves every parameter by lr·(∇(−F)(x) − ∇(−F)(v₁)) with 'probabilities' statistics", () => {
    const p = model();
    const rule: TrainingRule = { learningRate: 0.1, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0, learnVariance: true };
    const mse = contrastiveDivergenceStep(gaussianLayers(rule), p, Float32Array.from(X), 1, rule, at, fixed, new StepScratch(1, 2, 2, gaussianLayers(rule)));
    // h0 by hand: p(h | x) = σ(c + (x/σ²)·W) = σ(0.1 + 3·0.4 − 0.25·0.2, −0.4 − 3·0.3 − 0.25·0.5) = σ(1.25, −1.425)
    // = (0.777, 0.194) against draws (0.3, 0.9): h0 = (1, 0). v₁ = b + W·h0 = (0.3 + 0.4, −0.2 + 0.2) = (0.7, 0).
    const v1 = [0.7, 0];
    const [gx, gv, before] = [freeEnergyGradient(X), freeEnergyGradient(v1), model()];
    // The log-variance's model term is the expectation over v ~ N(v₁, σ²), which adds ½ to −∂E/∂z at v₁.
    const spread = (name: string) => (name === 'z' ? 0.5 : 0);
    const expected = (name: 'w' | 'b' | 'c' | 'z', key: keyof Parameters) =>
      Array.from(before[key] as Float32Array, (value, k) => value + 0.1 * (gx[name][k] - gv[name][k] - spread(name)));
    expectClose(p.weights, expected('w', 'weights'), { atol: 2e-5, label: 'W' });
    expectClose(p.visibleBias, expected('b', 'visibleBias'), { atol: 2e-5, label: 'b' });
    expectClose(p.hiddenBias, expected('c', 'hiddenBias'), { atol: 2e-5, label: 'c' });
    expectClose(p.visibleLogVariance!, expected('z', 'visibleLogVariance'), { atol: 2e-5, label: 'log σ²' });
    // The loss: x against b + h0·Wᵀ with the updated parameters.
    const m = [p.visibleBias[0] + p.weights[0], p.visibleBias[1] + p.weights[2]];
    expect(mse).toBeCloseTo(((X[0] - m[0]) ** 2 + (X[1] - m[1]) ** 2) / 2, 6);
  });

  it('keeps σ fixed without learnVariance, and samples v₁ ~ N(b + W·h0, σ²) with sampled statistics', () => {
    const p = model();
    const rule: TrainingRule = { learningRate: 0.1, momentum: 0, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0, learnVariance: false };
    const visibleDraws = [0.2, 0.7, 0.9, 0.1];
    const sampled: UniformSource = (address, rows, cols, out) => out.set((address.phase === Phase.visible ? visibleDraws : draws[address.phase]).slice(0, rows * cols));
    contrastiveDivergenceStep(gaussianLayers(rule), p, Float32Array.from(X), 1, rule, at, sampled, new StepScratch(1, 2, 2, gaussianLayers(rule)));
    expectClose(p.visibleLogVariance!, model().visibleLogVariance!, { atol: 0, label: 'log σ²' });
    // v₁ = (0.7, 0) + σ·n with n from Box–Muller; the visible bias moves by lr·(x − v₁)/σ².
    const n = [Math.sqrt(-2 * Math.log(1 - 0.2)) * Math.cos(2 * Math.PI * 0.7), Math.sqrt(-2 * Math.log(1 - 0.9)) * Math.cos(2 * Math.PI * 0.1)];
    const v1 = [0.7 + Math.sqrt(0.5) * n[0], Math.sqrt(2) * n[1]];
    const b = model().visibleBias;
    expectClose(p.visibleBias, [b[0] + 0.1 * (X[0] - v1[0]) / 0.5, b[1] + 0.1 * (X[1] - v1[1]) / 2], { atol: 1e-6, label: 'b' });
  });
});

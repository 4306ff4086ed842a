import { describe, expect, it } from 'vitest';
import type { TrainingRule } from '../src/backend/backend.js';
import { contrastiveDivergenceStep } from '../src/backend/cpu/cd-step.js';
import { StepScratch } from '../src/backend/cpu/scratch.js';
import { gibbsPhase, Phase, philoxUniforms, type DrawAddress } from '../src/rng/stream.js';
import { RBM } from '../src/node.js';
import { BINARY_LAYERS, binaryData, expectClose, randomParameters } from './helpers.js';

// The PyTorch tutorial's recipe: weights N(0, 0.1²) (initDistribution 'normal'), and 'mixed'
// statistics: positive v0ᵀ·p(h0), negative p(v1)ᵀ·p(h1) with v1's probabilities reconstructed
// from sampled h0 and h1's computed from sampled v1; biases from the same probabilities.
const V = 5;
const H = 3;
const ROWS = 4;
const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

describe("initDistribution: 'normal'", () => {
  it('draws N(0, initScale²) weights: mean and spread within sampling error, zero biases', async () => {
    const rbm = new RBM({ visible: 784, hidden: 256, initDistribution: 'normal', initScale: 0.1, seed: 3, threads: 0 });
    const p = await rbm.getParameters();
    const n = p.weights.length;
    const mean = p.weights.reduce((s, w) => s + w, 0) / n;
    const sd = Math.sqrt(p.weights.reduce((s, w) => s + (w - mean) ** 2, 0) / n);
    // Standard errors: 0.1/√n ≈ 2.3e-4 for the mean, 0.1/√(2n) ≈ 1.6e-4 for the spread.
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(Math.abs(sd - 0.1)).toBeLessThan(8e-4);
    // Normal, not uniform: about 4.6 % beyond 2σ (a uniform with this spread has none beyond 1.73σ).
    const tails = p.weights.filter((w) => Math.abs(w) > 0.2).length / n;
    expect(tails).toBeGreaterThan(0.04);
    expect(tails).toBeLessThan(0.052);
    expect(Array.from(p.visibleBias).every((b) => b === 0) && Array.from(p.hiddenBias).every((c) => c === 0)).toBe(true);
    // The same seed gives the same weights; another seed others.
    const again = new RBM({ visible: 784, hidden: 256, initDistribution: 'normal', initScale: 0.1, seed: 3 });
    expect((await again.getParameters()).weights).toEqual(p.weights);
    await Promise.all([rbm.dispose(), again.dispose()]);
  });

  it('refuses an unknown distribution', () => {
    expect(() => new RBM({ visible: 4, hidden: 2, initDistribution: 'gaussian' as never })).toThrow(/initDistribution/);
  });
});

describe("statistics: 'mixed'", () => {
  const rule: TrainingRule = { learningRate: 0.1, momentum: 0, statistics: 'mixed', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 };

  it('equals a CD-1 step worked out by hand in float64 with the same draws', () => {
    const x = binaryData(ROWS, V, 8).data;
    const p = randomParameters(V, H, 12, 0.8);
    p.weightVelocity.fill(0);
    p.visibleBiasVelocity.fill(0);
    p.hiddenBiasVelocity.fill(0);
    const at = (phase: number): DrawAddress => ({ seed: 5, phase, epoch: 0, batch: 0 });
    const draws = (phase: number, cols: number) => {
      const u = new Float32Array(ROWS * cols);
      philoxUniforms(at(phase), ROWS, cols, u);
      return u;
    };
    const w = (i: number, j: number) => p.weights[i * H + j];
    const up = (v: number[]) => Array.from({ length: H }, (_, j) => sigmoid(p.hiddenBias[j] + v.reduce((s, vi, i) => s + vi * w(i, j), 0)));
    const down = (h: number[]) => Array.from({ length: V }, (_, i) => sigmoid(p.visibleBias[i] + h.reduce((s, hj, j) => s + hj * w(i, j), 0)));
    const sampled = (probs: number[][], u: Float32Array, cols: number) => probs.map((row, r) => row.map((q, k) => (q > u[r * cols + k] ? 1 : 0)));
    const rows = Array.from({ length: ROWS }, (_, r) => Array.from(x.subarray(r * V, (r + 1) * V)));
    const ph0 = rows.map(up);
    const h0 = sampled(ph0, draws(Phase.hidden, H), H);
    const pv1 = h0.map(down);
    const v1 = sampled(pv1, draws(gibbsPhase(Phase.visible, 1), V), V);
    const ph1 = v1.map(up);
    const mean = (f: (r: number) => number) => rows.reduce((s, _, r) => s + f(r), 0) / ROWS;
    const weights = Array.from(p.weights, (v, k) => {
      const [i, j] = [Math.floor(k / H), k % H];
      return v + 0.1 * mean((r) => rows[r][i] * ph0[r][j] - pv1[r][i] * ph1[r][j]);
    });
    const visibleBias = Array.from(p.visibleBias, (b, i) => b + 0.1 * mean((r) => rows[r][i] - pv1[r][i]));
    const hiddenBias = Array.from(p.hiddenBias, (c, j) => c + 0.1 * mean((r) => ph0[r][j] - ph1[r][j]));

    contrastiveDivergenceStep(BINARY_LAYERS, p, x, ROWS, rule, at, philoxUniforms, new StepScratch(ROWS, V, H));
    expectClose(p.weights, weights, { atol: 1e-6, rtol: 1e-5, label: 'W' });
    expectClose(p.visibleBias, visibleBias, { atol: 1e-6, rtol: 1e-5, label: 'b' });
    expectClose(p.hiddenBias, hiddenBias, { atol: 1e-6, rtol: 1e-5, label: 'c' });
    // 'probabilities' reads the visible probabilities instead, so it gives another step here.
    const q = randomParameters(V, H, 12, 0.8);
    [q.weightVelocity, q.visibleBiasVelocity, q.hiddenBiasVelocity].forEach((a) => a.fill(0));
    contrastiveDivergenceStep(BINARY_LAYERS, q, x, ROWS, { ...rule, statistics: 'probabilities' }, at, philoxUniforms, new StepScratch(ROWS, V, H));
    expect(Math.max(...Array.from(q.hiddenBias, (c, j) => Math.abs(c - hiddenBias[j])))).toBeGreaterThan(1e-4);
  });

  it('is refused where it does not apply', () => {
    expect(() => new RBM({ visible: 4, hidden: 2, statistics: 'mixed', visibleType: 'gaussian' })).toThrow(/statistics: 'mixed' is not available with visibleType: 'gaussian'/);
    expect(() => new RBM({ visible: 4, hidden: 2, statistics: 'mixed', labels: 2 })).toThrow(/statistics: 'mixed' is not available with a label layer/);
  });
});

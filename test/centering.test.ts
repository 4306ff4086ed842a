import { describe, expect, it } from 'vitest';
import type { Parameters, TrainingRule } from '../src/backend/backend.js';
import { contrastiveDivergenceStep } from '../src/backend/cpu/cd-step.js';
import { StepScratch } from '../src/backend/cpu/scratch.js';
import { Phase, philoxUniforms, type DrawAddress } from '../src/rng/stream.js';
import { BINARY_LAYERS, binaryData, expectClose, fixture, randomParameters } from './helpers.js';

// The reference's centred step, against the centred algorithm written out directly in the
// centred parametrisation (Melchior, Fischer & Wiskott 2016, Algorithm 1), in float64: the
// model keeps plain weights and biases, so the two must agree once converted.
const V = 5;
const H = 3;
const ROWS = 4;
const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

function centredModel(): Parameters {
  return {
    ...randomParameters(V, H, 21, 0.8),
    visibleOffset: fixture(V, 31, 0.1, 0.9),
    hiddenOffset: fixture(H, 32, 0.3, 0.7),
  };
}

/** The centred step in its own coordinates (b_c = b + W·λ, c_c = c + Wᵀ·μ), converted back to plain ones. */
function byTheAlgorithm(p: Parameters, x: Float32Array, rule: TrainingRule) {
  const W = Array.from(p.weights);
  const mu = Array.from(p.visibleOffset!);
  const lambda = Array.from(p.hiddenOffset!);
  const w = (i: number, j: number) => W[i * H + j];
  const bc = Array.from({ length: V }, (_, i) => p.visibleBias[i] + lambda.reduce((s, l, j) => s + w(i, j) * l, 0));
  const cc = Array.from({ length: H }, (_, j) => p.hiddenBias[j] + mu.reduce((s, m, i) => s + w(i, j) * m, 0));
  // Conditionals in the centred form: p(h | v) = σ((v − μ)·W + c_c), p(v | h) = σ(W·(h − λ) + b_c).
  const up = (v: number[]) => Array.from({ length: H }, (_, j) => sigmoid(v.reduce((s, vi, i) => s + (vi - mu[i]) * w(i, j), 0) + cc[j]));
  const down = (h: number[]) => Array.from({ length: V }, (_, i) => sigmoid(h.reduce((s, hj, j) => s + w(i, j) * (hj - lambda[j]), 0) + bc[i]));
  const u = new Float32Array(ROWS * H);
  philoxUniforms({ seed: 0, phase: Phase.hidden, epoch: 0, batch: 0 }, ROWS, H, u);
  const rows = Array.from({ length: ROWS }, (_, r) => Array.from(x.subarray(r * V, (r + 1) * V)));
  const p0 = rows.map(up);
  const h0 = p0.map((ph, r) => ph.map((pj, j) => (pj > u[r * H + j] ? 1 : 0)));
  const v1 = h0.map(down);
  const p1 = v1.map(up);
  const mean = (f: (r: number) => number) => rows.reduce((s, _, r) => s + f(r), 0) / ROWS;
  const gW = W.map((_, k) => {
    const [i, j] = [Math.floor(k / H), k % H];
    return mean((r) => (rows[r][i] - mu[i]) * (p0[r][j] - lambda[j]) - (v1[r][i] - mu[i]) * (p1[r][j] - lambda[j]));
  });
  const gb = mu.map((_, i) => mean((r) => rows[r][i] - v1[r][i]));
  const gc = lambda.map((_, j) => mean((r) => p0[r][j] - p1[r][j]));
  const m = rule.momentum;
  const step = (1 - m) * rule.learningRate;
  const dW = gW.map((g, k) => m * p.weightVelocity[k] + step * g);
  const db = gb.map((g, i) => m * p.visibleBiasVelocity[i] + step * g);
  const dc = gc.map((g, j) => m * p.hiddenBiasVelocity[j] + step * g);
  const W2 = W.map((v, k) => v + dW[k]);
  const bc2 = bc.map((v, i) => v + db[i]);
  const cc2 = cc.map((v, j) => v + dc[j]);
  const rate = rule.centring!.offsetRate;
  const lambda2 = lambda.map((l, j) => (1 - rate) * l + rate * mean((r) => p0[r][j]));
  // The reparametrisation keeps the distribution: b_c += W·(λ' − λ). Then back to plain biases.
  const bc3 = bc2.map((v, i) => v + lambda2.reduce((s, l, j) => s + W2[i * H + j] * (l - lambda[j]), 0));
  return {
    weights: W2,
    visibleBias: bc3.map((v, i) => v - lambda2.reduce((s, l, j) => s + W2[i * H + j] * l, 0)),
    hiddenBias: cc2.map((v, j) => v - mu.reduce((s, mi, i) => s + W2[i * H + j] * mi, 0)),
    weightVelocity: dW,
    visibleBiasVelocity: db,
    hiddenBiasVelocity: dc,
    hiddenOffset: lambda2,
  };
}

describe('a centred CD-1 step on the reference backend', () => {
  const rule: TrainingRule = {
    learningRate: 0.1, momentum: 0.5, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0,
    centring: { offsetRate: 0.1 },
  };

  it('equals the centred algorithm written in its own parametrisation', () => {
    const x = binaryData(ROWS, V, 5).data;
    const p = centredModel();
    const expected = byTheAlgorithm(p, x, rule);
    const at = (phase: number): DrawAddress => ({ seed: 0, phase, epoch: 0, batch: 0 });
    contrastiveDivergenceStep(BINARY_LAYERS, p, x, ROWS, rule, at, philoxUniforms, new StepScratch(ROWS, V, H));
    for (const key of ['weights', 'visibleBias', 'hiddenBias', 'weightVelocity', 'visibleBiasVelocity', 'hiddenBiasVelocity', 'hiddenOffset'] as const) {
      expectClose(p[key]!, expected[key], { atol: 1e-6, rtol: 1e-5, label: key });
    }
  });

  it('leaves the visible offsets where they are, and differs from the plain step', () => {
    const x = binaryData(ROWS, V, 5).data;
    const [centred, plain] = [centredModel(), centredModel()];
    const at = (phase: number): DrawAddress => ({ seed: 0, phase, epoch: 0, batch: 0 });
    contrastiveDivergenceStep(BINARY_LAYERS, centred, x, ROWS, rule, at, philoxUniforms, new StepScratch(ROWS, V, H));
    contrastiveDivergenceStep(BINARY_LAYERS, plain, x, ROWS, { ...rule, centring: undefined }, at, philoxUniforms, new StepScratch(ROWS, V, H));
    expect(Array.from(centred.visibleOffset!)).toEqual(Array.from(centredModel().visibleOffset!));
    expect(Array.from(centred.weights)).not.toEqual(Array.from(plain.weights));
  });
});

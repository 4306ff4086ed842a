import { describe, expect, it } from 'vitest';
import type { Parameters, TrainingRule } from '../src/backend/backend.js';
import { StepScratch } from '../src/backend/cpu/scratch.js';
import { classScores, classStep } from '../src/backend/cpu/class-step.js';
import { softmaxRows } from '../src/math.js';
import { Phase, type DrawAddress, type UniformSource } from '../src/rng/stream.js';
import { expectClose } from './helpers.js';

// A 4-visible, 3-hidden model with 3 classes.
const [V, H, C] = [4, 3, 3];
function model(): Parameters {
  return {
    weights: Float32Array.of(0.5, -0.3, 0.2, -0.4, 0.1, 0.6, 0.3, 0.2, -0.5, -0.2, 0.4, 0.1),
    visibleBias: Float32Array.of(0.1, -0.2, 0.05, 0),
    hiddenBias: Float32Array.of(-0.1, 0.2, 0.05),
    weightVelocity: new Float32Array(V * H),
    visibleBiasVelocity: new Float32Array(V),
    hiddenBiasVelocity: new Float32Array(H),
    labelWeights: Float32Array.of(0.7, -0.2, 0.1, -0.5, 0.4, 0.3, 0.2, 0.1, -0.6),
    labelBias: Float32Array.of(0.1, -0.1, 0.2),
    labelWeightVelocity: new Float32Array(C * H),
    labelBiasVelocity: new Float32Array(C),
  };
}
const X = [[1, 0, 1, 0], [0, 1, 1, 1]];
const Y = [2, 0];

/** −F(x, y) = b·x + d_y + Σ_j softplus(c_j + (x·W)_j + U_yj), written out. */
function negativeFreeEnergy(p: Parameters, x: number[], y: number): number {
  let f = p.labelBias![y];
  for (let i = 0; i < V; i++) f += p.visibleBias[i] * x[i];
  for (let j = 0; j < H; j++) {
    let a = p.hiddenBias[j] + p.labelWeights![y * H + j];
    for (let i = 0; i < V; i++) a += x[i] * p.weights[i * H + j];
    f += Math.log1p(Math.exp(a));
  }
  return f;
}

/** log p(y | x) by brute force: the joint summed over every hidden state, normalised over the classes. */
function logPosterior(p: Parameters, x: number[], y: number): number {
  const joint = (label: number) => {
    let total = 0;
    for (let s = 0; s < 2 ** H; s++) {
      const h = Array.from({ length: H }, (_, j) => (s >> j) & 1);
      let minusE = p.labelBias![label];
      for (let i = 0; i < V; i++) minusE += p.visibleBias[i] * x[i];
      for (let j = 0; j < H; j++) {
        let a = p.hiddenBias[j] + p.labelWeights![label * H + j];
        for (let i = 0; i < V; i++) a += x[i] * p.weights[i * H + j];
        minusE += a * h[j];
      }
      total += Math.exp(minusE);
    }
    return total;
  };
  const all = [0, 1, 2].map(joint);
  return Math.log(all[y] / all.reduce((s, v) => s + v, 0));
}

const KEYS = ['weights', 'visibleBias', 'hiddenBias', 'labelWeights', 'labelBias'] as const;

/** ∂f(p)/∂θ for every parameter, by central differences in float64 on float32 parameters. */
function numericGradient(f: (p: Parameters) => number): Record<(typeof KEYS)[number], number[]> {
  const out = {} as Record<(typeof KEYS)[number], number[]>;
  for (const key of KEYS) {
    out[key] = Array.from(model()[key]!, (_, k) => {
      const [up, down] = [model(), model()];
      up[key]![k] += 1e-3;
      down[key]![k] -= 1e-3;
      return (f(up) - f(down)) / (up[key]![k] - down[key]![k]);
    });
  }
  return out;
}

describe('the classification RBM', () => {
  it('scores classes as the brute-force posterior p(y | x)', () => {
    const p = model();
    const a = new Float32Array(2 * H);
    for (let r = 0; r < 2; r++) for (let j = 0; j < H; j++) a[r * H + j] = p.hiddenBias[j] + X[r].reduce((s, x, i) => s + x * p.weights[i * H + j], 0);
    const scores = new Float64Array(2 * C);
    classScores(p, a, 2, scores);
    const loss = softmaxRows(scores, 2, C, Uint32Array.from(Y));
    expectClose(scores.map(Math.log), X.flatMap((x) => [0, 1, 2].map((y) => logPosterior(p, x, y))), { atol: 1e-6, label: 'log p(y | x)' });
    expect(loss).toBeCloseTo(-(logPosterior(p, X[0], Y[0]) + logPosterior(p, X[1], Y[1])), 6);
  });

  const rule = (objective: 'generative' | 'discriminative' | 'hybrid'): TrainingRule => ({
    learningRate: 0.1, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0,
    labels: { objective, generativeWeight: 0.25 },
  });
  const at = (phase: number): DrawAddress => ({ seed: 0, phase, epoch: 0, batch: 0 });
  // h0 of row 0 from p(h | x, y): draws chosen so that h0 = (1, 0, 1) and (0, 1, 0); labels drawn at 0.1 and 0.9.
  const draws: Record<number, number[]> = { [Phase.hidden]: [0.01, 0.99, 0.01, 0.99, 0.01, 0.99], [Phase.label]: [0.1, 0.9] };
  const fixed: UniformSource = (address, rows, cols, out) => out.set(draws[address.phase].slice(0, rows * cols));

  function step(objective: 'generative' | 'discriminative' | 'hybrid') {
    const p = model();
    const loss = classStep(p, Float32Array.from(X.flat()), Uint32Array.from(Y), 2, rule(objective), at, fixed, new StepScratch(2, V, H));
    return { p, loss };
  }

  /** The generative step's direction: mean over rows of ∇(−F)(x, y) − ∇(−F)(x₁, y₁), x₁ = σ(b + h0·Wᵀ) and y₁ drawn from softmax(d + U·h0). */
  function generativeDirection() {
    const p = model();
    const h0 = [[1, 0, 1], [0, 1, 0]];
    const x1 = h0.map((h) => Array.from({ length: V }, (_, i) => 1 / (1 + Math.exp(-(p.visibleBias[i] + h.reduce((s, hj, j) => s + hj * p.weights[i * H + j], 0))))));
    const y1 = h0.map((h, r) => {
      const logits = [0, 1, 2].map((y) => p.labelBias![y] + h.reduce((s, hj, j) => s + hj * p.labelWeights![y * H + j], 0));
      const e = logits.map(Math.exp);
      const total = e.reduce((s, v) => s + v, 0);
      let y = 0;
      for (let cumulative = e[0] / total; y < 2 && draws[Phase.label][r] >= cumulative; cumulative += e[++y] / total);
      return y;
    });
    const positive = numericGradient((q) => (negativeFreeEnergy(q, X[0], Y[0]) + negativeFreeEnergy(q, X[1], Y[1])) / 2);
    const negative = numericGradient((q) => (negativeFreeEnergy(q, x1[0], y1[0]) + negativeFreeEnergy(q, x1[1], y1[1])) / 2);
    return Object.fromEntries(KEYS.map((key) => [key, positive[key].map((g, k) => g - negative[key][k])])) as Record<(typeof KEYS)[number], number[]>;
  }

  it("follows the exact gradient of log p(y | x) with the 'discriminative' objective", () => {
    const { p, loss } = step('discriminative');
    const g = numericGradient((q) => (logPosterior(q, X[0], Y[0]) + logPosterior(q, X[1], Y[1])) / 2);
    for (const key of KEYS) expectClose(p[key]!, Array.from(model()[key]!, (v, k) => v + 0.1 * g[key][k]), { atol: 1e-5, label: key });
    expect(loss).toBeCloseTo(-(logPosterior(model(), X[0], Y[0]) + logPosterior(model(), X[1], Y[1])) / 2, 6);
  });

  it("follows CD-1 on the joint (x, y) with the 'generative' objective", () => {
    const { p } = step('generative');
    const g = generativeDirection();
    for (const key of KEYS) expectClose(p[key]!, Array.from(model()[key]!, (v, k) => v + 0.1 * g[key][k]), { atol: 1e-5, label: key });
  });

  it("adds generativeWeight times the generative direction to the discriminative one with 'hybrid'", () => {
    const { p } = step('hybrid');
    const [d, g] = [numericGradient((q) => (logPosterior(q, X[0], Y[0]) + logPosterior(q, X[1], Y[1])) / 2), generativeDirection()];
    for (const key of KEYS) expectClose(p[key]!, Array.from(model()[key]!, (v, k) => v + 0.1 * (d[key][k] + 0.25 * g[key][k])), { atol: 1e-5, label: key });
  });
});

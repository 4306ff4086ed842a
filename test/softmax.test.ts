import { describe, expect, it } from 'vitest';
import type { Parameters, TrainingRule } from '../src/backend/backend.js';
import { annealOnHost } from '../src/backend/anneal.js';
import { contrastiveDivergenceStep } from '../src/backend/cpu/cd-step.js';
import { StepScratch } from '../src/backend/cpu/scratch.js';
import { softmaxGroups } from '../src/layers/softmax.js';
import { modelLayers } from '../src/layers/registry.js';
import { exactSoftmaxLogPartition } from '../src/backend/exact-partition.js';
import { aisLogPartition } from '../src/evaluation/ais.js';
import { InvalidArgumentError, RBM, type Matrix } from '../src/node.js';
import { Phase, philoxUniforms, type DrawAddress, type UniformSource } from '../src/rng/stream.js';
import { expectClose } from './helpers.js';

// Two softmax groups of three units (V = 6) and three hidden units.
const [V, H, K] = [6, 3, 3];
function model(): Parameters {
  return {
    weights: Float32Array.of(0.5, -0.3, 0.2, -0.4, 0.1, 0.6, 0.3, 0.2, -0.5, -0.2, 0.4, 0.1, 0.7, -0.6, 0.3, 0.2, 0.5, -0.1),
    visibleBias: Float32Array.of(0.1, -0.2, 0.3, 0, 0.4, -0.3),
    hiddenBias: Float32Array.of(-0.1, 0.2, 0.05),
    weightVelocity: new Float32Array(V * H),
    visibleBiasVelocity: new Float32Array(V),
    hiddenBiasVelocity: new Float32Array(H),
  };
}

/** −F(v) = b·v + Σ_j softplus(c_j + (v·W)_j), written out. */
function negativeFreeEnergy(p: Parameters, v: number[]): number {
  let f = 0;
  for (let i = 0; i < V; i++) f += p.visibleBias[i] * v[i];
  for (let j = 0; j < H; j++) {
    let a = p.hiddenBias[j];
    for (let i = 0; i < V; i++) a += v[i] * p.weights[i * H + j];
    f += Math.log1p(Math.exp(a));
  }
  return f;
}

/** Every visible state of the model: one category in each group (3 × 3 states). */
const STATES = [0, 1, 2].flatMap((a) => [0, 1, 2].map((b) => [0, 1, 2].map((k) => (k === a ? 1 : 0)).concat([0, 1, 2].map((k) => (k === b ? 1 : 0)))));

describe('softmax visible groups', () => {
  it('draw each category as often as its probability, one-hot', () => {
    const rows = 20000;
    const logits = new Float32Array(rows * K);
    for (let r = 0; r < rows; r++) logits.set([0.5, -1, 1.2], r * K);
    const u = new Float32Array(rows);
    philoxUniforms({ seed: 3, phase: Phase.visible, epoch: 0, batch: 0 }, rows, 1, u);
    softmaxGroups(logits, rows, K, K, u);
    const e = [0.5, -1, 1.2].map(Math.exp);
    const total = e.reduce((a, b) => a + b, 0);
    for (let k = 0; k < K; k++) {
      let count = 0;
      for (let r = 0; r < rows; r++) count += logits[r * K + k];
      // Three standard errors of a frequency from 20,000 draws: at most 0.011.
      expect(Math.abs(count / rows - e[k] / total)).toBeLessThan(0.011);
    }
    let notOneHot = 0;
    for (let r = 0; r < rows; r++) if (logits[r * K] + logits[r * K + 1] + logits[r * K + 2] !== 1) notOneHot++;
    expect(notOneHot).toBe(0);
  });

  it('exact log Z sums over hidden states what brute force sums over every visible and hidden state', async () => {
    const p = model();
    const brute = Math.log(STATES.reduce((s, v) => s + Math.exp(negativeFreeEnergy(p, v)), 0));
    expect(await exactSoftmaxLogPartition(p, V, H, K)).toBeCloseTo(brute, 10);
    const ais = await aisLogPartition((job) => annealOnHost(p, V, H, job, K), V, H, { runs: 200, betas: 500, seed: 2, softmax: K, baseBias: Float32Array.of(0, 0.5, -0.5, 0.2, 0, 0) });
    expect(Math.abs(ais.logZ - brute)).toBeLessThan(0.02);
  });

  it("one step moves every parameter by lr·(∇(−F)(x) − ∇(−F)(v₁)), a missing group staying out of both", () => {
    const p = model();
    // Row 0 observes both groups; row 1's second group is missing (all zeros).
    const X = [[0, 1, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0]];
    const draws: Record<number, number[]> = { [Phase.hidden]: [0.01, 0.99, 0.01, 0.99, 0.01, 0.99] };
    const fixed: UniformSource = (address, rows, cols, out) => out.set(draws[address.phase].slice(0, rows * cols));
    const at = (phase: number): DrawAddress => ({ seed: 0, phase, epoch: 0, batch: 0 });
    const rule: TrainingRule = { learningRate: 0.1, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 };
    const layers = modelLayers({ visibleType: { softmax: K }, hiddenType: 'binary', learnVariance: false });
    contrastiveDivergenceStep(layers, p, Float32Array.from(X.flat()), 2, rule, at, fixed, new StepScratch(2, V, H, layers));
    // h0 = (1, 0, 1) and (0, 1, 0) from the draws; v₁ = each group's softmax of b + W·h0, row 1's second group zeroed.
    const before = model();
    const h0 = [[1, 0, 1], [0, 1, 0]];
    const v1 = h0.map((h, r) => {
      const logits = Array.from({ length: V }, (_, i) => before.visibleBias[i] + h.reduce((s, hj, j) => s + hj * before.weights[i * H + j], 0));
      const out: number[] = [];
      for (let g = 0; g < 2; g++) {
        const e = logits.slice(g * K, g * K + K).map(Math.exp);
        const total = e.reduce((a, b) => a + b, 0);
        out.push(...e.map((x) => (r === 1 && g === 1 ? 0 : x / total)));
      }
      return out;
    });
    for (const key of ['weights', 'visibleBias', 'hiddenBias'] as const) {
      const expected = Array.from(before[key], (value, k) => {
        const [up, down] = [model(), model()];
        up[key][k] += 1e-3;
        down[key][k] -= 1e-3;
        const g = (q: Parameters) => (negativeFreeEnergy(q, X[0]) + negativeFreeEnergy(q, X[1]) - negativeFreeEnergy(q, v1[0]) - negativeFreeEnergy(q, v1[1])) / 2;
        return value + (0.1 * (g(up) - g(down))) / (up[key][k] - down[key][k]);
      });
      expectClose(p[key], expected, { atol: 1e-5, label: key });
    }
  });
});

describe('a softmax RBM through the public API', () => {
  /** Rows of two 4-way categorical variables that agree (the second copies the first) 90 % of the time; 10 % of second values missing. */
  function ratings(rows: number, seed: number): Matrix {
    const u = new Float32Array(rows * 3);
    philoxUniforms({ seed, phase: Phase.init, epoch: 0, batch: 0 }, rows, 3, u);
    const data = new Float32Array(rows * 8);
    for (let r = 0; r < rows; r++) {
      const a = Math.floor(u[r * 3] * 4);
      const b = u[r * 3 + 1] < 0.9 ? a : Math.floor(u[r * 3 + 2] * 4);
      data[r * 8 + a] = 1;
      if (u[r * 3 + 2] > 0.1) data[r * 8 + 4 + b] = 1;
    }
    return { data, rows, cols: 8 };
  }

  it('learns what independent categories cannot, reports its cross-entropy, and refuses rows that are not one-hot', async () => {
    const train = ratings(2000, 1);
    const rbm = new RBM({ visible: 8, hidden: 4, visibleType: { softmax: 4 }, learningRate: 0.05, momentum: 0.5, gradient: 'mean', cdSteps: 3 });
    try {
      const lines: string[] = [];
      const history = await rbm.fit(train, { epochs: 20, batchSize: 20, log: (l) => lines.push(l) });
      // The default CPU backend: WebAssembly, or the TypeScript kernels in the plain-CPU run.
      const kernels = process.env.WEBGPU_RBM_WASM === '0' ? 'TypeScript' : 'WebAssembly SIMD';
      expect(lines.some((l) => l.includes(`# CPU: ${kernels}`))).toBe(true);
      expect(lines.some((l) => l.startsWith('Epoch [20/20], Softmax cross-entropy: '))).toBe(true);
      expect(history.klDivergence[19]).toBeLessThan(history.klDivergence[0]);
      // Complete rows only: under independent uniform categories each has log-probability 2·log(1/4) = −2.77.
      const complete = ratings(500, 2);
      const rows = Array.from({ length: complete.rows }, (_, r) => complete.data.subarray(r * 8, r * 8 + 8)).filter((row) => row[4] + row[5] + row[6] + row[7] === 1);
      const ll = await rbm.logLikelihood(rows.map((row) => Array.from(row)), { method: 'exact' });
      expect(ll).toBeGreaterThan(-2.2);
      const samples = await rbm.daydream(20, { chains: 50 });
      for (let r = 0; r < samples.rows; r++) {
        for (let g = 0; g < 2; g++) expect(samples.data.subarray(r * 8 + g * 4, r * 8 + g * 4 + 4).reduce((a, b) => a + b, 0)).toBe(1);
      }
      await expect(rbm.fit([[1, 1, 0, 0, 0, 0, 0, 1]], { epochs: 1, batchSize: 1 })).rejects.toThrow(/row 0, softmax group 0 is not one-hot/);
      await expect(rbm.pseudoLikelihood(train)).rejects.toThrow(InvalidArgumentError);
    } finally {
      await rbm.dispose();
    }
    expect(() => new RBM({ visible: 8, hidden: 2, visibleType: { softmax: 3 } })).toThrow(/do not split into groups of 3/);
    expect(() => new RBM({ visible: 8, hidden: 2, visibleType: { softmax: 1 } })).toThrow(/at least 2/);
  });
});

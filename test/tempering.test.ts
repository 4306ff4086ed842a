import { describe, expect, it } from 'vitest';
import { inverseTemperatures, type Parameters, type TrainingRule } from '../src/backend/backend.js';
import { contrastiveDivergenceStep } from '../src/backend/cpu/cd-step.js';
import { StepScratch } from '../src/backend/cpu/scratch.js';
import { gibbsPhase, Phase, philoxUniforms, type DrawAddress } from '../src/rng/stream.js';
import { BINARY_LAYERS, binaryData, expectClose, randomParameters } from './helpers.js';

// Parallel tempering on the reference backend: one sweep against the algorithm written out
// chain by chain in float64, and the β = 1 chains' samples against the exact distribution.
const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));
const rule = (temperatures: number, cdSteps = 1): TrainingRule => ({
  learningRate: 1e-12, momentum: 0, statistics: 'samples', gradient: 'mean', cdSteps, persistent: true, weightDecay: 0,
  parallelTempering: { temperatures },
});
const at = (phase: number): DrawAddress => ({ seed: 3, phase, epoch: 0, batch: 0 });

/** One sweep and one swap round (parity 0) over `rows` rows of M chains, chain by chain. */
function byTheAlgorithm(p: Parameters, rows: number, M: number, chains: Float32Array) {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  const betas = Array.from(inverseTemperatures(M));
  const n = rows * M;
  const draws = (phase: number, cols: number) => {
    const u = new Float32Array(n * cols);
    philoxUniforms(at(phase), n, cols, u);
    return u;
  };
  const [uv, uh] = [draws(gibbsPhase(Phase.visible, 1), V), draws(gibbsPhase(Phase.hiddenAgain, 1), H)];
  const state = Array.from({ length: n }, (_, q) => {
    const beta = betas[q % M];
    const h0 = Array.from(chains.subarray(q * H, (q + 1) * H));
    const v = Array.from({ length: V }, (_, i) => {
      const a = p.visibleBias[i] + h0.reduce((s, hj, j) => s + hj * p.weights[i * H + j], 0);
      return sigmoid(beta * a) > uv[q * V + i] ? 1 : (0 as number);
    });
    const act = Array.from({ length: H }, (_, j) => p.hiddenBias[j] + v.reduce((s, vi, i) => s + vi * p.weights[i * H + j], 0));
    const h = act.map((a, j): number => (sigmoid(beta * a) > uh[q * H + j] ? 1 : 0));
    const energy = -(h.reduce((s, hj, j) => s + hj * act[j], 0) + v.reduce((s, vi, i) => s + vi * p.visibleBias[i], 0));
    return { v, h, act, energy };
  });
  const u = new Float32Array(rows * M);
  philoxUniforms(at(gibbsPhase(Phase.temperingSwap, 1)), rows, M, u);
  let accepted = 0;
  let tried = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k + 1 < M; k += 2) {
      const [a, b] = [r * M + k, r * M + k + 1];
      tried++;
      if (u[r * M + k] < Math.min(1, Math.exp((betas[k] - betas[k + 1]) * (state[a].energy - state[b].energy)))) {
        accepted++;
        [state[a], state[b]] = [state[b], state[a]];
      }
    }
  }
  return { state, accepted, tried };
}

describe('parallel tempering on the reference backend', () => {
  it('makes one Gibbs step per chain at its temperature, then swaps neighbours as the Metropolis rule says', () => {
    const [V, H, rows, M] = [5, 4, 3, 4];
    // Large weights, so that energies differ and some swaps are refused.
    const p = randomParameters(V, H, 8, 2);
    const chains = binaryData(rows * M, H, 12, 0.5).data;
    const expected = byTheAlgorithm(p, rows, M, chains);
    const x = binaryData(rows, V, 4).data;
    const q = { ...p, hiddenChains: chains.slice() } as Parameters;
    const s2 = new StepScratch(rows, V, H);
    contrastiveDivergenceStep(BINARY_LAYERS, q, x, rows, rule(M), at, philoxUniforms, s2);
    expect(Array.from(q.hiddenChains!)).toEqual(expected.state.flatMap((c) => c.h));
    expect(s2.swaps).toEqual({ accepted: expected.accepted, tried: expected.tried });
    expect(expected.accepted).toBeGreaterThan(0);
    expect(expected.accepted).toBeLessThan(expected.tried);
  });

  it('samples the model from its β = 1 chains: their hidden states follow the exact marginal', () => {
    const [V, H, rows, M] = [4, 2, 64, 5];
    const p: Parameters = { ...randomParameters(V, H, 30, 3), hiddenChains: new Float32Array(rows * M * H) };
    // p(h) ∝ e^(c·h) Π_i (1 + e^(b_i + (W·h)_i)), by enumeration.
    const states = [[0, 0], [1, 0], [0, 1], [1, 1]];
    const weight = states.map((h) => {
      let log = h.reduce((s, hj, j) => s + hj * p.hiddenBias[j], 0);
      for (let i = 0; i < V; i++) log += Math.log1p(Math.exp(p.visibleBias[i] + h.reduce((s, hj, j) => s + hj * p.weights[i * H + j], 0)));
      return Math.exp(log);
    });
    const total = weight.reduce((a, b) => a + b, 0);
    const counts = [0, 0, 0, 0];
    const s = new StepScratch(rows, V, H);
    const x = binaryData(rows, V, 1).data;
    for (let batch = 0; batch < 400; batch++) {
      const address = (phase: number): DrawAddress => ({ seed: 5, phase, epoch: 0, batch });
      contrastiveDivergenceStep(BINARY_LAYERS, p, x, rows, { ...rule(M), learningRate: Number.MIN_VALUE }, address, philoxUniforms, s);
      if (batch < 20) continue;
      for (let r = 0; r < rows; r++) {
        const h = p.hiddenChains!.subarray(r * M * H, r * M * H + H);
        counts[h[0] + 2 * h[1]]++;
      }
    }
    const n = counts.reduce((a, b) => a + b, 0);
    expectClose(counts.map((c) => c / n), weight.map((w) => w / total), { atol: 0.02, rtol: 0, label: 'p(h) of the β = 1 chains' });
    expect(s.swaps.accepted / s.swaps.tried).toBeGreaterThan(0.05);
  });
});

describe('parallel tempering through the model', () => {
  it('trains with persistent chains at every temperature, reports the swap rate, and saves the chains', async () => {
    const { RBM, decodeModel, encodeModel } = await import('../src/node.js');
    const [V, H, M] = [6, 3, 4];
    const lines: string[] = [];
    const rates: number[] = [];
    const rbm = new RBM({ visible: V, hidden: H, persistent: true, parallelTempering: { temperatures: M }, learningRate: 0.05, gradient: 'mean', momentum: 0, threads: 0 });
    await rbm.fit(binaryData(40, V, 2), { epochs: 2, batchSize: 10, log: (l) => lines.push(l), onEpoch: (r) => rates.push(r.swapRate!) });
    expect(rates).toHaveLength(2);
    for (const rate of rates) expect(rate).toBeGreaterThan(0);
    expect(lines.filter((l) => l.startsWith('  parallel tempering: swap rate '))).toHaveLength(2);
    const state = await rbm.getState();
    expect(state.parameters.hiddenChains).toHaveLength(10 * M * H);
    expect(decodeModel(encodeModel(state), 'memory').config.parallelTempering).toEqual({ temperatures: M });
    await rbm.dispose();
  });

  it('needs persistent chains and a sensible number of temperatures', async () => {
    const { RBM } = await import('../src/node.js');
    expect(() => new RBM({ visible: 3, hidden: 2, parallelTempering: { temperatures: 4 } })).toThrow(/set persistent: true/);
    expect(() => new RBM({ visible: 3, hidden: 2, persistent: true, parallelTempering: { temperatures: 1 } })).toThrow(/expected 2 to 64/);
    expect(() => new RBM({ visible: 3, hidden: 2, persistent: true, parallelTempering: { temperature: 4 } as never })).toThrow(/did you mean 'temperatures'/);
  });
});

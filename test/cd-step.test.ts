import { describe, it } from 'vitest';
import type { Parameters, TrainingRule } from '../src/backend/backend.js';
import { contrastiveDivergenceStep } from '../src/backend/cpu/cd-step.js';
import { StepScratch } from '../src/backend/cpu/scratch.js';
import { Phase, type DrawAddress, type UniformSource } from '../src/rng/stream.js';
import { BINARY_LAYERS, expectClose } from './helpers.js';

// A 3-visible, 2-hidden model, a batch of two rows and fixed uniform draws for each phase.
// The expected values were worked out by hand (in float64) from the formulas of docs/training-step.md.
const X = Float32Array.of(1, 0, 1, 0, 1, 0.5);
const DRAWS: Record<number, number[]> = {
  [Phase.hidden]: [0.5, 0.6, 0.4, 0.3],
  [Phase.visible]: [0.5, 0.5, 0.6, 0.4, 0.5, 0.3],
  [Phase.hiddenAgain]: [0.45, 0.55, 0.5, 0.5],
};
const fixedDraws: UniformSource = (address, rows, cols, out) => {
  out.set(DRAWS[address.phase].slice(0, rows * cols));
};

function model(): Parameters {
  return {
    weights: Float32Array.of(0.1, -0.2, 0.3, 0.0, -0.1, 0.2),
    visibleBias: Float32Array.of(0, 0.1, -0.1),
    hiddenBias: Float32Array.of(0.05, -0.05),
    weightVelocity: Float32Array.of(0.01, 0, 0, -0.01, 0.02, 0),
    visibleBiasVelocity: Float32Array.of(0.001, 0, 0),
    hiddenBiasVelocity: Float32Array.of(0, 0.002),
  };
}

function step(rule: TrainingRule) {
  const p = model();
  const at = (phase: number): DrawAddress => ({ seed: 0, phase, epoch: 0, batch: 0 });
  const kl = contrastiveDivergenceStep(BINARY_LAYERS, p, X, 2, rule, at, fixedDraws, new StepScratch(2, 3, 2));
  return { p, kl };
}

describe('one CD-1 step of a 3-2 model with fixed draws', () => {
  it("follows simple_rbm's rule: sampled statistics, summed weight gradient, momentum", () => {
    // h0 = [[1,0],[1,1]], v1 = [[1,1,0],[1,1,1]], h1 = [[1,0],[1,0]]
    // G = Xᵀh0 − v1ᵀh1 = [[1,0],[1,1],[1.5,0.5]] − [[2,0],[2,0],[1,0]] = [[-1,0],[-1,1],[0.5,0.5]]
    // dW = 0.5·dW + 0.5·0.1·G;  W += dW;  db, dc from the column means of X − v1 and h0 − h1
    const { p, kl } = step({ learningRate: 0.1, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 });
    expectClose(p.weightVelocity, [-0.045, 0, -0.05, 0.045, 0.035, 0.025], { label: 'dW' });
    expectClose(p.weights, [0.055, -0.2, 0.25, 0.045, -0.065, 0.225], { label: 'W' });
    expectClose(p.visibleBias, [-0.0245, 0.075, -0.0875], { label: 'b' });
    expectClose(p.hiddenBias, [0.05, -0.024], { label: 'c' });
    expectClose([kl], [0.46062738133463316], { label: 'KL' });
  });

  it("follows echen's rule: probabilities in the statistics, mean weight gradient", () => {
    const { p, kl } = step({ learningRate: 0.1, momentum: 0.5, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 });
    expectClose(
      p.weights,
      [0.10386677122253415, -0.1999657702237001, 0.297664709951726, -0.006743396919446228, -0.08325473526021429, 0.20704003235131122],
      { label: 'W' },
    );
    expectClose(p.visibleBias, [0.0005, 0.0950656169943774, -0.08625415006718806], { label: 'b' });
    expectClose(p.hiddenBias, [0.04928524477331521, -0.04831289769496411], { label: 'c' });
    expectClose([kl], [0.4674440110587407], { label: 'KL' });
  });
});

import { bernoulliLogLikelihood, sigmoid, softplus } from '../math.js';
import type { Parameters } from '../parameters.js';
import type { Draws, HiddenLayer, VisibleHalfStep, VisibleLayer, VisibleStates } from './layer.js';

/**
 * Binary (Bernoulli) units, h ∈ {0, 1} with no energy of their own beyond the bias: mean σ(z),
 * sampled on when σ(z) beats a uniform; free-energy term −softplus(z). simple_rbm's units, on
 * either side.
 */

/** x[k] = σ(x[k]) for the first `count` values. */
export function sigmoidInPlace(x: Float32Array, count: number): void {
  for (let k = 0; k < count; k++) x[k] = sigmoid(x[k]);
}

/** out = 1 where p > u else 0, elementwise: a unit is on when its probability beats its draw. */
export function sampleBernoulli(p: Float32Array, u: Float32Array, count: number, out: Float32Array): void {
  for (let k = 0; k < count; k++) out[k] = p[k] > u[k] ? 1 : 0;
}

/**
 * The batch's "KL divergence" as simple_rbm defines it, from the pre-activations `a` of the
 * visible layer given h0: (−log B − mean_i Σ_j log P(x_ij | a_ij)) / V.
 */
export function klDivergence(x: Float32Array, a: Float32Array, rows: number, cols: number): number {
  let logLikelihood = 0;
  for (let k = 0; k < rows * cols; k++) logLikelihood += bernoulliLogLikelihood(x[k], a[k]);
  return (-Math.log(rows) - logLikelihood / rows) / cols;
}

/** Binary hidden units: p(h = 1 | z) = σ(z), z = c + v·W. */
export const binaryHidden: HiddenLayer = {
  type: 'binary',
  domain: 'unit',
  tensors: [],
  drawWidth: (units) => units,
  mean(_p, z, count, out) {
    for (let k = 0; k < count; k++) out[k] = sigmoid(z[k]);
  },
  sample(p, _z, mean, rows, draws, out) {
    const H = p.hiddenBias.length;
    draws.uniforms(draws.address, rows, H, draws.scratch);
    sampleBernoulli(mean, draws.scratch, rows * H, out);
  },
  draw: (_p, z, j, u) => (sigmoid(z) > u[j] ? 1 : 0),
  freeEnergy: (_p, z) => -softplus(z),
  energy: (_p, h, z) => -(z * h),
  baseLogPartition: (p) => p.hiddenBias.length * Math.LN2,
};

/** Binary visible units: p(v = 1 | h) = σ(b + h·Wᵀ); the loss is simple_rbm's KL divergence. */
export const binaryVisible: VisibleLayer = {
  type: 'binary',
  domain: 'unit',
  tensors: [],
  seen: (_p, x) => x,
  halfStep(p, step: VisibleHalfStep): VisibleStates {
    const { rows, statistics, draws, mean, sample } = step;
    const V = p.visibleBias.length;
    sigmoidInPlace(mean, rows * V);
    // 'mixed' (the PyTorch tutorial's): means in the statistics, sampled states into the hidden half step.
    const sampled = statistics !== 'probabilities';
    if (sampled) {
      draws.uniforms(draws.address, rows, V, draws.scratch);
      sampleBernoulli(mean, draws.scratch, rows * V, sample);
    }
    const statistic = statistics === 'samples' ? sample : mean;
    return { statistic, seen: statistic, hiddenInput: sampled ? sample : mean };
  },
  loss: (p, x, z, rows) => klDivergence(x, z, rows, p.visibleBias.length),
  propagate(p, z, rows, draws?: Draws) {
    sigmoidInPlace(z, z.length);
    if (!draws) return;
    draws.uniforms(draws.address, rows, p.visibleBias.length, draws.scratch);
    sampleBernoulli(z, draws.scratch, z.length, z);
  },
  drawWidth: (units) => units,
  energy(p: Parameters, v, at) {
    let e = 0;
    for (let k = 0; k < p.visibleBias.length; k++) e += -p.visibleBias[k] * v[at + k];
    return e;
  },
};

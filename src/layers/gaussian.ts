import { multiplyTransposedAdd } from '../backend/cpu/kernels.js';
import type { Parameters, TensorSpec } from '../parameters.js';
import { boxMuller, normalDraws } from '../rng/stream.js';
import type { HiddenLayer, HiddenPhases, OwnGradient, VisibleHalfStep, VisibleLayer, VisiblePhases, VisibleStates } from './layer.js';

/**
 * Gaussian units, on either side, each in the parametrisation its literature uses:
 * - visible (Cho, Ilin & Raiko, ICANN 2011): E = Σ (v − b)²/2σ² − (v/σ²)·W·h, so the hidden units
 *   see v/σ² and v | h ~ N(b + h·Wᵀ, σ²); the model learns z = log σ² (docs/training-step.md,
 *   "Gaussian visible units");
 * - hidden (Tubiana & Monasson, PRL 2017; RestrictedBoltzmannMachines.jl's Gaussian layer):
 *   U(h) = γh²/2 − θh with θ the hidden bias, so h | z ~ N(z/γ, 1/γ) for z = θ + v·W; the model
 *   learns γ (docs/layers.md).
 */

/** The visible units' log-variances z = log σ², σ = 1 in a new model. */
export const VISIBLE_LOG_VARIANCE: TensorSpec = {
  field: 'visibleLogVariance', file: 'visible_log_variance', shape: ['V'], owner: 'visible',
  velocity: { field: 'visibleLogVarianceVelocity', file: 'delta_visible_log_variance' },
};

/**
 * The smallest γ training leaves a hidden unit (a variance of 1/γ at most 20): below it a unit's
 * draws swamp the others', and at 0 its integral diverges.
 */
export const MIN_GAMMA = 0.05;

/** The hidden units' precisions γ (Gaussian and ReLU units), 1 in a new model. */
export const HIDDEN_GAMMA: TensorSpec = {
  field: 'hiddenGamma', file: 'hidden_gamma', shape: ['H'], owner: 'hidden', initial: 1, minimum: MIN_GAMMA,
  velocity: { field: 'hiddenGammaVelocity', file: 'delta_hidden_gamma' },
};

/** 1/σ² = e^(−z) of each visible unit, as float32 (what every backend multiplies by). */
export function precisions(logVariance: Float32Array): Float32Array {
  return Float32Array.from(logVariance, (z) => Math.exp(-z));
}

/** σ = e^(z/2) of each visible unit, as float32. */
export function deviations(logVariance: Float32Array): Float32Array {
  return Float32Array.from(logVariance, (z) => Math.exp(z / 2));
}

/** out = x ⊙ precision, row by row. */
export function scaleRows(x: Float32Array, rows: number, precision: Float32Array, out: Float32Array): void {
  const V = precision.length;
  for (let r = 0; r < rows; r++) for (let i = 0; i < V; i++) out[r * V + i] = x[r * V + i] * precision[i];
}

/** mean((x − m)²) over `count` values, accumulated in float64. */
export function meanSquaredError(x: Float32Array, m: Float32Array, count: number): number {
  let sum = 0;
  for (let k = 0; k < count; k++) sum += (x[k] - m[k]) ** 2;
  return sum / count;
}

/** Σᵢ ½·log(2πσᵢ²): the visible units' Gaussian integrals in log Z, from their log-variances z. */
export function gaussianNormaliser(logVariance: Float32Array): number {
  let sum = 0;
  for (const z of logVariance) sum += 0.5 * (Math.log(2 * Math.PI) + z);
  return sum;
}

/** Working memory of a Gaussian layer's half steps, for batches of up to `rows` rows. */
class Scratch {
  readonly normals: Float32Array;
  readonly uniforms: Float32Array;
  /** h·Wᵀ of a hidden statistic (the variance gradient's cross term). */
  readonly projection: Float32Array;
  readonly zeros: Float32Array;
  readonly gradient: Float64Array;

  constructor(readonly rows: number, units: number, projected: number) {
    this.normals = new Float32Array(rows * units);
    this.uniforms = new Float32Array(rows * 2 * units);
    this.projection = new Float32Array(rows * projected);
    this.zeros = new Float32Array(projected);
    this.gradient = new Float64Array(units);
  }
}

/** A layer's scratch, allocated again only when a batch outgrows it. */
function scratchFor(current: Scratch | undefined, rows: number, units: number, projected = 0): Scratch {
  return current && current.rows >= rows && current.gradient.length === units ? current : new Scratch(rows, units, projected);
}

/**
 * Gaussian visible units, their log-variances learned when `learnVariance`. With 'samples'
 * statistics the negative phase draws v ~ N(b + h·Wᵀ, σ²) (normalDraws at the step's address),
 * with 'probabilities' it takes the means. The loss is the reconstruction's mean squared error.
 */
export function gaussianVisible(learnVariance: boolean): VisibleLayer {
  let scratch: Scratch | undefined;
  const own = (rows: number, V: number) => (scratch = scratchFor(scratch, rows, V, V));

  /**
   * Σ_rows over i of e^(−zᵢ)·(½(xᵢ − bᵢ)² − xᵢ·(h·Wᵀ)ᵢ), added to the gradient with `sign`,
   * divided by `rows`: one side of the log-variance gradient (−∂E/∂z averaged over the batch).
   * With `means`, x holds visible means, and the term is its expectation over v ~ N(x, σ²): ½ more.
   */
  const addVarianceTerm = (p: Parameters, x: Float32Array, h: Float32Array, rows: number, precision: Float32Array, sign: number, transposed: Float32Array, means: boolean) => {
    const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
    const g = own(rows, V);
    multiplyTransposedAdd(h, rows, H, p.weights, V, g.zeros, g.projection, transposed);
    const spread = means ? 0.5 : 0;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < V; i++) {
        const v = x[r * V + i];
        const d = v - p.visibleBias[i];
        g.gradient[i] += (sign * (precision[i] * (0.5 * d * d - v * g.projection[r * V + i]) + spread)) / rows;
      }
    }
  };

  return {
    type: 'gaussian',
    domain: 'real',
    tensors: [VISIBLE_LOG_VARIANCE],
    seen(p, x, rows, out) {
      scaleRows(x, rows, precisions(p.visibleLogVariance!), out);
      return out;
    },
    halfStep(p, step: VisibleHalfStep): VisibleStates {
      const { rows, statistics, draws, mean, sample, seen } = step;
      const V = p.visibleBias.length;
      let visible = mean;
      if (statistics === 'samples') {
        const g = own(rows, V);
        const deviation = deviations(p.visibleLogVariance!);
        normalDraws(draws.uniforms, draws.address, rows, V, g.normals, g.uniforms);
        for (let k = 0; k < rows * V; k++) sample[k] = mean[k] + deviation[k % V] * g.normals[k];
        visible = sample;
      }
      scaleRows(visible, rows, precisions(p.visibleLogVariance!), seen);
      return { statistic: visible, seen, hiddenInput: seen };
    },
    ownGradients(p, phases: VisiblePhases): readonly OwnGradient[] {
      if (!learnVariance) return [];
      const { x, hidden, visible, hiddenAgain, rows, bySamples, transposed } = phases;
      const precision = precisions(p.visibleLogVariance!);
      const g = own(rows, p.visibleBias.length);
      g.gradient.fill(0);
      addVarianceTerm(p, x, hidden, rows, precision, 1, transposed, false);
      addVarianceTerm(p, visible, hiddenAgain, rows, precision, -1, transposed, !bySamples);
      return [{ spec: VISIBLE_LOG_VARIANCE, gradient: g.gradient }];
    },
    loss: (p, x, z, rows) => meanSquaredError(x, z, rows * p.visibleBias.length),
    propagate(p, z, rows, draws) {
      if (!draws) return;
      const V = p.visibleBias.length;
      const normals = new Float32Array(z.length);
      normalDraws(draws.uniforms, draws.address, rows, V, normals, new Float32Array(2 * z.length));
      const deviation = deviations(p.visibleLogVariance!);
      for (let k = 0; k < z.length; k++) z[k] += deviation[k % V] * normals[k];
    },
    drawWidth: (units) => 2 * units,
    energy(p, v, at) {
      const logVariance = p.visibleLogVariance!;
      let e = 0;
      for (let k = 0; k < p.visibleBias.length; k++) e += 0.5 * (v[at + k] - p.visibleBias[k]) ** 2 * Math.exp(-logVariance[k]);
      return e;
    },
  };
}

/** E[h² | z] of a hidden unit. */
export type SecondMoment = (p: Parameters, z: number, j: number) => number;

/**
 * The gradient of γ, ⟨∂(−E)/∂γ⟩ over the data less over the model with ∂(−E)/∂γ = −h²/2, as
 * batch means: Σ_rows (m₂(model) − m₂(data)) / 2B, m₂ a sample's square or (mean statistics)
 * the conditional second moment.
 */
export function gammaGradient(p: Parameters, phases: HiddenPhases, moment: SecondMoment, out: Float64Array): readonly OwnGradient[] {
  const H = p.hiddenBias.length;
  const { positive, negative, rows, bySamples } = phases;
  const m2 = (z: number, statistic: number, j: number) => (bySamples ? statistic * statistic : moment(p, z, j));
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < H; j++) {
      const k = r * H + j;
      out[j] += m2(negative.z[k], negative.statistic[k], j) - m2(positive.z[k], positive.statistic[k], j);
    }
  }
  for (let j = 0; j < H; j++) out[j] /= 2 * rows;
  return [{ spec: HIDDEN_GAMMA, gradient: out }];
}

/** γ ← max(γ, MIN_GAMMA), after an update. */
export function floorGamma(p: Parameters): void {
  const gamma = p.hiddenGamma!;
  for (let j = 0; j < gamma.length; j++) if (gamma[j] < MIN_GAMMA) gamma[j] = MIN_GAMMA;
}

/** Gaussian hidden units: h | z ~ N(z/γ, 1/γ); free-energy term −z²/2γ + ½·log(γ/2π). */
export function gaussianHidden(): HiddenLayer {
  let scratch: Scratch | undefined;
  let gradient = new Float64Array(0);
  const moment: SecondMoment = (p, z, j) => (z / p.hiddenGamma![j]) ** 2 + 1 / p.hiddenGamma![j];
  return {
    type: 'gaussian',
    domain: 'real',
    tensors: [HIDDEN_GAMMA],
    drawWidth: (units) => 2 * units,
    mean(p, z, count, out) {
      const gamma = p.hiddenGamma!;
      const H = gamma.length;
      for (let k = 0; k < count; k++) out[k] = z[k] / gamma[k % H];
    },
    sample(p, _z, mean, rows, draws, out) {
      const gamma = p.hiddenGamma!;
      const H = gamma.length;
      scratch = scratchFor(scratch, rows, H);
      normalDraws(draws.uniforms, draws.address, rows, H, scratch.normals, scratch.uniforms);
      for (let k = 0; k < rows * H; k++) out[k] = mean[k] + scratch.normals[k] / Math.sqrt(gamma[k % H]);
    },
    draw: (p, z, j, u) => z / p.hiddenGamma![j] + boxMuller(u[2 * j], u[2 * j + 1]) / Math.sqrt(p.hiddenGamma![j]),
    freeEnergy(p, z, j) {
      const gamma = p.hiddenGamma![j];
      return (-z * z) / (2 * gamma) + 0.5 * Math.log(gamma / (2 * Math.PI));
    },
    energy: (p, h, z, j) => (p.hiddenGamma![j] * h * h) / 2 - z * h,
    secondMoment: moment,
    baseLogPartition: (p) => p.hiddenGamma!.reduce((sum, gamma) => sum + 0.5 * Math.log((2 * Math.PI) / gamma), 0),
    ownGradients(p, phases) {
      if (gradient.length !== p.hiddenBias.length) gradient = new Float64Array(p.hiddenBias.length);
      return gammaGradient(p, phases, moment, gradient);
    },
    constrain: floorGamma,
  };
}

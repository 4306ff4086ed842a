import { multiplyTransposedAdd } from '../backend/cpu/kernels.js';
import type { Parameters, TensorSpec } from '../parameters.js';
import { normalDraws } from '../rng/stream.js';
import type { OwnGradient, VisibleHalfStep, VisibleLayer, VisiblePhases, VisibleStates } from './layer.js';

/**
 * Gaussian visible units (Cho, Ilin & Raiko, ICANN 2011): E = Σ (v − b)²/2σ² − (v/σ²)·W·h, so the
 * hidden units see v/σ² and v | h ~ N(b + h·Wᵀ, σ²); the model learns z = log σ²
 * (docs/training-step.md, "Gaussian visible units").
 */

/** The visible units' log-variances z = log σ², σ = 1 in a new model. */
export const VISIBLE_LOG_VARIANCE: TensorSpec = {
  field: 'visibleLogVariance', file: 'visible_log_variance', shape: ['V'], owner: 'visible',
  velocity: { field: 'visibleLogVarianceVelocity', file: 'delta_visible_log_variance' },
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

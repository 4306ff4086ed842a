import { modelTensors, type ModelKind } from './layers/registry.js';
import { tensorLength, type ParameterName, type Parameters } from './parameters.js';
import { normalDraws, Phase, philoxUniforms } from './rng/stream.js';

/** How the initial weights are drawn (RbmOptions.initDistribution). */
export type InitDistribution = 'uniform' | 'normal';

/**
 * `rows` × `cols` initial weights from the init stream's batch `batch`: Uniform(−a, a) with
 * a = scale·√(6 / (rows + cols)) (Xavier/Glorot, simple_rbm's), or N(0, scale²) (the PyTorch
 * tutorial's randn · 0.1) from the stream's Box–Muller normals (normalDraws).
 */
function initialWeights(rows: number, cols: number, seed: number, batch: number, scale: number, distribution: InitDistribution): Float32Array {
  const weights = new Float32Array(rows * cols);
  const address = { seed, phase: Phase.init, epoch: 0, batch };
  if (distribution === 'normal') {
    normalDraws(philoxUniforms, address, rows, cols, weights, new Float32Array(2 * rows * cols));
    for (let k = 0; k < weights.length; k++) weights[k] *= scale;
    return weights;
  }
  const bound = scale * Math.sqrt(6 / (rows + cols));
  philoxUniforms(address, rows, cols, weights);
  for (let k = 0; k < weights.length; k++) weights[k] = bound * (2 * weights[k] - 1);
  return weights;
}

/** What a new model's parameters are made from: its sizes, unit types and the init options. */
export interface InitialShape extends ModelKind {
  readonly visible: number;
  readonly hidden: number;
  readonly seed: number;
  readonly initScale: number;
  readonly initDistribution: InitDistribution;
}

/**
 * A new model's parameters, every tensor the schema gives its kind (src/parameters.ts and the
 * layers): W as simple_rbm makes it (initialWeights, batch 0 of the init stream), a label
 * layer's U from batch 1, every other tensor at its initial value (biases 0, log-variances 0,
 * offsets ½, γ 1) and every velocity 0. The same seed gives the same model on every backend.
 */
export function initialModel(shape: InitialShape): Parameters {
  const { visible, hidden, seed, initScale, initDistribution, labels } = shape;
  const arrays: Partial<Record<ParameterName, Float32Array>> = {};
  for (const spec of modelTensors(shape)) {
    const length = tensorLength(spec, { V: visible, H: hidden, C: labels });
    arrays[spec.field] = new Float32Array(length).fill(spec.initial ?? 0);
    if (spec.velocity) arrays[spec.velocity.field] = new Float32Array(length);
  }
  arrays.weights = initialWeights(visible, hidden, seed, 0, initScale, initDistribution);
  if (labels > 0) arrays.labelWeights = initialWeights(labels, hidden, seed, 1, initScale, initDistribution);
  return arrays as unknown as Parameters;
}

/** The smallest variance visibleBiasInit 'data' starts a Gaussian unit at (a constant column has none). */
export const MIN_INITIAL_VARIANCE = 1e-2;

/** log(p / (1 − p)) with p clipped to [0.001, 0.999]: a unit's bias that makes its mean p. */
export function logOdds(p: number): number {
  const q = Math.min(Math.max(p, 1e-3), 1 - 1e-3);
  return Math.log(q / (1 - q));
}

/**
 * The parameters the first fit starts from, given the data's visible means: with
 * visibleBiasInit 'data', visible biases at the means' log-odds (Gaussian units: at the means,
 * and log σ² at the log of `variance`, at least MIN_INITIAL_VARIANCE, when the variances learn); centred, μ at the means, λ at ½,
 * the centred visible bias at the means' log-odds and the centred hidden bias at 0, stored as
 * the plain biases b = b_c − W·λ and c = −Wᵀ·μ (docs/training-step.md). W and the velocities stay.
 */
export function parametersFromData(
  p: Parameters,
  mean: Float32Array,
  o: { readonly visibleBiasInit: 'zero' | 'data'; readonly centering: unknown; readonly learnVariance: boolean },
  variance?: Float32Array,
): Parameters {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  const centred = o.centering !== false;
  if (!centred && o.visibleBiasInit === 'zero') return p;
  if (p.visibleLogVariance) {
    // Gaussian units: b at the means and, when the variances learn, log σ² at the data's.
    const logVariance = o.learnVariance && variance ? Float32Array.from(variance, (v) => Math.log(Math.max(v, MIN_INITIAL_VARIANCE))) : p.visibleLogVariance;
    return { ...p, visibleBias: mean.slice(), visibleLogVariance: logVariance };
  }
  const visibleBias = Float32Array.from(mean, logOdds);
  if (!centred) return { ...p, visibleBias };
  const lambda = new Float32Array(H).fill(0.5);
  const hiddenBias = new Float32Array(H);
  for (let i = 0; i < V; i++) {
    let shift = 0;
    for (let j = 0; j < H; j++) {
      shift += p.weights[i * H + j] * lambda[j];
      hiddenBias[j] -= p.weights[i * H + j] * mean[i];
    }
    visibleBias[i] -= shift;
  }
  return { ...p, visibleBias, hiddenBias, visibleOffset: mean.slice(), hiddenOffset: lambda };
}

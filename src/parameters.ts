/**
 * A model's parameter tensors, described once: the Parameters record every backend reads and
 * writes, and the schema (name in the file, field, shape, owner, momentum buffer) from which the
 * state checks, the model file, the GPU buffers and the WebAssembly regions are derived. The
 * tensors a unit type owns are declared in its layer file (src/layers/) with these same specs.
 */

/** Everything that defines a model's state: weights, biases, their momentum buffers, and what some models add. */
export interface Parameters {
  /** V × H, row-major: weights[i * H + j] joins visible i and hidden j. */
  readonly weights: Float32Array;
  readonly visibleBias: Float32Array;
  /** The hidden units' bias (θ of Gaussian and ReLU units: their linear term). */
  readonly hiddenBias: Float32Array;
  readonly weightVelocity: Float32Array;
  readonly visibleBiasVelocity: Float32Array;
  readonly hiddenBiasVelocity: Float32Array;
  /**
   * Persistent CD's chains: one hidden state per row of the largest batch (rows × H), carried
   * from batch to batch and epoch to epoch; with parallel tempering one per row and inverse
   * temperature (rows × M × H, the temperatures of a row together). Absent or empty until
   * persistent training starts them (at zero, as scikit-learn does).
   */
  readonly hiddenChains?: Float32Array;
  /**
   * Centring's offsets (Melchior, Fischer & Wiskott, "How to Center Deep Boltzmann
   * Machines", JMLR 2016): μ (V) and λ (H), present exactly when the model is centred. The
   * weights and biases above stay those of the plain RBM the model is, so every reader sees
   * an ordinary RBM; the offsets only change how training updates them (docs/training-step.md),
   * and the three velocities are those of the centred parameters.
   */
  readonly visibleOffset?: Float32Array;
  readonly hiddenOffset?: Float32Array;
  /**
   * Gaussian visible units (Cho, Ilin & Raiko, ICANN 2011): z = log σ² of each visible unit
   * (V) and its momentum buffer, present exactly when the visible units are Gaussian
   * (docs/training-step.md, "Gaussian visible units").
   */
  readonly visibleLogVariance?: Float32Array;
  readonly visibleLogVarianceVelocity?: Float32Array;
  /**
   * Gaussian and ReLU hidden units (Tubiana & Monasson, PRL 2017): γ > 0 of each hidden unit (H),
   * the precision of its quadratic term γh²/2, and its momentum buffer (docs/layers.md).
   */
  readonly hiddenGamma?: Float32Array;
  readonly hiddenGammaVelocity?: Float32Array;
  /**
   * A label layer (the classification RBM of Larochelle & Bengio, ICML 2008): U (C × H,
   * row-major: labelWeights[y·H + j] joins class y and hidden j), d (C), and their momentum
   * buffers, present exactly when the model has labels (docs/training-step.md, "Label layer").
   */
  readonly labelWeights?: Float32Array;
  readonly labelBias?: Float32Array;
  readonly labelWeightVelocity?: Float32Array;
  readonly labelBiasVelocity?: Float32Array;
}

export type ParameterName = keyof Parameters;

/** The sizes a tensor's shape is written in: visible units, hidden units, classes. */
export type Dim = 'V' | 'H' | 'C';
export type Dims = Readonly<Record<Dim, number>>;

/** Who a tensor belongs to: which part of the model brings it. */
export type Owner = 'coupling' | 'visible' | 'hidden' | 'centring' | 'labels';

/** One learned (or tracked) tensor of a model. */
export interface TensorSpec {
  readonly field: ParameterName;
  /** Its name in a model file (simple_rbm's names for the six every model has). */
  readonly file: string;
  readonly shape: readonly Dim[];
  readonly owner: Owner;
  /** Its momentum buffer, for a tensor that training moves by momentum steps. */
  readonly velocity?: { readonly field: ParameterName; readonly file: string };
  /** Every element's value in a new model, where it does not come from the random stream (default 0). */
  readonly initial?: number;
  /** The least value an element may take, where finite is not enough (a precision's floor). */
  readonly minimum?: number;
}

/** The tensors every model has: W and both biases. */
export const COUPLING: readonly TensorSpec[] = [
  { field: 'weights', file: 'w', shape: ['V', 'H'], owner: 'coupling', velocity: { field: 'weightVelocity', file: 'delta_w' } },
  { field: 'visibleBias', file: 'visible_bias', shape: ['V'], owner: 'visible', velocity: { field: 'visibleBiasVelocity', file: 'delta_visible_bias' } },
  { field: 'hiddenBias', file: 'hidden_bias', shape: ['H'], owner: 'hidden', velocity: { field: 'hiddenBiasVelocity', file: 'delta_hidden_bias' } },
];

/** Centring's offsets μ and λ, ½ in a new model (the first fit sets μ from the data). */
export const CENTRING: readonly TensorSpec[] = [
  { field: 'visibleOffset', file: 'visible_offset', shape: ['V'], owner: 'centring', initial: 0.5 },
  { field: 'hiddenOffset', file: 'hidden_offset', shape: ['H'], owner: 'centring', initial: 0.5 },
];

/** A label layer's U and d (U drawn from the init stream's batch 1). */
export const LABELS: readonly TensorSpec[] = [
  { field: 'labelWeights', file: 'label_weights', shape: ['C', 'H'], owner: 'labels', velocity: { field: 'labelWeightVelocity', file: 'delta_label_weights' } },
  { field: 'labelBias', file: 'label_bias', shape: ['C'], owner: 'labels', velocity: { field: 'labelBiasVelocity', file: 'delta_label_bias' } },
];

/** Persistent CD's chains in a model file: whole rows of H hidden states. */
export const CHAINS_FILE = 'persistent_hidden';

/** A tensor's element count for a model of these sizes. */
export function tensorLength(spec: TensorSpec, dims: Dims): number {
  return spec.shape.reduce((n, d) => n * dims[d], 1);
}

/** Every array a tensor list implies: each tensor, then its velocity, with its length. */
export function arraysOf(specs: readonly TensorSpec[], dims: Dims): { field: ParameterName; file: string; shape: number[]; length: number }[] {
  return specs.flatMap((spec) => {
    const shape = spec.shape.map((d) => dims[d]);
    const length = tensorLength(spec, dims);
    return [{ field: spec.field, file: spec.file, shape, length }, ...(spec.velocity ? [{ ...spec.velocity, shape, length }] : [])];
  });
}

/** Every field of Parameters (the compiler checks the list against the interface). */
export const PARAMETER_FIELDS = Object.keys({
  weights: 1, visibleBias: 1, hiddenBias: 1, weightVelocity: 1, visibleBiasVelocity: 1, hiddenBiasVelocity: 1, hiddenChains: 1,
  visibleOffset: 1, hiddenOffset: 1, visibleLogVariance: 1, visibleLogVarianceVelocity: 1, hiddenGamma: 1, hiddenGammaVelocity: 1,
  labelWeights: 1, labelBias: 1, labelWeightVelocity: 1, labelBiasVelocity: 1,
} satisfies Record<ParameterName, 1>) as ParameterName[];

/** A deep copy: each array `p` has, sliced. */
export function copyParameters(p: Parameters): Parameters {
  const copy: Partial<Record<ParameterName, Float32Array>> = {};
  for (const field of PARAMETER_FIELDS) {
    const values = p[field];
    if (values) copy[field] = values.slice();
  }
  return copy as unknown as Parameters;
}

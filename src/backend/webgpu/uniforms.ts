/**
 * The uniform structs of the shaders, declared once here: their WGSL text is prepended to every
 * shader module (kernels.ts) and their bytes are packed from the same declaration, so the host
 * and the shaders cannot disagree on a field's place or type.
 */

/** The scalar types a uniform field may have; each takes 4 bytes. */
export type Scalar = 'u32' | 'i32' | 'f32';

/** A value for every field of a struct, by name. */
export type StructValues<F extends Record<string, Scalar>> = { readonly [K in keyof F]: number };

/** The values `S.pack` takes: `ValuesOf<typeof Step>`. */
export type ValuesOf<S> = S extends UniformStruct<infer F> ? StructValues<F> : never;

/** A WGSL uniform struct whose fields are 4-byte scalars, in declaration order. */
export interface UniformStruct<F extends Record<string, Scalar>> {
  readonly name: string;
  readonly fields: F;
  /** The WGSL declaration: `struct Name { field: type, … }`. */
  readonly wgsl: string;
  /** Bytes the struct takes in a uniform buffer: its fields, rounded up to 16. */
  readonly size: number;
  /** Writes `values` at `offset` of `target` (a new buffer of `size` bytes by default) and returns `target`. */
  pack(values: StructValues<F>, target?: ArrayBuffer, offset?: number): ArrayBuffer;
}

const writers: Record<Scalar, (view: DataView, at: number, value: number) => void> = {
  u32: (view, at, value) => view.setUint32(at, value, true),
  i32: (view, at, value) => view.setInt32(at, value, true),
  f32: (view, at, value) => view.setFloat32(at, value, true),
};

/**
 * Declares a uniform struct: `fields` maps each field's name to its type, in WGSL order.
 * Doc comments on the fields document the WGSL struct too.
 */
export function uniformStruct<const F extends Record<string, Scalar>>(name: string, fields: F): UniformStruct<F> {
  const entries = Object.entries(fields) as [keyof F & string, Scalar][];
  const size = Math.max(16, Math.ceil((entries.length * 4) / 16) * 16);
  return {
    name,
    fields,
    wgsl: `struct ${name} {\n${entries.map(([field, type]) => `  ${field}: ${type},\n`).join('')}}\n`,
    size,
    pack(values, target = new ArrayBuffer(size), offset = 0) {
      const view = new DataView(target, offset, size);
      entries.forEach(([field, type], i) => {
        const value = values[field];
        // A caller that escaped the type check would otherwise write 0 without a word.
        if (typeof value !== 'number') throw new TypeError(`uniform ${name}.${field} is missing`);
        writers[type](view, i * 4, value);
      });
      return target;
    },
  };
}

/** Per batch (bound with a dynamic offset, UNIFORM_STRIDE apart), or per inference call. */
export const Step = uniformStruct('Step', {
  /** B, the rows in this batch. */
  rows: 'u32',
  /** Its first entry in the epoch's order. */
  start: 'u32',
  /** Random-stream address: counter = (col / 4, rowOffset + row, drawBatch, drawEpoch). */
  drawBatch: 'u32',
  drawEpoch: 'u32',
  /** Where this batch's loss goes in the epoch's array. */
  index: 'u32',
  rowOffset: 'u32',
});

/** Per epoch: the training rule. */
export const Rule = uniformStruct('Rule', {
  seed: 'u32',
  /** 1: sampled states in the statistics; 0: probabilities. */
  bySamples: 'u32',
  /** 1: divide the weight gradient by B. */
  meanGradient: 'u32',
  momentum: 'f32',
  /** (1 − momentum) · learning rate. */
  stepSize: 'f32',
  /** stepSize · weight decay λ. */
  decayStep: 'f32',
});

/** One matmul dispatch (matmul.wgsl). */
export const Call = uniformStruct('Call', {
  /** Output columns. */
  n: 'u32',
  /** Inner dimension. */
  k: 'u32',
  /** A starts at row aBlock · rows of its buffer (the halves of a stacked batch). */
  aBlock: 'u32',
  /** Likewise for the statistic output (samples always start at row 0). */
  outBlock: 'u32',
  /** Second key word of the random stream. */
  phase: 'u32',
  /** WRITE_STAT | WRITE_SAMPLES | WRITE_MOMENT. */
  flags: 'u32',
  /** Rows of A and of the output per batch row: parallel tempering's M in the tempered variant, else 1. */
  temperatures: 'u32',
});

/** The gradient product's output shape (gradient.wgsl). */
export const Dims = uniformStruct('Dims', {
  v: 'u32',
  h: 'u32',
  /**
   * The ones column's value (times the row's sign): the visible bias gradient's weight, 1 but
   * for a label layer's objectives (its generative weight, 0 when purely discriminative).
   */
  ones: 'f32',
});

/** Where the update kernels find each parameter (update.wgsl, log-variance.wgsl, gamma-step.wgsl, centring's). */
export const Layout = uniformStruct('Layout', {
  v: 'u32',
  h: 'u32',
  /** Element offset of b in the parameter (and velocity) buffer. */
  visibleBias: 'u32',
  /** Element offset of c. */
  hiddenBias: 'u32',
  /** Split-K partials to add. */
  slices: 'u32',
  /** Element offset of centring's visible offsets μ in the parameter buffer. */
  mu: 'u32',
  /** Element offset of the hidden offsets λ. */
  lambda: 'u32',
  /** Element offset of Gaussian visible units' log-variances z (and of their velocities). */
  logVariance: 'u32',
  /** Element offset of Gaussian and ReLU hidden units' γ (and of its velocity). */
  hiddenGamma: 'u32',
});

/** Per epoch, when the rule centres (centred-biases.wgsl, hidden-offset.wgsl). */
export const Centring = uniformStruct('Centring', {
  /** ν: λ moves this fraction of the way to the batch's mean hidden statistic. */
  offsetRate: 'f32',
});

/** One chunk of the resident data set (gather.wgsl). */
export const Chunk = uniformStruct('Chunk', {
  /** First data-set row held by this chunk. */
  first: 'u32',
  rows: 'u32',
  cols: 'u32',
});

/** The loss reduction (loss-reduce.wgsl): the KL, the mean squared error or a label layer's mean −log p(y | x). */
export const LossCall = uniformStruct('LossCall', {
  /** Partial sums to add. */
  count: 'u32',
  /** V. */
  visible: 'u32',
});

/** One chunk of the exact log partition function (partition.wgsl). */
export const Enumeration = uniformStruct('Enumeration', {
  /** Units enumerated. */
  n: 'u32',
  /** Units summed out. */
  m: 'u32',
  /** The chunk's first state. */
  first: 'u32',
  /** States in this chunk. */
  count: 'u32',
});

/** One AIS run, every chain at once (anneal-product.wgsl, anneal-weights.wgsl). */
export const Anneal = uniformStruct('Anneal', {
  /** Chains, a row each. */
  runs: 'u32',
  visible: 'u32',
  hidden: 'u32',
  /** First key word of the random stream. */
  seed: 'u32',
});

/** Step k of AIS's path (bound with a dynamic offset, UNIFORM_STRIDE apart). */
export const AnnealStep = uniformStruct('AnnealStep', {
  /** k, the draws' epoch word. */
  epoch: 'u32',
  /** βₖ. */
  beta: 'f32',
  /** βₖ₋₁. */
  previous: 'f32',
  /** βₖ − βₖ₋₁, rounded once from float64. */
  delta: 'f32',
});

/** One sweep of parallel tempering's chains (tempered-*.wgsl): M chains per batch row, chain q = r·M + k. */
export const Tempering = uniformStruct('Tempering', {
  /** M, the inverse temperatures. */
  temperatures: 'u32',
  visible: 'u32',
  hidden: 'u32',
  /** The sweep's pairs (k, k + 1) have k ≡ parity (mod 2): (t − 1) mod 2. */
  parity: 'u32',
  /** Second key word of the swap draws. */
  phase: 'u32',
});

/** One pass of gaussian-visible.wgsl over a block of rows: the noise σ ⊙ n, and v/σ². */
export const GaussianVisible = uniformStruct('GaussianVisible', {
  visible: 'u32',
  /** The rows start at row block · Step.rows of the buffers (the halves of a stacked batch). */
  block: 'u32',
  /** 1: add the noise when the rule samples (Rule.bySamples); 0: only divide by σ². */
  draws: 'u32',
  /** Second key word of the normals' draws. */
  phase: 'u32',
});

/** A label layer's kernels (label-*.wgsl, class-scores.wgsl; docs/training-step.md, "Label layer"). */
export const LabelCall = uniformStruct('LabelCall', {
  hidden: 'u32',
  /** C, the classes. */
  classes: 'u32',
  /** Element offsets of U (C × H) and d (C) in the parameter and velocity buffers. */
  labelWeights: 'u32',
  labelBias: 'u32',
  /** 1: the step follows the discriminative gradient of log p(y | x). */
  discriminative: 'u32',
  /** 1: the step follows the generative CD gradient of log p(x, y), with weight generativeWeight. */
  generative: 'u32',
  generativeWeight: 'f32',
  /** Second key word of the label draws (gibbsPhase(label, t)). */
  phase: 'u32',
});

/** Softmax visible groups (softmax-groups.wgsl, softmax-loss.wgsl). */
export const SoftmaxCall = uniformStruct('SoftmaxCall', {
  visible: 'u32',
  /** K, the units per group. */
  size: 'u32',
  /** The block of rows (a half of the stacked batch) the groups are in. */
  block: 'u32',
  /** 1: draw one-hot states when the rule samples; 0: keep the probabilities. */
  draws: 'u32',
  /** 1: zero the groups missing (all zero) from the data in the stack's block 0. */
  mask: 'u32',
  /** Second key word of the draws. */
  phase: 'u32',
});

/** Inpainting's clamp in a Gibbs loop (clamp.wgsl). */
export const ClampCall = uniformStruct('ClampCall', {
  visible: 'u32',
});

/** Every struct above, in the order their WGSL is prepended. */
export const UNIFORM_STRUCTS = [Step, Rule, Call, Dims, Layout, Centring, Chunk, LossCall, Enumeration, Anneal, AnnealStep, Tempering, GaussianVisible, LabelCall, SoftmaxCall, ClampCall] as const;

/** The WGSL declarations of every uniform struct, prepended to every shader module. */
export function structDeclarations(): string {
  return UNIFORM_STRUCTS.map((s) => s.wgsl).join('');
}

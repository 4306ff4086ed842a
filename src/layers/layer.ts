import type { Parameters, TensorSpec } from '../parameters.js';
import type { DrawAddress, UniformSource } from '../rng/stream.js';

/**
 * What a unit type is, for the reference: the description every backend follows (docs/layers.md).
 * A layer maps its units' pre-activations z (its bias plus the input from the other layer) to
 * their conditional means and samples, gives its terms of the energy and free energy, the
 * statistics and updates of the tensors it owns, and its part of AIS's base model. The kernels
 * (WGSL snippets in shaders/layers/, AssemblyScript in src/backend/wasm/assembly/layers/) follow
 * the same formulas, and are tested against these.
 */

/** Where a half step's draws come from: the address, the generator, and room for the uniforms. */
export interface Draws {
  readonly address: DrawAddress;
  readonly uniforms: UniformSource;
  /** At least rows × drawWidth(units) floats. */
  readonly scratch: Float32Array;
}

/** Where a unit type's values lie: [0, 1] (binary states and their probabilities), any real value, or [0, ∞). */
export type Domain = 'unit' | 'real' | 'nonnegative';

/** Whether v lies in the domain (NaN lies in none). */
export function inDomain(v: number, domain: Domain): boolean {
  return domain === 'unit' ? v >= 0 && v <= 1 : domain === 'nonnegative' ? v >= 0 && v < Infinity : Number.isFinite(v);
}

/** What a value outside the domain was expected to be, in an error's words. */
export function expectedIn(domain: Domain): string {
  return domain === 'unit' ? 'a value in [0, 1]' : domain === 'nonnegative' ? 'a value ≥ 0' : 'a finite number';
}

/** A hidden unit type: binary (Bernoulli), Gaussian or ReLU. */
export interface HiddenLayer {
  /** Its name in the registry (src/layers/registry.ts). */
  readonly type: string;
  /** Where its states and means lie: what rows given for it must hold. */
  readonly domain: Domain;
  /** The tensors it owns beside the hidden bias (its velocities with them). */
  readonly tensors: readonly TensorSpec[];
  /** Uniforms one sampled row of `units` units takes. */
  drawWidth(units: number): number;
  /** out = E[h | z] elementwise over rows × H pre-activations (out may be z itself). */
  mean(p: Parameters, z: Float32Array, count: number, out: Float32Array): void;
  /** out = a draw of h | z for rows × H units, given their means from mean() (out may be `mean`). */
  sample(p: Parameters, z: Float32Array, mean: Float32Array, rows: number, draws: Draws, out: Float32Array): void;
  /**
   * A draw of unit j from p(h | z) ∝ e^(−U(h) + z·h), from `u`, a row of drawWidth(H) uniforms
   * (AIS's tempered draws pass z = β·(c + v·W), so that β = 0 gives the units' own distribution).
   */
  draw(p: Parameters, z: number, j: number, u: Float32Array): number;
  /** Unit j's term of the free energy, −log ∫ e^(−U(h) + z·h) dh (binary: −softplus(z)). */
  freeEnergy(p: Parameters, z: number, j: number): number;
  /** Unit j's term of E(v, h) given its pre-activation z: U(h) − z·h. */
  energy(p: Parameters, h: number, z: number, j: number): number;
  /** E[h² | z] of unit j: with E[h | z] = mean(), the statistics its own tensors learn from (Gaussian and ReLU units' γ). */
  secondMoment?(p: Parameters, z: number, j: number): number;
  /** log Z of the units alone (z = 0): AIS's base model's hidden part, −Σ_j freeEnergy(0, j). */
  baseLogPartition(p: Parameters): number;
  /** Training: the gradients of the tensors it owns, from each phase's pre-activations and statistics. */
  ownGradients?(p: Parameters, phases: HiddenPhases): readonly OwnGradient[];
  /** Training: keeps the tensors it owns in their domain after an update. */
  constrain?(p: Parameters): void;
}

/** The positive and negative phases' hidden pre-activations and the statistics the gradient reads. */
export interface HiddenPhases {
  readonly positive: { readonly z: Float32Array; readonly statistic: Float32Array };
  readonly negative: { readonly z: Float32Array; readonly statistic: Float32Array };
  readonly rows: number;
  /** Whether the statistics are samples (else means: the moments are then the conditional ones). */
  readonly bySamples: boolean;
}



/** Which states a contrastive-divergence step's statistics hold: docs/training-step.md has the table. */
export type Statistics = 'samples' | 'probabilities' | 'mixed';

/** The visible half step of a Gibbs step in training, as the CD skeleton hands it to the visible layer. */
export interface VisibleHalfStep {
  /** The batch's data rows (softmax groups keep the groups a row misses at zero). */
  readonly x: Float32Array;
  readonly rows: number;
  readonly statistics: Statistics;
  /** The draws of this step (gibbsPhase(visible, t)). */
  readonly draws: Draws;
  /** In: the pre-activations b + h·Wᵀ. Out: the units' means (softmax: probabilities, or one-hot draws in place). */
  readonly mean: Float32Array;
  /** Room for sampled states. */
  readonly sample: Float32Array;
  /** Room for what the hidden units see, where that is not the states themselves. */
  readonly seen: Float32Array;
}

/** What a visible half step gives the rest of the step. */
export interface VisibleStates {
  /** The states the statistics hold (samples or means, as `statistics` says). */
  readonly statistic: Float32Array;
  /** The same as the hidden units see them: what the weight and bias gradients read. */
  readonly seen: Float32Array;
  /** What the next hidden half step reads. */
  readonly hiddenInput: Float32Array;
}

/** One tensor's gradient, which the step's optimiser applies with the biases' step size. */
export interface OwnGradient {
  readonly spec: TensorSpec;
  readonly gradient: Float64Array;
}

/** The two layers of a model, as the CD skeleton and inference use them. */
export interface ModelLayers {
  readonly visible: VisibleLayer;
  readonly hidden: HiddenLayer;
}

/** A visible unit type: binary (Bernoulli), Gaussian, or softmax groups. */
export interface VisibleLayer {
  readonly type: 'binary' | 'gaussian' | 'softmax';
  /** Where its states and means lie: what its data must hold (softmax groups: one-hot as well). */
  readonly domain: Domain;
  /** Softmax groups' size (undefined for the other types). */
  readonly groupSize?: number;
  /** The tensors it owns beside the visible bias (its velocities with them). */
  readonly tensors: readonly TensorSpec[];
  /** Rows of visible states as the hidden units see them: `x` itself, or (Gaussian units) x/σ² written to `out`. */
  seen(p: Parameters, x: Float32Array, rows: number, out: Float32Array): Float32Array;
  /** Training's visible half step. */
  halfStep(p: Parameters, step: VisibleHalfStep): VisibleStates;
  /**
   * Training: the gradients of the tensors it owns, from the data rows `x` with the positive
   * statistic `hidden`, and the model's `visible` states with `hiddenAgain`, before the update.
   */
  ownGradients?(p: Parameters, phases: VisiblePhases): readonly OwnGradient[];
  /** The batch's loss from the data rows and the pre-activations b + h0·Wᵀ after the update. */
  loss(p: Parameters, x: Float32Array, z: Float32Array, rows: number): number;
  /**
   * Inference: the pre-activations b + h·Wᵀ (rows × V) become the units' means in place, or with
   * `draws` their samples.
   */
  propagate(p: Parameters, z: Float32Array, rows: number, draws?: Draws): void;
  /** Uniforms one sampled row of `units` units takes. */
  drawWidth(units: number): number;
  /** The row's own term of the energy: −b·v (binary, softmax), Σ (v − b)²/2σ² (Gaussian). */
  energy(p: Parameters, v: Float32Array, at: number): number;
}

/** What a visible layer's own gradients are made of. */
export interface VisiblePhases {
  readonly x: Float32Array;
  readonly hidden: Float32Array;
  readonly visible: Float32Array;
  readonly hiddenAgain: Float32Array;
  readonly rows: number;
  readonly bySamples: boolean;
  /** Room for V × H floats (Wᵀ). */
  readonly transposed: Float32Array;
}

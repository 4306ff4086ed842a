import { InvalidArgumentError } from '../errors.js';
import type { Parameters } from '../parameters.js';
import type { Statistics } from '../layers/layer.js';
import type { HiddenType, VisibleType } from '../layers/registry.js';
import { checkCombination, type Combination } from '../combinations.js';
import type { Matrix } from '../matrix.js';
import type { PixelMatrix } from '../pixels.js';
import type { DrawAddress } from '../rng/stream.js';

export type { Parameters } from '../parameters.js';
export { copyParameters } from '../parameters.js';

export type { Statistics } from '../layers/layer.js';

/** How one contrastive-divergence step turns statistics into an update. */
export interface TrainingRule {
  readonly learningRate: number;
  readonly momentum: number;
  /**
   * 'samples': sampled states in the statistics (simple_rbm); 'probabilities': their means (echen,
   * Hinton); 'mixed': means in the statistics, each hidden half step reading sampled visible states
   * (the PyTorch tutorial's). docs/training-step.md has the table.
   */
  readonly statistics: Statistics;
  /** 'sum': the weight gradient is summed over the batch (simple_rbm); 'mean': averaged (echen, sklearn). */
  readonly gradient: 'sum' | 'mean';
  /** Gibbs steps in the negative phase: 1 is CD-1. */
  readonly cdSteps: number;
  /** Persistent CD: the negative chains continue from Parameters.hiddenChains instead of h0. */
  readonly persistent: boolean;
  /** L2 weight decay λ: the weight step is (1 − m)·lr·(g − λ·W). */
  readonly weightDecay: number;
  /**
   * Centred gradients (Parameters.visibleOffset and hiddenOffset must be present), with the
   * hidden offsets following the positive phase's mean statistic at this rate.
   */
  readonly centring?: { readonly offsetRate: number };
  /**
   * Parallel tempering (Desjardins et al., AISTATS 2010): each persistent chain runs at
   * `temperatures` inverse temperatures 1 = β₀ > … > β_{M−1} = 0, neighbours swapping states
   * after every sweep; the β = 1 chains give the negative statistics. Needs persistent.
   */
  readonly parallelTempering?: { readonly temperatures: number };
  /** Gaussian visible units: whether their log-variances learn (default false). */
  readonly learnVariance?: boolean;
  /**
   * A label layer (Parameters.labelWeights must be present; the data come with labels): which
   * gradient the step follows — of log p(y | x) ('discriminative'), of log p(x, y) by CD-k
   * ('generative'), or the first plus generativeWeight times the second ('hybrid'). The batch
   * loss becomes the mean −log p(y | x) before the update.
   */
  readonly labels?: { readonly objective: 'generative' | 'discriminative' | 'hybrid'; readonly generativeWeight: number };
}

/**
 * What a backend holds a model of, fixed when the backend is made: its sizes and unit types
 * (docs/layers.md) and a label layer's classes.
 */
export interface ModelShape {
  readonly visible: number;
  readonly hidden: number;
  readonly visibleType: VisibleType;
  readonly hiddenType: HiddenType;
  /** A label layer's classes (0: none). */
  readonly labels: number;
}

/** A shape with binary units and no label layer where `partial` says nothing else. */
export function modelShape(partial: Partial<ModelShape> & Pick<ModelShape, 'visible' | 'hidden'>): ModelShape {
  const { visible, hidden, visibleType = 'binary', hiddenType = 'binary', labels = 0 } = partial;
  return { visible, hidden, visibleType, hiddenType, labels };
}

/**
 * What every backend checks of an epoch's rule before it trains: the rule table's combinations
 * (the options refuse the same ones), and a labelled rule's label layer.
 */
export function checkRule(shape: ModelShape, rule: TrainingRule): void {
  checkCombination(combinationOf(shape, rule));
  if (rule.labels && shape.labels === 0) throw new InvalidArgumentError('labels', 'the rule has labels, but this model has no label layer');
}

/** What the rule table (src/combinations.ts) reads of a backend's model and an epoch's rule. */
export function combinationOf(shape: ModelShape, rule: TrainingRule): Combination {
  return {
    visibleType: shape.visibleType,
    hiddenType: shape.hiddenType,
    labels: rule.labels ? shape.labels : 0,
    centering: rule.centring !== undefined,
    parallelTempering: rule.parallelTempering !== undefined,
    persistent: rule.persistent,
    statistics: rule.statistics,
  };
}

/** One epoch's work: which rows form each batch, and where its random draws come from. */
export interface EpochPlan {
  /** A permutation of the data set's rows. */
  readonly order: Uint32Array;
  /** Batch b is order[batchStarts[b] .. batchStarts[b + 1]). */
  readonly batchStarts: Uint32Array;
  /** The rows of the largest batch: what a backend sizes its batch buffers and persistent chains for. */
  readonly largestBatch: number;
  readonly seed: number;
  /** The epoch's position in the random stream (epochs trained before it). */
  readonly epoch: number;
  readonly rule: TrainingRule;
  /** The first batch to train (later than 0 when continuing an interrupted epoch). */
  readonly firstBatch: number;
  /** When it is aborted, training stops at the end of the current batch. */
  readonly signal?: AbortSignal;
  /**
   * Called after each batch with its index. The GPU backend then submits batch by batch
   * (as for a signal) instead of the whole epoch at once.
   */
  readonly onBatch?: (batch: number) => void;
}

/** What an epoch of training reports. */
export interface EpochResult {
  /**
   * The loss of each batch trained (from plan.firstBatch on), in batch order: simple_rbm's KL
   * divergence, or the reconstruction's mean squared error (Gaussian visible units), the softmax
   * cross-entropy (softmax groups) or the mean −log p(y | x) (a label layer). The public
   * History calls the epochs' means klDivergence, simple_rbm's name.
   */
  readonly losses: Float64Array;
  /** The parameters afterwards, copied to the host. */
  readonly parameters: Parameters;
  /** True when the signal stopped the epoch before its last batch. */
  readonly stopped: boolean;
  /**
   * Set when a batch produced a non-finite KL or parameter: the backend has restored the
   * parameters it had when trainEpoch was called, and `parameters` holds them.
   */
  readonly nonFiniteBatch?: number;
  /** Time the device spent in the epoch's kernels, where it can measure it. */
  readonly deviceSeconds?: number;
  /** Parallel tempering: the swaps accepted and tried over the epoch's batches. */
  readonly swaps?: { readonly accepted: number; readonly tried: number };
}

/** The chains of annealed importance sampling (forward or reverse), for Backend.anneal. */
export interface AnnealJob {
  /** Inverse temperatures in the order the chains walk them: up from 0 (AIS) or down from 1 (reverse AIS). */
  readonly path: Float64Array;
  /** runs × V starting states (binary, one-hot groups, or real values for Gaussian units). */
  readonly start: Float32Array;
  readonly runs: number;
  /** The base model's visible biases (its weights and hidden biases are 0). */
  readonly baseBias: Float32Array;
  /** Step k draws its hidden states at (seed, aisHidden, epoch k) and its visible ones at (seed, aisVisible, epoch k). */
  readonly seed: number;
}

/**
 * Sampled Gibbs steps v → h → v over a batch of chains, for Backend.gibbs. Step s draws its
 * hidden states at hiddenDraws[s] and its visible states at visibleDraws[s]; with
 * `probabilities` the last step ends at P(v | h) (Gaussian: the means) and draws no visible states.
 */
export interface GibbsJob {
  /** The chains' visible states, one row per chain. */
  readonly start: Matrix;
  /** One address per step: the steps are hiddenDraws.length. */
  readonly hiddenDraws: readonly DrawAddress[];
  /** One address per step, or with `probabilities` one fewer. */
  readonly visibleDraws: readonly DrawAddress[];
  readonly probabilities: boolean;
  /** Inpainting: after every visible half step the units `known` marks 1 are reset to `values`. */
  readonly clamp?: { readonly known: Matrix; readonly values: Matrix };
}

/** A data set held by a backend for training. */
export interface ResidentData {
  readonly rows: number;
  readonly cols: number;
  release(): void;
}

export type Layer = 'hidden' | 'visible';

/** Which backend a model runs on, and on what device. */
export interface DeviceInfo {
  readonly backend: 'cpu' | 'webgpu';
  /** 'CPU (TypeScript)', 'CPU (WebAssembly SIMD, 2 threads)', or the WebGPU adapter's description. */
  readonly device: string;
}

/**
 * The operations a model needs, at the size of an RBM step; implemented once per kind of
 * device. A backend holds one model's parameters; the model never asks which backend it has.
 */
export interface Backend {
  readonly info: DeviceInfo;
  /** The lines `fit` prints first: simple_rbm's, then which kernels or adapter run. */
  readonly banner: string;
  setParameters(p: Parameters): Promise<void>;
  getParameters(): Promise<Parameters>;
  /**
   * Holds a data set for training, float32 or 8-bit pixels (kept 8-bit), with its class labels
   * (one per row) for a model with a label layer.
   */
  upload(x: Matrix | PixelMatrix, labels?: Uint32Array): Promise<ResidentData>;
  /** Trains on every batch of `plan`. */
  trainEpoch(data: ResidentData, plan: EpochPlan): Promise<EpochResult>;
  /**
   * The means of the units of `to` given states of the other layer (binary units: their
   * probabilities); sampled states instead when `draw` is given (the layer's sampler: docs/layers.md).
   */
  propagate(x: Matrix, to: Layer, draw?: DrawAddress): Promise<Matrix>;
  /**
   * The pre-activations of the units of `to` given states of the other layer: c + v'·W (v' what
   * the hidden units see of v: v, or v/σ² for Gaussian visible units) or b + h·Wᵀ. Energies, free
   * energies and class scores are computed from them on the host (src/energies.ts).
   */
  preActivations(x: Matrix, to: Layer): Promise<Matrix>;
  /** Runs `job`'s Gibbs steps and returns the chains' last visible states (or probabilities). */
  gibbs(job: GibbsJob): Promise<Matrix>;
  /** log Z summed over every state of the layer that can be enumerated (at most MAX_EXACT_UNITS units). */
  logPartitionExact(): Promise<number>;
  /** Runs AIS's chains (src/backend/anneal.ts is the reference) and returns each chain's log importance weight. */
  anneal(job: AnnealJob): Promise<Float64Array>;
  dispose(): Promise<void>;
}

/** Parallel tempering's inverse temperatures, evenly spaced from 1 down to 0, as float32 values. */
export function inverseTemperatures(count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, k) => 1 - k / (count - 1));
}

/**
 * Persistent CD's chains after an epoch: the epoch's `latest` chains over the first rows of
 * those `kept` from earlier (larger) batches, so a smaller batch never forgets the others.
 */
export function mergeChains(kept: Float32Array, latest: Float32Array): Float32Array {
  const merged = new Float32Array(Math.max(kept.length, latest.length));
  merged.set(kept);
  merged.set(latest);
  return merged;
}

/**
 * The first batch that went bad in an epoch that trained batches from `firstBatch` on: the
 * earlier of the first non-finite loss and the batch a device reported a non-finite
 * parameter in (`reported`, undefined when none); undefined when every batch was finite.
 */
export function firstBadBatch(losses: Float64Array, firstBatch: number, reported: number | undefined): number | undefined {
  const badLoss = losses.findIndex((v) => !Number.isFinite(v));
  const candidates = [...(badLoss < 0 ? [] : [firstBatch + badLoss]), ...(reported === undefined ? [] : [reported])];
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}

/** The steps of a Gibbs job, after checking that its addresses, clamp and start agree. */
export function gibbsSteps(job: GibbsJob): number {
  const steps = job.hiddenDraws.length;
  const visibleDraws = job.probabilities ? Math.max(0, steps - 1) : steps;
  if (job.visibleDraws.length !== visibleDraws) {
    throw new InvalidArgumentError('visibleDraws', `${steps} steps${job.probabilities ? ' ending at probabilities' : ''} draw visible states ${visibleDraws} times, not ${job.visibleDraws.length}`);
  }
  const { known, values } = job.clamp ?? { known: job.start, values: job.start };
  if (known.data.length !== job.start.data.length || values.data.length !== job.start.data.length) {
    throw new InvalidArgumentError('clamp', 'the known units and their values must have the shape of the chains');
  }
  return steps;
}

/** Inpainting's clamp on the host: the units `known` marks 1 take their `values` again. */
export function clampKnown(v: Matrix, clamp: GibbsJob['clamp']): Matrix {
  if (clamp) for (let k = 0; k < v.data.length; k++) if (clamp.known.data[k] === 1) v.data[k] = clamp.values.data[k];
  return v;
}

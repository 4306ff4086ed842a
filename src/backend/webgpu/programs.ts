/**
 * Every GPU program, one declaration per kernel family (program.ts says what a declaration
 * holds): its WGSL sources, its bindings by name in `@binding` order (their WGSL declarations
 * are generated from these and prepended; the .wgsl files declare none), its group 1, and its
 * override constants per variant.
 */
import annealProductSource from '../../../shaders/anneal-product.wgsl';
import annealWeightsSource from '../../../shaders/anneal-weights.wgsl';
import centredBiasesSource from '../../../shaders/centred-biases.wgsl';
import clampSource from '../../../shaders/clamp.wgsl';
import classScoresSource from '../../../shaders/class-scores.wgsl';
import finite from '../../../shaders/finite.wgsl';
import gammaStepSource from '../../../shaders/gamma-step.wgsl';
import gatherPixelsSource from '../../../shaders/gather-pixels.wgsl';
import gatherSource from '../../../shaders/gather.wgsl';
import gaussian from '../../../shaders/gaussian.wgsl';
import gaussianVisibleSource from '../../../shaders/gaussian-visible.wgsl';
import gradientSource from '../../../shaders/gradient.wgsl';
import hiddenOffsetSource from '../../../shaders/hidden-offset.wgsl';
import labelDrawSource from '../../../shaders/label-draw.wgsl';
import labelGatherSource from '../../../shaders/label-gather.wgsl';
import labelTermSource from '../../../shaders/label-term.wgsl';
import labelUpdateSource from '../../../shaders/label-update.wgsl';
import logVarianceSource from '../../../shaders/log-variance.wgsl';
import logistic from '../../../shaders/logistic.wgsl';
import lossReduceSource from '../../../shaders/loss-reduce.wgsl';
import matmulSource from '../../../shaders/matmul.wgsl';
import partials from '../../../shaders/partials.wgsl';
import partitionSource from '../../../shaders/partition.wgsl';
import philox from '../../../shaders/philox.wgsl';
import softmaxGroupsSource from '../../../shaders/softmax-groups.wgsl';
import softmaxLossSource from '../../../shaders/softmax-loss.wgsl';
import temperedEnergySource from '../../../shaders/tempered-energy.wgsl';
import temperedStatisticsSource from '../../../shaders/tempered-statistics.wgsl';
import temperedSwapSource from '../../../shaders/tempered-swap.wgsl';
import tile from '../../../shaders/tile.wgsl';
import updateSource from '../../../shaders/update.wgsl';
import { ANNEAL_WG, CHAIN_WG, ELEMENTWISE, Epilogue, MATMUL, type MatmulShape, REDUCE_WG, UNITS_WG, WIDE } from './params.js';
import { program, read, uniform, write } from './program.js';
import {
  Anneal, AnnealStep, Call, Centring, Chunk, ClampCall, Dims, Enumeration, GaussianVisible, LabelCall, Layout, LossCall, Rule, SoftmaxCall, Step, Tempering,
} from './uniforms.js';
import { BINARY_UNITS, type UnitSnippet } from './units.js';

const elementwise = { WG_X: ELEMENTWISE.wgX, WG_Y: ELEMENTWISE.wgY };
const flag = (on: boolean | undefined) => (on ? 1 : 0);

/** One matmul variant: whether B is Wᵀ, what its epilogue computes, what its output units are, and whether it runs parallel tempering's chains. */
export interface MatmulVariant {
  readonly transposeB: boolean;
  readonly epilogue: Epilogue;
  readonly tempered?: boolean;
  /** With a label layer's rows U_y added to the hidden input (from the aux binding). */
  readonly labelled?: boolean;
  /** The workgroup's shape (matmulShape); WIDE when absent. */
  readonly shape?: MatmulShape;
  /** With inpainting's clamp in the sample and probability epilogues (the known flags and values in aux). */
  readonly clamped?: boolean;
  /** The output units' type in the sample and probability epilogues (units.ts); binary units when absent. */
  readonly unit?: UnitSnippet;
}

/** One layer's input, out = f(A·B + bias), f fused into the epilogue with the output units' snippet (matmul.wgsl). */
export const matmul = program({
  name: 'matmul',
  // logistic.wgsl and gaussian.wgsl: what the unit snippets share (σ, Box–Muller's normals).
  sources: [philox, logistic, gaussian, tile, matmulSource],
  bindings: {
    a: read(),
    b: read(),
    bias: read(),
    stat: write(),
    samples: write(),
    /** The loss epilogues' targets X, the tempered variant's β, the labelled variant's rows U_y, or the clamped variant's known flags then values. */
    aux: read(),
    lossPartials: write(),
    /** Gaussian and ReLU hidden units' γ, which their snippets read (a spare buffer for other units). */
    hiddenGamma: read(),
    call: uniform(Call),
    rule: uniform(Rule),
  },
  step: Step,
  variant: (v: MatmulVariant) => {
    const { wgX, wgY, direct } = v.shape ?? WIDE;
    const unit = v.unit ?? BINARY_UNITS;
    const words = [v.transposeB ? 'NT' : 'NN', v.epilogue, v.tempered && 'tempered', v.labelled && 'labelled', v.clamped && 'clamped', `${wgX}×${wgY}`, direct && 'direct'];
    return {
      label: words.filter((w) => w !== false && w !== undefined).join(' '),
      constants: {
        WG_X: wgX,
        WG_Y: wgY,
        TRANSPOSE_B: flag(v.transposeB),
        B_CONTIGUOUS_IN_K: flag(v.transposeB),
        EPILOGUE: v.epilogue,
        TEMPERED: flag(v.tempered),
        LABELLED: flag(v.labelled),
        DIRECT: flag(direct),
        CLAMPED: flag(v.clamped),
        UNIT_DRAWS: unit.draws,
      },
      snippets: [unit],
    };
  },
});

/** The CD weight gradient as one split-K product over the stacked batch (gradient.wgsl). */
export const gradient = program({
  name: 'gradient',
  sources: [tile, gradientSource],
  bindings: { visibleStack: read(), hiddenStack: read(), partials: write(), dims: uniform(Dims) },
  step: Step,
  variant: () => ({ constants: { WG_X: MATMUL.wgX, WG_Y: MATMUL.wgY, A_CONTIGUOUS_IN_M: 1 } }),
});

/** The momentum update; `centred`: with the centred weight gradient, leaving the plain biases to centredBiases. */
export const update = program({
  name: 'update',
  sources: [finite, partials, updateSource],
  bindings: { partials: read(), params: write(), velocity: write(), health: write('atomic<u32>'), shape: uniform(Layout), rule: uniform(Rule) },
  step: Step,
  variant: (o: { readonly centred?: boolean }) => ({ label: o.centred ? 'centred' : undefined, constants: { ...elementwise, CENTRED: flag(o.centred) } }),
});

/** Gaussian and ReLU hidden units: γ's gradient from the statistics' second moments and its momentum step, floored at MIN_GAMMA (gamma-step.wgsl). */
export const gammaStep = program({
  name: 'gamma step',
  sources: [finite, gammaStepSource],
  bindings: {
    /** [h0; h_k; m₂(h0); m₂(h_k)]: the statistics, then their second moments (the matmul's WRITE_MOMENT). */
    hiddenStack: read(),
    params: write(),
    velocity: write(),
    health: write('atomic<u32>'),
    shape: uniform(Layout),
    rule: uniform(Rule),
  },
  step: Step,
  variant: () => ({ constants: { WG_SIZE: UNITS_WG } }),
});

/** Centring: the plain biases follow the weight step (centred-biases.wgsl). */
export const centredBiases = program({
  name: 'centred biases',
  sources: [finite, centredBiasesSource],
  bindings: { params: write(), velocity: read(), health: write('atomic<u32>'), shape: uniform(Layout) },
  step: Step,
  variant: () => ({ constants: { WG_SIZE: UNITS_WG } }),
});

/** Centring: the hidden offsets λ follow the positive phase (hidden-offset.wgsl). */
export const hiddenOffset = program({
  name: 'hidden offset',
  sources: [finite, hiddenOffsetSource],
  bindings: { hiddenStack: read(), params: write(), health: write('atomic<u32>'), shape: uniform(Layout), centring: uniform(Centring) },
  step: Step,
  variant: () => ({ constants: { WG_SIZE: UNITS_WG } }),
});

/** The batch's loss from per-workgroup sums: the KL, or with `squaredError` a mean (loss-reduce.wgsl). */
export const lossReduce = program({
  name: 'loss reduce',
  sources: [lossReduceSource],
  bindings: { lossPartials: read(), epochLoss: write(), call: uniform(LossCall) },
  step: Step,
  variant: (o: { readonly squaredError?: boolean }) => ({
    label: o.squaredError ? 'squared error' : undefined,
    constants: { WG_SIZE: REDUCE_WG, SQUARED_ERROR: flag(o.squaredError) },
  }),
});

/** The batch's rows from one chunk of the resident data set into the visible stack (gather.wgsl). */
export const gather = program({
  name: 'gather',
  sources: [gatherSource],
  bindings: { data: read(), order: read('array<u32>'), batch: write(), chunk: uniform(Chunk) },
  step: Step,
  variant: () => ({ constants: elementwise }),
});

/** gather for 8-bit data (gather-pixels.wgsl). */
export const gatherPixels = program({
  name: 'gather pixels',
  sources: [gatherPixelsSource],
  bindings: {
    /** Four pixels to a word. */
    data: read('array<u32>'),
    order: read('array<u32>'),
    batch: write(),
    chunk: uniform(Chunk),
    /** PIXEL_VALUES: each pixel's float32 value. */
    values: read(),
  },
  step: Step,
  variant: () => ({ constants: elementwise }),
});

/** Gaussian visible units: the noise σ ⊙ n on a block of visible means, and the block divided by σ² (gaussian-visible.wgsl). */
export const gaussianVisible = program({
  name: 'gaussian visible',
  sources: [philox, logistic, gaussian, gaussianVisibleSource],
  bindings: { logVariance: read(), raw: write(), scaled: write(), call: uniform(GaussianVisible), rule: uniform(Rule) },
  step: Step,
  variant: () => ({ constants: elementwise }),
});

/** Gaussian visible units: the log-variances' gradient and momentum step, before the update (log-variance.wgsl). */
export const logVariance = program({
  name: 'log-variance',
  sources: [finite, philox, logistic, gaussian, partials, logVarianceSource],
  bindings: {
    partials: read(),
    /** [X; v_k] as they are, not divided by σ². */
    rawVisible: read(),
    params: write(),
    velocity: write(),
    health: write('atomic<u32>'),
    shape: uniform(Layout),
    rule: uniform(Rule),
  },
  step: Step,
  variant: () => ({ constants: { WG_SIZE: UNITS_WG } }),
});

/** A label layer's batch: its classes and their rows U_y (label-gather.wgsl). */
export const labelGather = program({
  name: 'label gather',
  sources: [labelGatherSource],
  bindings: { labels: read('array<u32>'), order: read('array<u32>'), params: read(), batchLabels: write('array<u32>'), labelRows: write(), call: uniform(LabelCall) },
  step: Step,
  variant: () => ({ constants: elementwise }),
});

/** Class scores, one workgroup per row; `posterior`: as p(y | x) with each row's loss (training; class-scores.wgsl). */
export const classScores = program({
  name: 'class scores',
  sources: [logistic, classScoresSource],
  bindings: { activation: read(), params: read(), batchLabels: read('array<u32>'), scores: write(), rowLoss: write(), call: uniform(LabelCall) },
  step: Step,
  variant: (o: { readonly posterior: boolean }) => ({ label: o.posterior ? 'posterior' : undefined, constants: { WG_SIZE: CHAIN_WG, POSTERIOR: flag(o.posterior) } }),
});

/** The discriminative hidden term, or with `combine` its sum with the weighted generative statistics (label-term.wgsl). */
export const labelTerm = program({
  name: 'label term',
  sources: [logistic, labelTermSource],
  bindings: {
    activation: read(),
    params: read(),
    batchLabels: read('array<u32>'),
    posterior: read(),
    hiddenTerm: write(),
    hiddenStack: write(),
    call: uniform(LabelCall),
  },
  step: Step,
  variant: (o: { readonly combine: boolean }) => ({ label: o.combine ? 'combine' : undefined, constants: { ...elementwise, COMBINE: flag(o.combine) } }),
});

/** A label layer's gradient and momentum step (label-update.wgsl). */
export const labelUpdate = program({
  name: 'label update',
  sources: [finite, logistic, labelUpdateSource],
  bindings: {
    activation: read(),
    params: write(),
    velocity: write(),
    batchLabels: read('array<u32>'),
    posterior: read(),
    hiddenStack: read(),
    health: write('atomic<u32>'),
    call: uniform(LabelCall),
    rule: uniform(Rule),
  },
  step: Step,
  variant: () => ({ constants: elementwise }),
});

/** The generative chain's label draws, one thread per row (label-draw.wgsl). */
export const labelDraw = program({
  name: 'label draw',
  sources: [philox, labelDrawSource],
  bindings: { params: read(), chain: read(), batchLabels: write('array<u32>'), labelRows: write(), call: uniform(LabelCall), rule: uniform(Rule) },
  step: Step,
  variant: () => ({ constants: { WG_SIZE: UNITS_WG } }),
});

/** Softmax visible groups: probabilities, one-hot draws, missing groups zeroed (softmax-groups.wgsl). */
export const softmaxGroups = program({
  name: 'softmax groups',
  sources: [philox, softmaxGroupsSource],
  bindings: { stack: write(), call: uniform(SoftmaxCall), rule: uniform(Rule) },
  step: Step,
  variant: () => ({ constants: elementwise }),
});

/** The batch's softmax cross-entropy, one workgroup (softmax-loss.wgsl). */
export const softmaxLoss = program({
  name: 'softmax loss',
  sources: [softmaxLossSource],
  bindings: { data: read(), logits: read(), epochLoss: write(), call: uniform(SoftmaxCall) },
  step: Step,
  variant: () => ({ constants: { WG_SIZE: REDUCE_WG } }),
});

/** Inpainting: the known units take their values again after a visible half step (clamp.wgsl). */
export const clamp = program({
  name: 'clamp',
  sources: [clampSource],
  bindings: {
    states: write(),
    /** The rows' known flags, then their values. */
    known: read(),
    call: uniform(ClampCall),
  },
  step: Step,
  variant: () => ({ constants: elementwise }),
});

/** The exact log Z's terms; `gaussian`: over the hidden states with Gaussian visible units integrated out (partition.wgsl). */
export const partition = program({
  name: 'partition',
  sources: [philox, logistic, gaussian, partitionSource],
  bindings: {
    /** n rows of m weights. */
    columns: read(),
    /** n. */
    ownBias: read(),
    /** m. */
    otherBias: read(),
    /** m, read when GAUSSIAN. */
    logVariance: read(),
    terms: write(),
    job: uniform(Enumeration),
  },
  step: null,
  variant: (o: { readonly gaussian?: boolean }) => ({ label: o.gaussian ? 'gaussian' : undefined, constants: { WG_SIZE: REDUCE_WG, GAUSSIAN: flag(o.gaussian) } }),
});

/**
 * AIS's product over all chains: `up`, the hidden inputs c + v·W; down, the visible draws at β.
 * `gaussian`: with Gaussian visible units (their base model N(b, σ²); anneal-product.wgsl).
 */
export const annealProduct = program({
  name: 'anneal product',
  sources: [philox, logistic, tile, gaussian, annealProductSource],
  bindings: {
    weights: read(),
    visibleBias: read(),
    hiddenBias: read(),
    /** What the base model has of its own: its visible biases bA, or GAUSSIAN's log-variances z. */
    base: read(),
    hidden: read(),
    visible: write(),
    activation: write(),
    job: uniform(Anneal),
  },
  step: AnnealStep,
  variant: (o: { readonly up: boolean; readonly gaussian?: boolean }) => ({
    label: `${o.up ? 'up' : 'down'}${o.gaussian ? ' gaussian' : ''}`,
    constants: { WG_X: MATMUL.wgX, WG_Y: MATMUL.wgY, UP: flag(o.up), B_CONTIGUOUS_IN_K: flag(!o.up), GAUSSIAN: flag(o.gaussian) },
  }),
});

/** AIS's weight increments and hidden draws, one workgroup per chain (`gaussian`: without a visible term; anneal-weights.wgsl). */
export const annealWeights = program({
  name: 'anneal weights',
  sources: [philox, logistic, annealWeightsSource],
  bindings: {
    visibleBias: read(),
    baseBias: read(),
    visible: read(),
    activation: read(),
    hidden: write(),
    /** Per run, LOG_WEIGHT_WORDS words: the two's complement's low and high words, and a word set when an increment was not finite or not below 2³¹ nats. */
    logWeights: write('array<u32>'),
    job: uniform(Anneal),
  },
  step: AnnealStep,
  variant: (o: { readonly gaussian?: boolean }) => ({ label: o.gaussian ? 'gaussian' : undefined, constants: { WG_SIZE: ANNEAL_WG, GAUSSIAN: flag(o.gaussian) } }),
});

/** Parallel tempering: each chain's energy E = −(h·(c + v·W) + b·v), one workgroup per chain (tempered-energy.wgsl). */
export const temperedEnergy = program({
  name: 'tempered energy',
  sources: [temperedEnergySource],
  bindings: { visibleBias: read(), visible: read(), hidden: read(), activation: read(), energies: write(), shape: uniform(Tempering) },
  step: Step,
  variant: () => ({ constants: { WG_SIZE: CHAIN_WG } }),
});

/** Parallel tempering: the swaps a sweep offers neighbouring temperatures, one thread per batch row (tempered-swap.wgsl). */
export const temperedSwap = program({
  name: 'tempered swap',
  sources: [philox, temperedSwapSource],
  bindings: {
    betas: read(),
    energies: read(),
    visible: write(),
    hidden: write(),
    activation: write(),
    /** Accepted, then offered. */
    swaps: write('array<atomic<u32>, 2>'),
    shape: uniform(Tempering),
    rule: uniform(Rule),
  },
  step: Step,
  variant: () => ({ constants: { WG_SIZE: UNITS_WG } }),
});

/** Parallel tempering: the β = 1 chains' statistics into the stacked batch's lower halves (tempered-statistics.wgsl). */
export const temperedStatistics = program({
  name: 'tempered statistics',
  sources: [logistic, temperedStatisticsSource],
  bindings: {
    visible: read(),
    hidden: read(),
    activation: read(),
    visibleStack: write(),
    hiddenStack: write(),
    shape: uniform(Tempering),
    rule: uniform(Rule),
  },
  step: Step,
  variant: () => ({ constants: elementwise }),
});

/** Every program above, for the test that compiles them all. */
export const PROGRAMS = [
  matmul, gradient, update, gammaStep, centredBiases, hiddenOffset, lossReduce, gather, gatherPixels, gaussianVisible, logVariance, labelGather, classScores,
  labelTerm, labelUpdate, labelDraw, softmaxGroups, softmaxLoss, clamp, partition, annealProduct, annealWeights, temperedEnergy, temperedSwap,
  temperedStatistics,
] as const;

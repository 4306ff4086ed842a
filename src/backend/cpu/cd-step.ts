import type { Parameters, TrainingRule } from '../backend.js';
import { gibbsPhase, Phase, type DrawAddress, type UniformSource } from '../../rng/stream.js';
import { accumulateTransposed, columnMeanDifference, multiplyAdd, multiplyTransposedAdd } from './kernels.js';
import { bernoulliLogLikelihood, sigmoid } from '../../math.js';

/** Working memory for steps on batches of up to `maxRows` rows, allocated once. */
export class StepScratch {
  readonly hiddenProb: Float32Array;
  readonly hidden: Float32Array;
  readonly visibleProb: Float32Array;
  readonly visible: Float32Array;
  readonly hiddenAgainProb: Float32Array;
  readonly hiddenAgain: Float32Array;
  readonly chain: Float32Array;
  readonly uniforms: Float32Array;
  readonly weightsTransposed: Float32Array;
  readonly weightGradient: Float64Array;
  readonly visibleGradient: Float64Array;
  readonly hiddenGradient: Float64Array;

  constructor(readonly maxRows: number, visible: number, hidden: number) {
    this.hiddenProb = new Float32Array(maxRows * hidden);
    this.hidden = new Float32Array(maxRows * hidden);
    this.visibleProb = new Float32Array(maxRows * visible);
    this.visible = new Float32Array(maxRows * visible);
    this.hiddenAgainProb = new Float32Array(maxRows * hidden);
    this.hiddenAgain = new Float32Array(maxRows * hidden);
    this.chain = new Float32Array(maxRows * hidden);
    this.uniforms = new Float32Array(maxRows * Math.max(visible, hidden));
    this.weightsTransposed = new Float32Array(visible * hidden);
    this.weightGradient = new Float64Array(visible * hidden);
    this.visibleGradient = new Float64Array(visible);
    this.hiddenGradient = new Float64Array(hidden);
  }
}

export function sigmoidInPlace(x: Float32Array, count: number): void {
  for (let k = 0; k < count; k++) x[k] = sigmoid(x[k]);
}

/** out = 1 where p > u else 0, elementwise: a unit is on when its probability beats its draw. */
export function sample(p: Float32Array, u: Float32Array, count: number, out: Float32Array): void {
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

function applyMomentum(
  value: Float32Array, velocity: Float32Array, gradient: Float64Array, scale: number, momentum: number,
): void {
  for (let k = 0; k < value.length; k++) {
    velocity[k] = momentum * velocity[k] + scale * gradient[k];
    value[k] += velocity[k];
  }
}

/**
 * One CD-k step on the batch x (rows × V), updating `p` in place (docs/training-step.md), and
 * the batch's KL divergence computed after the update from the same hidden sample. Gibbs step t
 * draws with gibbsPhase(…, t); persistent CD starts the negative chain from p.hiddenChains
 * (zero where it has none yet) and leaves its last hidden sample there.
 */
export function contrastiveDivergenceStep(
  p: Parameters,
  x: Float32Array,
  rows: number,
  rule: TrainingRule,
  at: (phase: number) => DrawAddress,
  uniforms: UniformSource,
  s: StepScratch,
): number {
  const V = p.visibleBias.length;
  const H = p.hiddenBias.length;
  const W = p.weights;
  const bySamples = rule.statistics === 'samples';

  multiplyAdd(x, rows, V, W, H, p.hiddenBias, s.hiddenProb);
  sigmoidInPlace(s.hiddenProb, rows * H);
  uniforms(at(Phase.hidden), rows, H, s.uniforms);
  sample(s.hiddenProb, s.uniforms, rows * H, s.hidden);

  // The negative chain: from h0, or from the persistent chains.
  let chain = s.hidden;
  if (rule.persistent) {
    s.chain.fill(0);
    if (p.hiddenChains) s.chain.set(p.hiddenChains.subarray(0, Math.min(p.hiddenChains.length, rows * H)));
    chain = s.chain;
  }
  let visible = s.visibleProb;
  let hiddenAgain = s.hiddenAgainProb;
  for (let t = 1; t <= rule.cdSteps; t++) {
    multiplyTransposedAdd(chain, rows, H, W, V, p.visibleBias, s.visibleProb, s.weightsTransposed);
    sigmoidInPlace(s.visibleProb, rows * V);
    visible = s.visibleProb;
    if (bySamples) {
      uniforms(at(gibbsPhase(Phase.visible, t)), rows, V, s.uniforms);
      sample(s.visibleProb, s.uniforms, rows * V, s.visible);
      visible = s.visible;
    }
    multiplyAdd(visible, rows, V, W, H, p.hiddenBias, s.hiddenAgainProb);
    sigmoidInPlace(s.hiddenAgainProb, rows * H);
    hiddenAgain = s.hiddenAgainProb;
    if (bySamples || rule.persistent || t < rule.cdSteps) {
      uniforms(at(gibbsPhase(Phase.hiddenAgain, t)), rows, H, s.uniforms);
      sample(s.hiddenAgainProb, s.uniforms, rows * H, s.hiddenAgain);
      if (bySamples) hiddenAgain = s.hiddenAgain;
      chain = s.hiddenAgain;
    }
  }
  const hidden = bySamples ? s.hidden : s.hiddenProb;

  s.weightGradient.fill(0);
  accumulateTransposed(x, rows, V, hidden, H, 1, s.weightGradient);
  accumulateTransposed(visible, rows, V, hiddenAgain, H, -1, s.weightGradient);
  columnMeanDifference(x, visible, rows, V, s.visibleGradient);
  columnMeanDifference(hidden, hiddenAgain, rows, H, s.hiddenGradient);

  const step = (1 - rule.momentum) * rule.learningRate;
  const weightStep = rule.gradient === 'mean' ? step / rows : step;
  if (rule.centering) centreWeightGradient(p, rows, s);
  if (rule.weightDecay !== 0) {
    // g − λ·W, in units of the weight gradient's scale.
    const decay = (rule.weightDecay * step) / weightStep;
    for (let k = 0; k < W.length; k++) s.weightGradient[k] -= decay * W[k];
  }
  applyMomentum(W, p.weightVelocity, s.weightGradient, weightStep, rule.momentum);
  if (rule.centering) {
    updateCentredBiases(p, step, rule.momentum, s);
    followHiddenMean(p, hidden, rows, rule.centering.offsetRate);
  } else {
    applyMomentum(p.visibleBias, p.visibleBiasVelocity, s.visibleGradient, step, rule.momentum);
    applyMomentum(p.hiddenBias, p.hiddenBiasVelocity, s.hiddenGradient, step, rule.momentum);
  }
  if (rule.persistent) storeChains(p, chain, rows * H);

  multiplyTransposedAdd(s.hidden, rows, H, W, V, p.visibleBias, s.visibleProb, s.weightsTransposed);
  return klDivergence(x, s.visibleProb, rows, V);
}

/**
 * The centred weight gradient Σ (x − μ)(s − λ)ᵀ over the data minus the same over the model:
 * the plain one less B·(μ g_cᵀ + g_b λᵀ), with g_b and g_c the bias gradients (batch means).
 */
function centreWeightGradient(p: Parameters, rows: number, s: StepScratch): void {
  const mu = p.visibleOffset!;
  const lambda = p.hiddenOffset!;
  const H = lambda.length;
  for (let i = 0; i < mu.length; i++) {
    for (let j = 0; j < H; j++) s.weightGradient[i * H + j] -= rows * (mu[i] * s.hiddenGradient[j] + s.visibleGradient[i] * lambda[j]);
  }
}

/**
 * The centred biases move by their momentum steps; the plain biases the model keeps are
 * b − W·λ and c − Wᵀ·μ, so they also move against the weight step ΔW just taken (the weight
 * velocity): b += Δb − ΔW·λ, c += Δc − ΔWᵀ·μ.
 */
function updateCentredBiases(p: Parameters, step: number, momentum: number, s: StepScratch): void {
  const mu = p.visibleOffset!;
  const lambda = p.hiddenOffset!;
  const [V, H] = [mu.length, lambda.length];
  const dW = p.weightVelocity;
  const shiftC = new Float64Array(H);
  for (let i = 0; i < V; i++) {
    const db = momentum * p.visibleBiasVelocity[i] + step * s.visibleGradient[i];
    p.visibleBiasVelocity[i] = db;
    let shift = 0;
    for (let j = 0; j < H; j++) {
      shift += dW[i * H + j] * lambda[j];
      shiftC[j] += dW[i * H + j] * mu[i];
    }
    p.visibleBias[i] += db - shift;
  }
  for (let j = 0; j < H; j++) {
    const dc = momentum * p.hiddenBiasVelocity[j] + step * s.hiddenGradient[j];
    p.hiddenBiasVelocity[j] = dc;
    p.hiddenBias[j] += dc - shiftC[j];
  }
}

/**
 * λ ← (1 − ν)·λ + ν·(mean over the batch of the positive phase's hidden statistic). Moving an
 * offset changes only the centred parametrisation, never the model: the plain weights and
 * biases stay as they are.
 */
function followHiddenMean(p: Parameters, hidden: Float32Array, rows: number, rate: number): void {
  const lambda = p.hiddenOffset!;
  const H = lambda.length;
  for (let j = 0; j < H; j++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += hidden[r * H + j];
    lambda[j] = (1 - rate) * lambda[j] + rate * (sum / rows);
  }
}

/** Keeps the chains' last hidden samples, growing the store to the largest batch seen. */
function storeChains(p: Parameters, chain: Float32Array, count: number): void {
  const store = p as { hiddenChains?: Float32Array };
  if (!store.hiddenChains || store.hiddenChains.length < count) {
    const grown = new Float32Array(count);
    if (store.hiddenChains) grown.set(store.hiddenChains);
    store.hiddenChains = grown;
  }
  store.hiddenChains.set(chain.subarray(0, count));
}

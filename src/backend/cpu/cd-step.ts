import { inverseTemperatures, type Parameters, type TrainingRule } from '../backend.js';
import { gibbsPhase, Phase, type DrawAddress, type UniformSource } from '../../rng/stream.js';
import { accumulateTransposed, columnMeanDifference, multiplyAdd, multiplyTransposedAdd } from './kernels.js';
import { bernoulliLogLikelihood, sigmoid } from '../../math.js';
import { GaussianScratch } from './gaussian-step.js';
import { ClassScratch } from './class-step.js';

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
  /** Parallel tempering's swaps accepted and tried since the counts were last reset. */
  readonly swaps = { accepted: 0, tried: 0 };
  private temperedChains: TemperedScratch | undefined;
  private gaussianScratch: GaussianScratch | undefined;
  private classScratch: ClassScratch | undefined;

  constructor(
    readonly maxRows: number,
    private readonly visibleUnits: number,
    private readonly hiddenUnits: number,
  ) {
    const [visible, hidden] = [visibleUnits, hiddenUnits];
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

  /** Working memory for Gaussian visible units, allocated on first use. */
  gaussian(): GaussianScratch {
    this.gaussianScratch ??= new GaussianScratch(this.maxRows, this.visibleUnits);
    return this.gaussianScratch;
  }

  /** Working memory for a label layer of `classes` classes, allocated on first use. */
  classes(classes: number): ClassScratch {
    if (this.classScratch?.labelBiasGradient.length !== classes) this.classScratch = new ClassScratch(this.maxRows, this.hiddenUnits, classes);
    return this.classScratch;
  }

  /** Working memory for maxRows × `temperatures` tempered chains, allocated on first use. */
  tempered(temperatures: number): TemperedScratch {
    if (this.temperedChains?.temperatures !== temperatures) this.temperedChains = new TemperedScratch(this.maxRows * temperatures, temperatures, this.visibleUnits, this.hiddenUnits);
    return this.temperedChains;
  }
}

/** Parallel tempering's chains: one row per batch row and temperature, the temperatures of a row together. */
class TemperedScratch {
  readonly hidden: Float32Array;
  readonly visible: Float32Array;
  /** c + v·W of each chain's visible state (the same at every temperature). */
  readonly activation: Float32Array;
  readonly energy: Float64Array;
  readonly uniforms: Float32Array;
  readonly betas: Float32Array;

  constructor(chains: number, readonly temperatures: number, visible: number, hidden: number) {
    this.hidden = new Float32Array(chains * hidden);
    this.visible = new Float32Array(chains * visible);
    this.activation = new Float32Array(chains * hidden);
    this.energy = new Float64Array(chains);
    this.uniforms = new Float32Array(chains * Math.max(visible, hidden));
    this.betas = inverseTemperatures(temperatures);
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

export function applyMomentum(
  value: Float32Array, velocity: Float32Array, gradient: Float64Array, scale: number, momentum: number,
): void {
  for (let k = 0; k < value.length; k++) {
    velocity[k] = momentum * velocity[k] + scale * gradient[k];
    value[k] += velocity[k];
  }
}

/**
 * The positive phase: s.hiddenProb = σ(input·W + c) and s.hidden its sample drawn at phase
 * `hidden`; `input` is the batch as the hidden units see it (rows × V).
 */
export function positivePhase(p: Parameters, input: Float32Array, rows: number, at: (phase: number) => DrawAddress, uniforms: UniformSource, s: StepScratch): void {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  multiplyAdd(input, rows, V, p.weights, H, p.hiddenBias, s.hiddenProb);
  sigmoidInPlace(s.hiddenProb, rows * H);
  uniforms(at(Phase.hidden), rows, H, s.uniforms);
  sample(s.hiddenProb, s.uniforms, rows * H, s.hidden);
}

/** Where the negative chain starts: h0, or with persistent CD the stored chains (zero where there are none yet). */
export function chainStart(p: Parameters, rule: TrainingRule, rows: number, s: StepScratch): Float32Array {
  if (!rule.persistent) return s.hidden;
  const H = p.hiddenBias.length;
  s.chain.fill(0);
  if (p.hiddenChains) s.chain.set(p.hiddenChains.subarray(0, Math.min(p.hiddenChains.length, rows * H)));
  return s.chain;
}

/**
 * The hidden half of Gibbs step t: s.hiddenAgainProb = σ(input·W + c) (+ `extra`, rows × H, when
 * given), sampled into s.hiddenAgain at gibbsPhase(hiddenAgain, t) unless this is the last
 * step of a non-persistent chain with 'probabilities' statistics. Returns the statistic the
 * gradient reads (sample or probability) and the chain's next state.
 */
export function hiddenHalfStep(
  p: Parameters, input: Float32Array, rows: number, rule: TrainingRule, t: number,
  at: (phase: number) => DrawAddress, uniforms: UniformSource, s: StepScratch, extra?: (out: Float32Array) => void,
): [statistic: Float32Array, chain: Float32Array | undefined] {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  const bySamples = rule.statistics === 'samples';
  multiplyAdd(input, rows, V, p.weights, H, p.hiddenBias, s.hiddenAgainProb);
  extra?.(s.hiddenAgainProb);
  sigmoidInPlace(s.hiddenAgainProb, rows * H);
  if (!(bySamples || rule.persistent || t < rule.cdSteps)) return [s.hiddenAgainProb, undefined];
  uniforms(at(gibbsPhase(Phase.hiddenAgain, t)), rows, H, s.uniforms);
  sample(s.hiddenAgainProb, s.uniforms, rows * H, s.hiddenAgain);
  return [bySamples ? s.hiddenAgain : s.hiddenAgainProb, s.hiddenAgain];
}

/**
 * The plain update from the gradients in `s`: weight decay, then momentum steps on W (the
 * weight step, summed or averaged), b and c (the bias step). Returns the two step sizes.
 */
export function applyPlainUpdate(p: Parameters, rule: TrainingRule, rows: number, s: StepScratch): { step: number; weightStep: number } {
  const step = (1 - rule.momentum) * rule.learningRate;
  const weightStep = rule.gradient === 'mean' ? step / rows : step;
  addWeightDecay(p.weights, rule, step, weightStep, s.weightGradient);
  applyMomentum(p.weights, p.weightVelocity, s.weightGradient, weightStep, rule.momentum);
  applyMomentum(p.visibleBias, p.visibleBiasVelocity, s.visibleGradient, step, rule.momentum);
  applyMomentum(p.hiddenBias, p.hiddenBiasVelocity, s.hiddenGradient, step, rule.momentum);
  return { step, weightStep };
}

/** gradient −= λ·weights, in units of the weight gradient's scale (the step is (1 − m)·lr·(g − λ·W)). */
export function addWeightDecay(weights: Float32Array, rule: TrainingRule, step: number, weightStep: number, gradient: Float64Array): void {
  if (rule.weightDecay === 0) return;
  const decay = (rule.weightDecay * step) / weightStep;
  for (let k = 0; k < weights.length; k++) gradient[k] -= decay * weights[k];
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
  // 'mixed' (the PyTorch tutorial's): probabilities in the statistics, but each hidden half step reads sampled visible states.
  const sampleVisible = bySamples || rule.statistics === 'mixed';

  positivePhase(p, x, rows, at, uniforms, s);
  let chain = chainStart(p, rule, rows, s);
  let visible = s.visibleProb;
  let hiddenAgain = s.hiddenAgainProb;
  for (let t = 1; t <= rule.cdSteps && !rule.parallelTempering; t++) {
    multiplyTransposedAdd(chain, rows, H, W, V, p.visibleBias, s.visibleProb, s.weightsTransposed);
    sigmoidInPlace(s.visibleProb, rows * V);
    if (sampleVisible) {
      uniforms(at(gibbsPhase(Phase.visible, t)), rows, V, s.uniforms);
      sample(s.visibleProb, s.uniforms, rows * V, s.visible);
    }
    visible = bySamples ? s.visible : s.visibleProb;
    let next: Float32Array | undefined;
    [hiddenAgain, next] = hiddenHalfStep(p, sampleVisible ? s.visible : s.visibleProb, rows, rule, t, at, uniforms, s);
    chain = next ?? chain;
  }
  if (rule.parallelTempering) [visible, hiddenAgain] = temperedNegativePhase(p, rows, rule, at, uniforms, s);
  const hidden = bySamples ? s.hidden : s.hiddenProb;

  s.weightGradient.fill(0);
  accumulateTransposed(x, rows, V, hidden, H, 1, s.weightGradient);
  accumulateTransposed(visible, rows, V, hiddenAgain, H, -1, s.weightGradient);
  columnMeanDifference(x, visible, rows, V, s.visibleGradient);
  columnMeanDifference(hidden, hiddenAgain, rows, H, s.hiddenGradient);

  if (rule.centering) {
    const step = (1 - rule.momentum) * rule.learningRate;
    const weightStep = rule.gradient === 'mean' ? step / rows : step;
    centreWeightGradient(p, rows, s);
    addWeightDecay(W, rule, step, weightStep, s.weightGradient);
    applyMomentum(W, p.weightVelocity, s.weightGradient, weightStep, rule.momentum);
    updateCentredBiases(p, step, rule.momentum, s);
    followHiddenMean(p, hidden, rows, rule.centering.offsetRate);
  } else {
    applyPlainUpdate(p, rule, rows, s);
  }
  if (rule.persistent && !rule.parallelTempering) storeChains(p, chain, rows * H);

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

/**
 * Parallel tempering's negative phase (Desjardins, Courville, Bengio, Vincent & Delalleau,
 * "Tempered Markov chain Monte Carlo for training of restricted Boltzmann machines", AISTATS
 * 2010; docs/training-step.md). Every batch row has a chain at each inverse temperature β_k;
 * each of the rule's cdSteps sweeps makes one Gibbs step in every chain at its β, then offers
 * neighbouring temperatures a swap of states. Returns the β = 1 chains' visible samples and
 * hidden statistic; keeps every chain's hidden state in p.hiddenChains.
 */
function temperedNegativePhase(
  p: Parameters,
  rows: number,
  rule: TrainingRule,
  at: (phase: number) => DrawAddress,
  uniforms: UniformSource,
  s: StepScratch,
): [visible: Float32Array, hidden: Float32Array] {
  const [V, H, W] = [p.visibleBias.length, p.hiddenBias.length, p.weights];
  const M = rule.parallelTempering!.temperatures;
  const tc = s.tempered(M);
  const chains = rows * M;
  tc.hidden.fill(0);
  if (p.hiddenChains) tc.hidden.set(p.hiddenChains.subarray(0, Math.min(p.hiddenChains.length, chains * H)));
  const beta = (q: number) => tc.betas[q % M];
  for (let t = 1; t <= rule.cdSteps; t++) {
    // v ~ σ(β·(b + h·Wᵀ)), then h ~ σ(β·(c + v·W)), all chains at once.
    multiplyTransposedAdd(tc.hidden, chains, H, W, V, p.visibleBias, tc.visible, s.weightsTransposed);
    for (let k = 0; k < chains * V; k++) tc.visible[k] = sigmoid(beta(Math.floor(k / V)) * tc.visible[k]);
    uniforms(at(gibbsPhase(Phase.visible, t)), chains, V, tc.uniforms);
    sample(tc.visible, tc.uniforms, chains * V, tc.visible);
    multiplyAdd(tc.visible, chains, V, W, H, p.hiddenBias, tc.activation);
    for (let k = 0; k < chains * H; k++) tc.hidden[k] = sigmoid(beta(Math.floor(k / H)) * tc.activation[k]);
    uniforms(at(gibbsPhase(Phase.hiddenAgain, t)), chains, H, tc.uniforms);
    sample(tc.hidden, tc.uniforms, chains * H, tc.hidden);
    // E(v, h) = −(h·(c + v·W) + b·v) of each chain's new state, at β = 1.
    for (let q = 0; q < chains; q++) {
      let e = 0;
      for (let j = 0; j < H; j++) e -= tc.hidden[q * H + j] * tc.activation[q * H + j];
      for (let i = 0; i < V; i++) e -= p.visibleBias[i] * tc.visible[q * V + i];
      tc.energy[q] = e;
    }
    swapNeighbours(tc, rows, M, V, H, (t - 1) % 2, at(gibbsPhase(Phase.temperingSwap, t)), uniforms, s.swaps);
  }
  const store = p as { hiddenChains?: Float32Array };
  if (!store.hiddenChains || store.hiddenChains.length < chains * H) {
    const grown = new Float32Array(chains * H);
    if (store.hiddenChains) grown.set(store.hiddenChains);
    store.hiddenChains = grown;
  }
  store.hiddenChains.set(tc.hidden.subarray(0, chains * H));
  // The β = 1 chain of each row: its visible sample, and its hidden sample or probability.
  for (let r = 0; r < rows; r++) {
    const q = r * M;
    s.visible.set(tc.visible.subarray(q * V, (q + 1) * V), r * V);
    for (let j = 0; j < H; j++) {
      s.hiddenAgain[r * H + j] = tc.hidden[q * H + j];
      s.hiddenAgainProb[r * H + j] = sigmoid(tc.activation[q * H + j]);
    }
  }
  return [s.visible, rule.statistics === 'samples' ? s.hiddenAgain : s.hiddenAgainProb];
}

/**
 * Offers the pairs of neighbouring temperatures (k, k + 1), k ≡ parity (mod 2), of every row a
 * swap of states, accepted when u < exp((β_k − β_{k+1})·(E_k − E_{k+1})), u drawn at (row, k).
 */
function swapNeighbours(
  tc: TemperedScratch,
  rows: number,
  M: number,
  V: number,
  H: number,
  parity: number,
  address: DrawAddress,
  uniforms: UniformSource,
  counts: { accepted: number; tried: number },
): void {
  uniforms(address, rows, M, tc.uniforms);
  for (let r = 0; r < rows; r++) {
    for (let k = parity; k + 1 < M; k += 2) {
      const [a, b] = [r * M + k, r * M + k + 1];
      const log = (tc.betas[k] - tc.betas[k + 1]) * (tc.energy[a] - tc.energy[b]);
      counts.tried++;
      if (!(tc.uniforms[r * M + k] < Math.exp(Math.min(log, 0)))) continue;
      counts.accepted++;
      swapRows(tc.hidden, a, b, H);
      swapRows(tc.visible, a, b, V);
      swapRows(tc.activation, a, b, H);
      [tc.energy[a], tc.energy[b]] = [tc.energy[b], tc.energy[a]];
    }
  }
}

function swapRows(m: Float32Array, a: number, b: number, width: number): void {
  for (let k = 0; k < width; k++) [m[a * width + k], m[b * width + k]] = [m[b * width + k], m[a * width + k]];
}

/** Keeps the chains' last hidden samples, growing the store to the largest batch seen. */
export function storeChains(p: Parameters, chain: Float32Array, count: number): void {
  const store = p as { hiddenChains?: Float32Array };
  if (!store.hiddenChains || store.hiddenChains.length < count) {
    const grown = new Float32Array(count);
    if (store.hiddenChains) grown.set(store.hiddenChains);
    store.hiddenChains = grown;
  }
  store.hiddenChains.set(chain.subarray(0, count));
}

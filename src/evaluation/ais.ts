import type { AnnealJob } from '../backend/backend.js';
import { InvalidArgumentError } from '../errors.js';
import { sigmoid, softplus } from '../math.js';
import { normalDraws, Phase, philoxUniforms } from '../rng/stream.js';
import { groupLogNormaliser, softmaxGroups } from '../layers/softmax.js';

/** Runs AIS's chains on the model's backend and returns their log importance weights. */
export type Annealer = (job: AnnealJob) => Promise<Float64Array>;

export interface AisOptions {
  /** Independent annealing runs (default 100). */
  readonly runs?: number;
  /** Inverse temperatures from 0 to 1; a number gives that many evenly spaced (default 10,000). */
  readonly betas?: number | ArrayLike<number>;
  /** Visible biases of the base-rate model (default 0: uniform); see baseRateBiases. */
  readonly baseBias?: Float32Array;
  readonly seed?: number;
  /** Reverse AIS: Gibbs steps at β = 1 from the data rows before annealing (default DEFAULT_REVERSE_BURN_IN). */
  readonly burnIn?: number;
  /**
   * Gaussian visible units: the model's visible biases and log-variances, whose Gaussian is the
   * base model (annealGaussianOnHost); baseBias is then not used.
   */
  readonly gaussian?: { readonly mean: Float32Array; readonly logVariance: Float32Array };
  /**
   * Softmax visible groups of this size: the base model's groups are independent categorical
   * variables with logits baseBias, and the chains start from one-hot draws.
   */
  readonly softmax?: number;
  /** log Z of the hidden units alone (HiddenLayer.baseLogPartition; default H·log 2, binary units). */
  readonly hiddenLogPartition?: number;
}

export interface AisEstimate {
  /** The estimate of log Z. */
  readonly logZ: number;
  /** log Z of the mean importance weight ∓ 3 standard errors (the lower may be −Infinity). */
  readonly lower: number;
  readonly upper: number;
  readonly runs: number;
  readonly betas: number;
}

/**
 * Base rates: visible biases log(p / (1 − p)) of the data's pixel means (Salakhutdinov & Murray),
 * from each column's sum over `rows` rows (in float64, row by row).
 */
export function baseRateBiases(sums: Float64Array, rows: number): Float32Array {
  return Float32Array.from(sums, (s) => {
    const mean = Math.min(Math.max((s + 0.5) / (rows + 1), 1e-3), 1 - 1e-3);
    return Math.log(mean / (1 - mean));
  });
}

/**
 * log Z by annealed importance sampling (Salakhutdinov & Murray 2008): from a base-rate model
 * (W = 0, visible biases bA) through p_β(v) ∝ e^((1−β)·bA·v + β·b·v) Π_j (1 + e^(β(c_j + v·W_j)))
 * with one Gibbs transition per β, all runs in parallel. Its estimate of log Z is low in
 * expectation (the log-likelihood it gives is optimistic).
 */
export async function aisLogPartition(anneal: Annealer, visible: number, hidden: number, options: AisOptions = {}): Promise<AisEstimate> {
  const { runs, betas, baseBias, seed } = settings(options, visible);
  const start = new Float32Array(runs * visible);
  const address = { seed, phase: Phase.aisVisible, epoch: 0, batch: 0 };
  const g = options.gaussian;
  if (g) {
    // Exact draws from the base model N(b, σ²).
    normalDraws(philoxUniforms, address, runs, visible, start, new Float32Array(2 * start.length));
    for (let k = 0; k < start.length; k++) start[k] = g.mean[k % visible] + Math.exp(g.logVariance[k % visible] / 2) * start[k];
  } else if (options.softmax) {
    const draws = new Float32Array(runs * (visible / options.softmax));
    philoxUniforms(address, runs, visible / options.softmax, draws);
    for (let k = 0; k < start.length; k++) start[k] = baseBias[k % visible];
    softmaxGroups(start, runs, visible, options.softmax, draws);
  } else {
    philoxUniforms(address, runs, visible, start);
    for (let k = 0; k < start.length; k++) start[k] = sigmoid(baseBias[k % visible]) > start[k] ? 1 : 0;
  }
  const logWeight = await anneal({ path: betas, start, runs, baseBias, seed });
  return estimate(logWeight, baseLogPartition(baseBias, options.hiddenLogPartition ?? hidden * Math.LN2, g?.logVariance, options.softmax), 1, betas.length);
}

/**
 * log Z by reverse AIS (Burda, Grosse & Salakhutdinov, "Accurate and conservative estimates of
 * MRF log-likelihood using reverse annealing", AISTATS 2015): chains start at data rows (as
 * samples of the model) and anneal from β = 1 down to the base model; the weights estimate
 * Z_base / Z. Its estimate of log Z is high in expectation, so the log-likelihood it gives is
 * pessimistic: with forward AIS it brackets the truth.
 */
export async function reverseAisLogPartition(anneal: Annealer, visible: number, hidden: number, data: { data: Float32Array; rows: number }, options: AisOptions = {}): Promise<AisEstimate> {
  const { runs, betas, baseBias, seed } = settings(options, visible);
  // Binary states from the data rows (grey values are probabilities; Gaussian units take the
  // rows as they are), cycling if there are fewer rows than runs.
  const start = new Float32Array(runs * visible);
  philoxUniforms({ seed, phase: Phase.aisVisible, epoch: 0, batch: 1 }, runs, visible, start);
  for (let k = 0; k < start.length; k++) {
    const x = data.data[(Math.floor(k / visible) % data.rows) * visible + (k % visible)];
    start[k] = options.gaussian ? x : x > start[k] ? 1 : 0;
  }
  // Gibbs steps at β = 1 first (repeated βs add nothing to the weights), so the chains start
  // nearer the model's own samples than the data rows are.
  const burnIn = options.burnIn ?? DEFAULT_REVERSE_BURN_IN;
  const path = Float64Array.from([...new Array<number>(burnIn).fill(1), ...betas.slice().reverse()]);
  const logWeight = await anneal({ path, start, runs, baseBias, seed });
  return estimate(logWeight, baseLogPartition(baseBias, options.hiddenLogPartition ?? hidden * Math.LN2, options.gaussian?.logVariance, options.softmax), -1, betas.length);
}

/** AIS's options with their defaults filled in (a uniform base model where no base rates are given). */
function settings(options: AisOptions, visible: number) {
  return {
    runs: options.runs ?? DEFAULT_AIS_RUNS,
    betas: checkBetas(options.betas ?? DEFAULT_AIS_BETAS),
    baseBias: options.baseBias ?? new Float32Array(visible),
    seed: options.seed ?? 0,
  };
}

/**
 * log Z of the base model: the visible units independent with biases bA (or Gaussian with
 * log-variances z: Σᵢ ½·log(2πσᵢ²)), the hidden ones free (their log Z `hiddenLogZ`).
 */
function baseLogPartition(baseBias: Float32Array, hiddenLogZ: number, logVariance?: Float32Array, softmax?: number): number {
  let logZ = hiddenLogZ;
  if (logVariance) for (let i = 0; i < logVariance.length; i++) logZ += 0.5 * (Math.log(2 * Math.PI) + logVariance[i]);
  else if (softmax) logZ += groupLogNormaliser(baseBias, softmax);
  else for (let i = 0; i < baseBias.length; i++) logZ += softplus(baseBias[i]);
  return logZ;
}

/**
 * log Z from importance weights: log Z_base + sign·log mean(w) (sign −1 for reverse AIS, whose
 * weights estimate Z_base / Z), with the ±3 standard-error interval of the mean carried through.
 */
function estimate(logWeight: Float64Array, logZBase: number, sign: 1 | -1, betas: number): AisEstimate {
  const runs = logWeight.length;
  const top = Math.max(...logWeight);
  const ratios = Array.from(logWeight, (w) => Math.exp(w - top));
  const mean = ratios.reduce((s, r) => s + r, 0) / runs;
  const sd = Math.sqrt(ratios.reduce((s, r) => s + (r - mean) ** 2, 0) / Math.max(1, runs - 1));
  const spread = (3 * sd) / Math.sqrt(runs);
  const at = (m: number) => logZBase + sign * (top + Math.log(m));
  const [low, high] = [at(Math.max(mean - spread, 0)), at(mean + spread)];
  return { logZ: at(mean), lower: Math.min(low, high), upper: Math.max(low, high), runs, betas };
}

export const DEFAULT_AIS_RUNS = 100;
/** Gibbs steps at β = 1 before reverse AIS anneals down. */
export const DEFAULT_REVERSE_BURN_IN = 1000;
export const DEFAULT_AIS_BETAS = 10_000;
/** More inverse temperatures than this would run for days; a list longer than it is refused too. */
export const MAX_AIS_BETAS = 10_000_000;

/**
 * The inverse temperatures of an AIS run: a count (evenly spaced from 0 to 1) or a list that
 * starts at 0, ends at 1 and never decreases. Anything else would give a log Z that looks
 * exact and is not, so it is refused.
 */
export function checkBetas(betas: number | ArrayLike<number>): Float64Array {
  if (typeof betas === 'number') {
    if (!Number.isInteger(betas) || betas < 2 || betas > MAX_AIS_BETAS) {
      throw new InvalidArgumentError('betas', `expected a count of inverse temperatures from 2 to ${MAX_AIS_BETAS}, got ${betas}`);
    }
    return Float64Array.from({ length: betas }, (_, k) => k / (betas - 1));
  }
  if (!(Array.isArray(betas) || betas instanceof Float64Array) || betas.length < 2 || betas.length > MAX_AIS_BETAS) {
    throw new InvalidArgumentError('betas', `expected a count or a list of 2 to ${MAX_AIS_BETAS} inverse temperatures from 0 to 1`);
  }
  for (let k = 0; k < betas.length; k++) {
    const beta = betas[k];
    if (typeof beta !== 'number' || !(beta >= 0 && beta <= 1)) throw new InvalidArgumentError(`betas[${k}]`, `expected a number in [0, 1], got ${String(beta)}`);
    if (k > 0 && beta < betas[k - 1]) throw new InvalidArgumentError(`betas[${k}]`, `is ${beta}, below betas[${k - 1}] = ${betas[k - 1]}; the list must not decrease`);
  }
  if (betas[0] !== 0 || betas[betas.length - 1] !== 1) {
    throw new InvalidArgumentError('betas', `must start at 0 and end at 1 (got ${betas[0]} … ${betas[betas.length - 1]})`);
  }
  return Float64Array.from(betas);
}

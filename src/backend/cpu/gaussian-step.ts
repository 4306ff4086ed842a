import type { Parameters, TrainingRule } from '../backend.js';
import { gibbsPhase, normalDraws, Phase, type DrawAddress, type UniformSource } from '../../rng/stream.js';
import { applyMomentum, applyPlainUpdate, chainStart, hiddenHalfStep, positivePhase, storeChains, type StepScratch } from './cd-step.js';
import { accumulateTransposed, columnMeanDifference, multiplyTransposedAdd } from './kernels.js';

/** What a Gaussian step needs beyond StepScratch, for batches of up to `rows` rows. */
export class GaussianScratch {
  /** The data and the negative phase's visible states, each divided by σ² (what the hidden units see). */
  readonly scaledData: Float32Array;
  readonly scaledModel: Float32Array;
  /** Standard normal draws, and the 2 uniforms each is made from. */
  readonly normals: Float32Array;
  readonly uniforms: Float32Array;
  /** h·Wᵀ of a hidden statistic (the variance gradient's cross term). */
  readonly projection: Float32Array;
  readonly zeros: Float32Array;
  readonly varianceGradient: Float64Array;

  constructor(rows: number, visible: number) {
    this.scaledData = new Float32Array(rows * visible);
    this.scaledModel = new Float32Array(rows * visible);
    this.normals = new Float32Array(rows * visible);
    this.uniforms = new Float32Array(rows * 2 * visible);
    this.projection = new Float32Array(rows * visible);
    this.zeros = new Float32Array(visible);
    this.varianceGradient = new Float64Array(visible);
  }
}

/** 1/σ² = e^(−z) of each visible unit, as float32 (what every backend multiplies by). */
export function precisions(logVariance: Float32Array): Float32Array {
  return Float32Array.from(logVariance, (z) => Math.exp(-z));
}

/** out = x ⊙ precision, row by row. */
function scaleRows(x: Float32Array, rows: number, precision: Float32Array, out: Float32Array): void {
  const V = precision.length;
  for (let r = 0; r < rows; r++) for (let i = 0; i < V; i++) out[r * V + i] = x[r * V + i] * precision[i];
}

/**
 * Σ_rows over i of e^(−zᵢ)·(½(xᵢ − bᵢ)² − xᵢ·(h·Wᵀ)ᵢ), added to `gradient` with `sign`, divided
 * by `rows`: one side of the log-variance gradient (−∂E/∂z averaged over the batch). With
 * `means`, x holds visible means, and the term is its expectation over v ~ N(x, σ²): ½ more.
 */
function addVarianceTerm(
  p: Parameters, x: Float32Array, h: Float32Array, rows: number, precision: Float32Array, sign: number, g: GaussianScratch, weightsTransposed: Float32Array,
  means: boolean,
): void {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  multiplyTransposedAdd(h, rows, H, p.weights, V, g.zeros, g.projection, weightsTransposed);
  // Visible means m stand for v ~ N(m, σ²): E[(v − b)²] = (m − b)² + σ², so the term gains ½.
  const spread = means ? 0.5 : 0;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < V; i++) {
      const v = x[r * V + i];
      const d = v - p.visibleBias[i];
      g.varianceGradient[i] += (sign * (precision[i] * (0.5 * d * d - v * g.projection[r * V + i]) + spread)) / rows;
    }
  }
}

/**
 * One CD-k step with Gaussian visible units (Cho, Ilin & Raiko, ICANN 2011;
 * docs/training-step.md, "Gaussian visible units") on the batch x (rows × V), updating `p` in
 * place; returns the batch's reconstruction mean squared error, computed after the update from
 * the same hidden sample (as the binary step's KL). The hidden units see v/σ²; the visible
 * units given h are N(b + h·Wᵀ, σ²), sampled with 'samples' statistics and at their means
 * with 'probabilities'. Draws as contrastiveDivergenceStep, the visible normals by normalDraws.
 */
export function gaussianStep(
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
  const g = s.gaussian();
  const logVariance = p.visibleLogVariance!;
  const precision = precisions(logVariance);
  const deviation = Float32Array.from(logVariance, (z) => Math.exp(z / 2));

  scaleRows(x, rows, precision, g.scaledData);
  positivePhase(p, g.scaledData, rows, at, uniforms, s);
  let chain = chainStart(p, rule, rows, s);
  let visible = s.visibleProb;
  let hiddenAgain = s.hiddenAgainProb;
  for (let t = 1; t <= rule.cdSteps; t++) {
    // v ~ N(b + chain·Wᵀ, σ²), or its mean.
    multiplyTransposedAdd(chain, rows, H, W, V, p.visibleBias, s.visibleProb, s.weightsTransposed);
    visible = s.visibleProb;
    if (bySamples) {
      normalDraws(uniforms, at(gibbsPhase(Phase.visible, t)), rows, V, g.normals, g.uniforms);
      for (let k = 0; k < rows * V; k++) s.visible[k] = s.visibleProb[k] + deviation[k % V] * g.normals[k];
      visible = s.visible;
    }
    scaleRows(visible, rows, precision, g.scaledModel);
    let next: Float32Array | undefined;
    [hiddenAgain, next] = hiddenHalfStep(p, g.scaledModel, rows, rule, t, at, uniforms, s);
    chain = next ?? chain;
  }
  const hidden = bySamples ? s.hidden : s.hiddenProb;

  // Gradients, all from the parameters before the update.
  s.weightGradient.fill(0);
  accumulateTransposed(g.scaledData, rows, V, hidden, H, 1, s.weightGradient);
  accumulateTransposed(g.scaledModel, rows, V, hiddenAgain, H, -1, s.weightGradient);
  columnMeanDifference(g.scaledData, g.scaledModel, rows, V, s.visibleGradient);
  columnMeanDifference(hidden, hiddenAgain, rows, H, s.hiddenGradient);
  const learnVariance = rule.gaussian?.learnVariance === true;
  if (learnVariance) {
    g.varianceGradient.fill(0);
    addVarianceTerm(p, x, hidden, rows, precision, 1, g, s.weightsTransposed, false);
    addVarianceTerm(p, visible, hiddenAgain, rows, precision, -1, g, s.weightsTransposed, !bySamples);
  }

  const { step } = applyPlainUpdate(p, rule, rows, s);
  if (learnVariance) applyMomentum(logVariance, p.visibleLogVarianceVelocity!, g.varianceGradient, step, rule.momentum);
  if (rule.persistent) storeChains(p, chain, rows * H);

  // The reconstruction's mean squared error: x against b + h0·Wᵀ with the updated parameters.
  multiplyTransposedAdd(s.hidden, rows, H, W, V, p.visibleBias, s.visibleProb, s.weightsTransposed);
  return meanSquaredError(x, s.visibleProb, rows * V);
}

/** mean((x − m)²) over `count` values, accumulated in float64. */
export function meanSquaredError(x: Float32Array, m: Float32Array, count: number): number {
  let sum = 0;
  for (let k = 0; k < count; k++) sum += (x[k] - m[k]) ** 2;
  return sum / count;
}

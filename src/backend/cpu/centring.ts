import type { TrainingRule } from '../backend.js';
import type { Parameters } from '../../parameters.js';
import { addWeightDecay, applyMomentum, stepSizes } from './update.js';
import type { StepScratch } from './scratch.js';

/**
 * Centring's update (Melchior, Fischer & Wiskott, "How to Center Deep Boltzmann Machines", JMLR
 * 2016; docs/training-step.md, "Centring"): the centred weight gradient, its weight decay and
 * momentum step, the plain biases following the centred ones, and λ following the positive
 * phase's hidden statistic `hidden`.
 */
export function centredUpdate(p: Parameters, rule: TrainingRule, rows: number, hidden: Float32Array, s: StepScratch): void {
  const { step, weightStep } = stepSizes(rule, rows);
  centreWeightGradient(p, rows, s);
  addWeightDecay(p.weights, rule, step, weightStep, s.weightGradient);
  applyMomentum(p.weights, p.weightVelocity, s.weightGradient, weightStep, rule.momentum);
  updateCentredBiases(p, step, rule.momentum, s);
  followHiddenMean(p, hidden, rows, rule.centring!.offsetRate);
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

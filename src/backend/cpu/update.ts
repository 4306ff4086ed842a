import type { TrainingRule } from '../backend.js';
import type { Parameters } from '../../parameters.js';
import type { OwnGradient } from '../../layers/layer.js';
import type { StepScratch } from './scratch.js';

/**
 * The optimiser of the reference: momentum steps, weight decay, and the step sizes
 * (docs/training-step.md), applied to the coupling, the biases and the layers' own tensors.
 */

export function applyMomentum(
  value: Float32Array, velocity: Float32Array, gradient: Float64Array, scale: number, momentum: number,
): void {
  for (let k = 0; k < value.length; k++) {
    velocity[k] = momentum * velocity[k] + scale * gradient[k];
    value[k] += velocity[k];
  }
}

/** gradient −= λ·weights, in units of the weight gradient's scale (the step is (1 − m)·lr·(g − λ·W)). */
export function addWeightDecay(weights: Float32Array, rule: TrainingRule, step: number, weightStep: number, gradient: Float64Array): void {
  if (rule.weightDecay === 0) return;
  const decay = (rule.weightDecay * step) / weightStep;
  for (let k = 0; k < weights.length; k++) gradient[k] -= decay * weights[k];
}

/** The step sizes: (1 − m)·lr for the biases, and for the weights that over B when the gradient is a mean. */
export function stepSizes(rule: TrainingRule, rows: number): { step: number; weightStep: number } {
  const step = (1 - rule.momentum) * rule.learningRate;
  return { step, weightStep: rule.gradient === 'mean' ? step / rows : step };
}

/**
 * The plain update from the gradients in `s`: weight decay, then momentum steps on W (the
 * weight step, summed or averaged), b and c (the bias step). Returns the two step sizes.
 */
export function applyPlainUpdate(p: Parameters, rule: TrainingRule, rows: number, s: StepScratch): { step: number; weightStep: number } {
  const { step, weightStep } = stepSizes(rule, rows);
  addWeightDecay(p.weights, rule, step, weightStep, s.weightGradient);
  applyMomentum(p.weights, p.weightVelocity, s.weightGradient, weightStep, rule.momentum);
  applyMomentum(p.visibleBias, p.visibleBiasVelocity, s.visibleGradient, step, rule.momentum);
  applyMomentum(p.hiddenBias, p.hiddenBiasVelocity, s.hiddenGradient, step, rule.momentum);
  return { step, weightStep };
}

/** Momentum steps, at the biases' step size, on the tensors the layers own. */
export function applyOwnUpdates(p: Parameters, gradients: readonly OwnGradient[], step: number, momentum: number): void {
  const arrays = p as unknown as Record<string, Float32Array>;
  for (const { spec, gradient } of gradients) applyMomentum(arrays[spec.field], arrays[spec.velocity!.field], gradient, step, momentum);
}

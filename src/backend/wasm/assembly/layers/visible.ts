// The visible units' code, chosen by their type: what a command does first, the negative phase's
// half step, the rows the hidden units see, the loss's row terms and AIS's draws. Each type's
// code is a file in layers/; a new type is a file there and a case in each function here.

import { compress } from '../sparse';
import { bySamples, gaussian, sampledVisible, softmaxSize, V } from '../state';
import { annealBinaryRow, binaryVisibleStep, logLikelihood } from './binary';
import { annealGaussianRow, compressGaussian, gaussianVisibleStep, squaredError, startGaussian } from './gaussian';
import { annealSoftmaxRow, crossEntropy, softmaxVisibleStep } from './softmax';

/** What every command does first: Gaussian units' scales, from the log-variances the host may have set. */
export function startVisibleUnits(): void {
  if (gaussian) startGaussian();
}

/**
 * The negative phase's visible row at a Gibbs step, from pre = b + h·Wᵀ into v1 (which may be
 * pre): its means, or with 'samples' statistics a draw at (row i, batch, phase); x is the row's
 * data (softmax groups it misses stay zero).
 */
export function visibleStep(v1: usize, pre: usize, x: usize, i: i32, batch: i32, phase: u32): void {
  if (softmaxSize != 0) softmaxVisibleStep(v1, pre, x, i, batch, phase);
  else if (gaussian) gaussianVisibleStep(v1, pre, i, batch, phase);
  else binaryVisibleStep(v1, pre, i, batch, phase);
}

/** A visible row's entries as the hidden units see them, compressed: v, or v/σ² for Gaussian units. */
export function compressVisible(row: usize, index: usize, value: usize): i32 {
  return gaussian ? compressGaussian(row, index, value) : compress(row, V, index, value);
}

/** Whether the negative phase's sampled visible states are all 0 or 1, so that the hidden units' sums need no values. */
export function sampledStatesBinary(): bool {
  return (bySamples || sampledVisible) && !gaussian;
}

/**
 * A data row x's term of the loss against a = b + h0·Wᵀ: log P(x | h0) for binary units (the
 * KL's), Σ (x − a)² for Gaussian units (the mean squared error's), softmax groups' cross-entropy
 * (which also stores at `observed` how many units x observes).
 */
export function visibleLoss(x: usize, a: usize, observed: usize): f64 {
  if (softmaxSize != 0) return crossEntropy(x, a, observed);
  return gaussian ? squaredError(x, a) : logLikelihood(x, a);
}

/** AIS: chain r's visible row drawn at β from `input`, listed in `index` as the hidden units see it; returns the list's length. */
export function annealVisibleRow(input: usize, index: usize, r: i32, beta: f64): i32 {
  if (gaussian) return annealGaussianRow(input, index, r, beta);
  if (softmaxSize != 0) return annealSoftmaxRow(input, index, r, beta);
  return annealBinaryRow(input, index, r, beta);
}

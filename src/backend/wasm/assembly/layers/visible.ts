// The visible units' code, chosen by their type: what a command does first, the negative phase's
// half step, the rows the hidden units see, the loss's row terms and AIS's draws. Each type's
// code is a file in layers/; a new type is a file there and a case in each function here.

import { VISIBLE_GAUSSIAN, VISIBLE_SOFTMAX } from '../constants';
import { compress } from '../sparse';
import { bySamples, sampledVisible, V, visibleType } from '../state';
import { annealBinaryRow, binaryVisibleStep, logLikelihood } from './binary';
import { annealGaussianRow, compressGaussian, gaussianVisibleStep, squaredError, startGaussian } from './gaussian';
import { annealSoftmaxRow, crossEntropy, softmaxVisibleStep } from './softmax';

/** What every command does first: Gaussian units' scales, from the log-variances the host may have set. */
export function startVisibleUnits(): void {
  if (visibleType == VISIBLE_GAUSSIAN) startGaussian();
}

/**
 * The negative phase's visible row at a Gibbs step, from pre = b + h·Wᵀ into v1 (which may be
 * pre): its means, or with 'samples' statistics a draw at (row i, batch, phase); x is the row's
 * data (softmax groups it misses stay zero).
 */
export function visibleStep(v1: usize, pre: usize, x: usize, i: i32, batch: i32, phase: u32): void {
  switch (visibleType) {
    case VISIBLE_GAUSSIAN:
      gaussianVisibleStep(v1, pre, i, batch, phase);
      break;
    case VISIBLE_SOFTMAX:
      softmaxVisibleStep(v1, pre, x, i, batch, phase);
      break;
    default:
      binaryVisibleStep(v1, pre, i, batch, phase);
  }
}

/** A visible row's entries as the hidden units see them, compressed: v, or v/σ² for Gaussian units. */
export function compressVisible(row: usize, index: usize, value: usize): i32 {
  return visibleType == VISIBLE_GAUSSIAN ? compressGaussian(row, index, value) : compress(row, V, index, value);
}

/** Whether the negative phase's sampled visible states are all 0 or 1, so that the hidden units' sums need no values. */
export function sampledStatesBinary(): bool {
  return (bySamples || sampledVisible) && visibleType != VISIBLE_GAUSSIAN;
}

/**
 * A data row x's term of the loss against a = b + h0·Wᵀ: log P(x | h0) for binary units (the
 * KL's), Σ (x − a)² for Gaussian units (the mean squared error's), softmax groups' cross-entropy
 * (which also stores at `observed` how many units x observes).
 */
export function visibleLoss(x: usize, a: usize, observed: usize): f64 {
  switch (visibleType) {
    case VISIBLE_GAUSSIAN:
      return squaredError(x, a);
    case VISIBLE_SOFTMAX:
      return crossEntropy(x, a, observed);
    default:
      return logLikelihood(x, a);
  }
}

/** AIS: chain r's visible row drawn at β from `input`, listed in `index` as the hidden units see it; returns the list's length. */
export function annealVisibleRow(input: usize, index: usize, r: i32, beta: f64): i32 {
  switch (visibleType) {
    case VISIBLE_GAUSSIAN:
      return annealGaussianRow(input, index, r, beta);
    case VISIBLE_SOFTMAX:
      return annealSoftmaxRow(input, index, r, beta);
    default:
      return annealBinaryRow(input, index, r, beta);
  }
}

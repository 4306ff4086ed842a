// The visible units' half step and compression, for whichever type they are.

import { normalRow, uniformRow } from '../philox';
import { compress, compressScaled } from '../sparse';
import { bySamples, gaussian, precision, rowBytes, softmaxSize, uniforms, V } from '../state';
import { sampleRow, sigmoidRow } from './binary';
import { softmaxRow } from './softmax';

/**
 * The negative phase's visible row at a Gibbs step, from pre = b + h·Wᵀ into v1: binary units'
 * probabilities σ(pre), Gaussian units' means pre, softmax groups' probabilities (zero where
 * the data row x misses the group); sampled with 'samples' statistics (Gaussian units: mean +
 * σ ⊙ n; softmax groups: one category each) from draws at (row i, batch, phase).
 */
export function visibleStep(v1: usize, pre: usize, x: usize, i: i32, batch: i32, phase: u32): void {
  if (softmaxSize != 0) {
    if (bySamples) uniformRow(uniforms, V / softmaxSize, <u32>i, <u32>batch, phase);
    softmaxRow(v1, pre, x, bySamples);
    return;
  }
  if (!gaussian) sigmoidRow(pre, V);
  if (!bySamples) {
    if (v1 != pre) memory.copy(v1, pre, rowBytes);
  } else if (gaussian) {
    normalRow(v1, 0, pre, 1, <u32>i, <u32>batch, phase);
  } else {
    uniformRow(uniforms, V, <u32>i, <u32>batch, phase);
    sampleRow(pre, uniforms, V, 0, v1, true);
  }
}

/** A visible row's entries as the hidden units see them, compressed: v, or v/σ² for Gaussian units. */
export function compressVisible(row: usize, index: usize, value: usize): i32 {
  return gaussian ? compressScaled(row, V, precision, index, value) : compress(row, V, index, value);
}

// Annealed importance sampling (docs/training-step.md, "Annealed importance sampling";
// src/backend/anneal.ts is the reference). Each thread runs its share of the chains through
// steps [firstStep, lastStep) of the path. Chains are independent, so there are no barriers (but for
// Gaussian units' scales at the start), and a chain's arithmetic is the same whichever thread
// runs it. Binary states make v·W and h·Wᵀ sums of the rows of W and Wᵀ that the chains' lists
// of units on pick; Gaussian visible states are lists of values v/σ² (annealGaussianOnHost).
// Each type of visible unit draws its row in its layers/ file (annealVisibleRow).

import { PHASE_AIS_HIDDEN, VISIBLE_GAUSSIAN } from './constants';
import { sampleOn } from './layers/binary';
import { annealVisibleRow, compressVisible, startVisibleUnits } from './layers/visible';
import { softplusDifference4 } from './math';
import { uniformRow } from './philox';
import { annealStart, b, baseBias, c, firstStep, H, hiddenBytes, hiddenCount, hiddenIndex, hiddenInput, lastStep, logWeight, path, readAnneal, rowBytes, runs, setEpochIndex, uniforms, V, visibleCount, visibleIndex, visibleInput, visibleType, visibleValue, W, Wt } from './state';
import { f32At, sumRowsOfChains } from './sums';
import { shareBegin, shareEnd } from './threads';

export function anneal(): void {
  readAnneal();
  startVisibleUnits();
  const r0 = shareBegin(runs);
  const r1 = shareEnd(runs);
  if (firstStep == 1) {
    for (let r = r0; r < r1; r++) {
      const values = gaussian() ? visibleValue + <usize>r * rowBytes : uniforms;
      const count = compressVisible(annealStart + <usize>r * rowBytes, visibleIndex + <usize>r * rowBytes, values);
      store<i32>(visibleCount + (<usize>r << 2), count);
    }
  }
  // Each step is a call of its own, as each batch is in trainEpoch (two call sites, so that
  // Binaryen keeps it one): V8 tiers a function up between its calls, never inside one.
  if (firstStep < lastStep) annealStep(firstStep, r0, r1);
  for (let k = firstStep + 1; k < lastStep; k++) annealStep(k, r0, r1);
}

/** Step k for the chains [r0, r1): the log weights' increments at β_k, then one Gibbs transition at β_k. */
function annealStep(k: i32, r0: i32, r1: i32): void {
  const previous = load<f64>(path + (<usize>(k - 1) << 3));
  const beta = load<f64>(path + (<usize>k << 3));
  setEpochIndex(<u32>k);
  sumRowsOfChains(hiddenInput, c, W, H, visibleIndex, gaussian() ? visibleValue : 0, visibleCount, V, r0, r1);
  for (let r = r0; r < r1; r++) {
    // A repeated β (reverse AIS's burn-in) adds exactly nothing.
    if (beta != previous) {
      const at = logWeight + (<usize>r << 3);
      store<f64>(at, load<f64>(at) + logWeightStep(r, previous, beta));
    }
    uniformRow(uniforms, H, <u32>r, 0, PHASE_AIS_HIDDEN);
    const count = sampleOn(hiddenInput + <usize>r * hiddenBytes, 0, <f32>beta, 0, H, hiddenIndex + <usize>r * hiddenBytes);
    store<i32>(hiddenCount + (<usize>r << 2), count);
  }
  // Gaussian units' means are b + β·h·Wᵀ: the sum without its bias.
  sumRowsOfChains(visibleInput, gaussian() ? 0 : b, Wt, V, hiddenIndex, 0, hiddenCount, H, r0, r1);
  for (let r = r0; r < r1; r++) {
    const input = visibleInput + <usize>r * rowBytes;
    const index = visibleIndex + <usize>r * rowBytes;
    store<i32>(visibleCount + (<usize>r << 2), annealVisibleRow(input, index, r, beta));
  }
}

/**
 * log f_β(v) − log f_β'(v) for chain r: (β − β')·Σ_{i on}(b_i − bA_i) + Σ_j softplus(β·x_j)
 * − softplus(β'·x_j), x = c + v·W (Gaussian units: the softplus terms alone, x = c + (v/σ²)·W).
 * Summed in float64: a path adds thousands of these, and each unit's difference is a float32
 * accurate relative to itself (softplusDifference4).
 */
function logWeightStep(r: i32, previous: f64, beta: f64): f64 {
  const hidden = softplusSteps(hiddenInput + <usize>r * hiddenBytes, <f32>previous, <f32>(beta - previous));
  if (gaussian()) return hidden;
  const index = visibleIndex + <usize>r * rowBytes;
  const count = load<i32>(visibleCount + (<usize>r << 2));
  let visibleSum: f64 = 0;
  for (let q = 0; q < count; q++) {
    const i = load<i32>(index + (<usize>q << 2));
    visibleSum += <f64>load<f32>(f32At(b, i)) - <f64>load<f32>(f32At(baseBias, i));
  }
  return (beta - previous) * visibleSum + hidden;
}

/** Σ_j softplus((β' + Δβ)·x_j) − softplus(β'·x_j) over a row of H, in an order that depends on H alone. */
function softplusSteps(x: usize, from: f32, step: f32): f64 {
  const from4 = f32x4.splat(from);
  const step4 = f32x4.splat(step);
  let low = f64x2.splat(0);
  let high = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= H; j += 4) {
    const xj = v128.load(f32At(x, j));
    const d = softplusDifference4(f32x4.mul(from4, xj), f32x4.mul(step4, xj));
    low = f64x2.add(low, f64x2.promote_low_f32x4(d));
    high = f64x2.add(high, f64x2.promote_low_f32x4(v128.shuffle<i32>(d, d, 2, 3, 0, 1)));
  }
  let sum = f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1) + f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1);
  for (; j < H; j++) {
    const xj = f32x4.splat(load<f32>(f32At(x, j)));
    sum += <f64>f32x4.extract_lane(softplusDifference4(f32x4.mul(from4, xj), f32x4.mul(step4, xj)), 0);
  }
  return sum;
}

/** Whether the visible units are Gaussian: their states are lists of values v/σ² (annealGaussianOnHost). */
// @ts-ignore: decorator
@inline function gaussian(): bool {
  return visibleType == VISIBLE_GAUSSIAN;
}

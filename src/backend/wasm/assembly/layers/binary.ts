// Binary units, visible or hidden: probabilities σ(pre) and draws from them, the log-likelihood
// of a binary data row (what the KL is made of), the visible and hidden half steps, and AIS's
// draws at an inverse temperature β.

import { PHASE_AIS_VISIBLE } from '../constants';
import { sigmoid4, softplus4 } from '../math';
import { uniformRow } from '../philox';
import { baseBias, bySamples, H, rowBytes, uniforms, V } from '../state';
import { f32At } from '../sums';

/** p = σ(pre) in place. */
export function sigmoidRow(pre: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(f32At(pre, j), sigmoid4(v128.load(f32At(pre, j))));
  for (; j < n; j++) {
    const v = f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(f32At(pre, j)))), 0);
    store<f32>(f32At(pre, j), v);
  }
}

/** sample = p > u ? 1 : 0; also writes the statistic (sample, or p when !bySamples). */
export function sampleRow(p: usize, u: usize, n: i32, sample: usize, stat: usize, bySamples: bool): void {
  const one = f32x4.splat(1.0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const pv = v128.load(f32At(p, j));
    const s = v128.and(f32x4.gt(pv, v128.load(f32At(u, j))), one);
    if (sample) v128.store(f32At(sample, j), s);
    if (stat) v128.store(f32At(stat, j), bySamples ? s : pv);
  }
  for (; j < n; j++) {
    const pv = load<f32>(f32At(p, j));
    const s: f32 = pv > load<f32>(f32At(u, j)) ? 1 : 0;
    if (sample) store<f32>(f32At(sample, j), s);
    if (stat) store<f32>(f32At(stat, j), bySamples ? s : pv);
  }
}

/** log P(x | h0) = Σ x·a − softplus(a) over a row, a = b + h0·Wᵀ (what the KL is made of). */
export function logLikelihood(x: usize, a: usize): f64 {
  let sum = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= V; j += 4) {
    const aj = v128.load(f32At(a, j));
    sum = f32x4.add(sum, f32x4.sub(f32x4.mul(v128.load(f32At(x, j)), aj), softplus4(aj)));
  }
  let total = <f64>f32x4.extract_lane(sum, 0) + <f64>f32x4.extract_lane(sum, 1) + <f64>f32x4.extract_lane(sum, 2) + <f64>f32x4.extract_lane(sum, 3);
  for (; j < V; j++) {
    const aj = load<f32>(f32At(a, j));
    total += <f64>(load<f32>(f32At(x, j)) * aj - f32x4.extract_lane(softplus4(f32x4.splat(aj)), 0));
  }
  return total;
}

/**
 * Samples a binary row, unit i on where σ(β·input_i + (1 − β)·base_i) > u_i (no base term
 * when base is 0, as for the hidden units); writes the indices of the units on to `index`, in
 * order, and returns how many there are.
 */
export function sampleOn(input: usize, base: usize, beta: f32, rest: f32, n: i32, index: usize): i32 {
  const beta4 = f32x4.splat(beta);
  const rest4 = f32x4.splat(rest);
  let count = 0;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    let a = f32x4.mul(beta4, v128.load(f32At(input, j)));
    if (base) a = f32x4.add(f32x4.mul(rest4, v128.load(f32At(base, j))), a);
    const on = i32x4.bitmask(f32x4.gt(sigmoid4(a), v128.load(f32At(uniforms, j))));
    // Without a branch: every index is written and the count advances past the units on.
    store<i32>(index + (<usize>count << 2), j);
    count += on & 1;
    store<i32>(index + (<usize>count << 2), j + 1);
    count += (on >> 1) & 1;
    store<i32>(index + (<usize>count << 2), j + 2);
    count += (on >> 2) & 1;
    store<i32>(index + (<usize>count << 2), j + 3);
    count += (on >> 3) & 1;
  }
  for (; j < n; j++) {
    let a = beta * load<f32>(f32At(input, j));
    if (base) a = rest * load<f32>(f32At(base, j)) + a;
    const p = f32x4.extract_lane(sigmoid4(f32x4.splat(a)), 0);
    store<i32>(index + (<usize>count << 2), j);
    count += i32(p > load<f32>(f32At(uniforms, j)));
  }
  return count;
}

/**
 * The negative phase's visible row at a Gibbs step, from pre = b + h·Wᵀ into v1: the
 * probabilities σ(pre), or with 'samples' statistics a draw from them at (row i, batch, phase).
 */
export function binaryVisibleStep(v1: usize, pre: usize, i: i32, batch: i32, phase: u32): void {
  sigmoidRow(pre, V);
  if (!bySamples) {
    if (v1 != pre) memory.copy(v1, pre, rowBytes);
  } else {
    uniformRow(uniforms, V, <u32>i, <u32>batch, phase);
    sampleRow(pre, uniforms, V, 0, v1, true);
  }
}

/**
 * Batch row i's hidden half step (layers/hidden.ts, hiddenRow): σ(z) in place, and with `draw` a
 * sample at (row i, batch, phase) into `sample` and the statistic into `stat` unless it is 0.
 */
export function binaryHiddenRow(row: usize, draw: bool, i: i32, batch: i32, phase: u32, sample: usize, stat: usize): void {
  sigmoidRow(row, H);
  if (!draw) return;
  uniformRow(uniforms, H, <u32>i, <u32>batch, phase);
  sampleRow(row, uniforms, H, sample, stat, bySamples);
}

/** AIS: chain r's visible row at β from input = b + h·Wᵀ, listed in `index` (the units on); returns how many are on. */
export function annealBinaryRow(input: usize, index: usize, r: i32, beta: f64): i32 {
  uniformRow(uniforms, V, <u32>r, 0, PHASE_AIS_VISIBLE);
  return sampleOn(input, baseBias, <f32>beta, <f32>(1 - beta), V, index);
}

// Gaussian units. Visible (Cho, Ilin & Raiko 2011; docs/training-step.md, "Gaussian visible
// units"; gaussianVisible in src/layers/gaussian.ts is the reference): the model keeps z = log σ²
// and its velocity, and beside them 1/σ² and σ as float32, which every thread reads: the hidden
// units see the visible rows through compressVisible, scaled by 1/σ², so the gradient and the
// bias updates are the binary ones; the visible units are drawn by normalRow. Here: the scales,
// the half step and AIS's draws, the squared error, and the log-variances' gradient and update.
// Hidden (Tubiana & Monasson 2017; gaussianHidden in src/layers/gaussian.ts): h | z ~ N(z/γ, 1/γ),
// a row's half step (gaussianHiddenRow); update.ts steps γ.

import { PHASE_AIS_VISIBLE } from '../constants';
import { boxMuller4 } from '../math';
import { normalRow, uniformRow } from '../philox';
import { compressScaled } from '../sparse';
import { b, bySamples, data, deviation, dz, gamma, H, momentum, order, precision, rowBytes, stepSize, uniforms, V, varianceGradient, visible1, visibleValue, z } from '../state';
import { dotHidden, f32At } from '../sums';
import { barrier, isFinite4, shareBegin, shareEnd } from '../threads';

/** Sets 1/σ² and σ from z for this thread's share of the units and waits for the others (the host may have set new z). */
export function startGaussian(): void {
  setScales(shareBegin(V), shareEnd(V));
  barrier();
}

/** 1/σ² = e^(−z) and σ = e^(z/2) of the visible units [begin, end), from float64 exponentials rounded to float32 as the reference rounds them. */
function setScales(begin: i32, end: i32): void {
  for (let i = begin; i < end; i++) {
    const zi = <f64>load<f32>(f32At(z, i));
    store<f32>(f32At(precision, i), <f32>Math.exp(-zi));
    store<f32>(f32At(deviation, i), <f32>Math.exp(zi * 0.5));
  }
}

/** Σ (x − a)² over a row, a = b + h0·Wᵀ (what the mean squared error is made of), in float64 as the reference. */
export function squaredError(x: usize, a: usize): f64 {
  let low = f64x2.splat(0);
  let high = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= V; j += 4) {
    const xj = v128.load(f32At(x, j));
    const aj = v128.load(f32At(a, j));
    const dLow = f64x2.sub(f64x2.promote_low_f32x4(xj), f64x2.promote_low_f32x4(aj));
    const dHigh = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i32>(xj, xj, 2, 3, 0, 1)), f64x2.promote_low_f32x4(v128.shuffle<i32>(aj, aj, 2, 3, 0, 1)));
    low = f64x2.add(low, f64x2.mul(dLow, dLow));
    high = f64x2.add(high, f64x2.mul(dHigh, dHigh));
  }
  let total = f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1) + f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1);
  for (; j < V; j++) {
    const d = <f64>load<f32>(f32At(x, j)) - <f64>load<f32>(f32At(a, j));
    total += d * d;
  }
  return total;
}

/**
 * Σ over the batch's rows of ½((x − b)² − (v_k − b)²) for this thread's visible units [v0,
 * vEnd), with b before the update, into varianceGradient: the Gaussian term of −∂E/∂z over the
 * data minus over the model, before the factor 1/σ². Rows in order, whatever the threads.
 */
export function sumSquaredDeviations(start: i32, rows: i32, v0: i32, vEnd: i32): void {
  memory.fill(f32At(varianceGradient, v0), 0, <usize>(vEnd - v0) << 2);
  for (let i = 0; i < rows; i++) {
    const x = data + <usize>load<i32>(order + (<usize>(start + i) << 2)) * rowBytes;
    const v = visible1 + <usize>i * rowBytes;
    for (let k = v0; k < vEnd; k++) {
      const bias = load<f32>(f32At(b, k));
      const dx = load<f32>(f32At(x, k)) - bias;
      const dv = load<f32>(f32At(v, k)) - bias;
      const at = f32At(varianceGradient, k);
      store<f32>(at, load<f32>(at) + 0.5 * (dx * dx - dv * dv));
    }
  }
}

/**
 * Visible unit v's log-variance step, from W's row `w` before its update and the row `g` of
 * G = X̃ᵀ·S0 − ṽᵀ·S_k: g_z = (Σ ½((x − b)² − (v_k − b)²)/σ² − Σ_j W_vj·G_vj) / B, since the
 * reference's cross terms Σ_rows (x/σ²)·(S·Wᵀ) over the data minus over the model are exactly
 * Σ_j W_vj·G_vj, which needs no product of its own; with 'probabilities' v_k are means, whose
 * model term is its expectation over N(v_k, σ²), ½ more (docs/training-step.md). Then 1/σ² and
 * σ for the next batch (nothing reads them again in this one). Returns whether z and dz stayed
 * finite.
 */
export function updateLogVariance(v: i32, w: usize, g: usize, perRow: f32): bool {
  const spread: f32 = bySamples ? 0 : 0.5;
  const gradient = (load<f32>(f32At(precision, v)) * load<f32>(f32At(varianceGradient, v)) - dotHidden(w, g)) * perRow - spread;
  const velocity = momentum * load<f32>(f32At(dz, v)) + stepSize * gradient;
  const value = load<f32>(f32At(z, v)) + velocity;
  store<f32>(f32At(dz, v), velocity);
  store<f32>(f32At(z, v), value);
  setScales(v, v + 1);
  return isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
}

/**
 * The negative phase's visible row at a Gibbs step, from pre = b + h·Wᵀ into v1: the means pre,
 * or with 'samples' statistics mean + σ ⊙ n from normals at (row i, batch, phase).
 */
export function gaussianVisibleStep(v1: usize, pre: usize, i: i32, batch: i32, phase: u32): void {
  if (!bySamples) {
    if (v1 != pre) memory.copy(v1, pre, rowBytes);
  } else {
    normalRow(v1, 0, pre, 1, <u32>i, <u32>batch, phase);
  }
}

/** A visible row as the hidden units see it, v/σ², compressed; returns how many entries are not zero. */
export function compressGaussian(row: usize, index: usize, value: usize): i32 {
  return compressScaled(row, V, precision, index, value);
}

/** AIS: chain r's visible row at β, b + β·input + σ ⊙ n from input = h·Wᵀ, compressed as the hidden units see it. */
export function annealGaussianRow(input: usize, index: usize, r: i32, beta: f64): i32 {
  normalRow(input, b, input, <f32>beta, <u32>r, 0, PHASE_AIS_VISIBLE);
  return compressGaussian(input, index, visibleValue + <usize>r * rowBytes);
}

/**
 * Batch row i's hidden half step (layers/hidden.ts, hiddenRow) from z in `row`: the means z/γ in
 * place; with `draw` a sample z/γ + n/√γ into `sample`, n from uniforms 2j and 2j + 1 of a row
 * of 2H at (row i, batch, phase) as normalDraws takes them, and the statistic into `stat` (may be
 * `row`) unless it is 0; m₂ into `moment` unless it is 0: the sample's square under 'samples',
 * else E[h² | z] = (z/γ)² + 1/γ.
 */
export function gaussianHiddenRow(row: usize, draw: bool, i: i32, batch: i32, phase: u32, sample: usize, stat: usize, moment: usize): void {
  const sampled = draw && bySamples;
  if (draw) uniformRow(uniforms, 2 * H, <u32>i, <u32>batch, phase);
  let j = 0;
  for (; j + 4 <= H; j += 4) {
    const g = v128.load(f32At(gamma, j));
    const mean = f32x4.div(v128.load(f32At(row, j)), g);
    v128.store(f32At(row, j), mean);
    let value = mean;
    if (draw) {
      const pair = f32At(uniforms, 2 * j);
      const first = v128.load(pair);
      const second = v128.load(pair, 16);
      const n = boxMuller4(v128.shuffle<i32>(first, second, 0, 2, 4, 6), v128.shuffle<i32>(first, second, 1, 3, 5, 7));
      const s = f32x4.add(mean, f32x4.div(n, f32x4.sqrt(g)));
      v128.store(f32At(sample, j), s);
      if (sampled) value = s;
    }
    if (stat) v128.store(f32At(stat, j), value);
    if (moment) v128.store(f32At(moment, j), sampled ? f32x4.mul(value, value) : f32x4.add(f32x4.mul(mean, mean), f32x4.div(f32x4.splat(1), g)));
  }
  for (; j < H; j++) {
    const g = load<f32>(f32At(gamma, j));
    const mean = load<f32>(f32At(row, j)) / g;
    store<f32>(f32At(row, j), mean);
    let value = mean;
    if (draw) {
      const n = f32x4.extract_lane(boxMuller4(f32x4.splat(load<f32>(f32At(uniforms, 2 * j))), f32x4.splat(load<f32>(f32At(uniforms, 2 * j + 1)))), 0);
      const s = mean + n / Mathf.sqrt(g);
      store<f32>(f32At(sample, j), s);
      if (sampled) value = s;
    }
    if (stat) store<f32>(f32At(stat, j), value);
    if (moment) store<f32>(f32At(moment, j), sampled ? value * value : mean * mean + 1 / g);
  }
}

// Centring (Melchior, Fischer & Wiskott 2016): the model keeps the plain W, b and c, and the
// offsets μ (mu) and λ (lambda); only the update differs (docs/training-step.md, "Centring").
// Here: the weight gradient's correction, and the hidden biases' step and offsets' average once
// the whole weight step is made (update.ts corrects the visible biases).

import { c, dc, dW, gradient, H, hiddenBytes, hiddenGradient, hSample, lambda, momentum, mu, offsetRate, pre, statHidden0, stepSize, V, visibleGradient } from './state';
import { f32At } from './sums';
import { isFinite4 } from './threads';

/**
 * G − B·(μ·g_cᵀ + g_b·λᵀ) for this thread's visible units, with g_b and g_c as batch sums
 * (which carry the factor B): needs the whole hidden gradient.
 */
export function centreGradient(v0: i32, vEnd: i32): void {
  for (let v = v0; v < vEnd; v++) {
    const g = gradient + <usize>v * hiddenBytes;
    const m = load<f32>(f32At(mu, v));
    const gb = load<f32>(f32At(visibleGradient, v));
    const m4 = f32x4.splat(m);
    const gb4 = f32x4.splat(gb);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const at = f32At(g, j);
      const shift = f32x4.add(f32x4.mul(m4, v128.load(f32At(hiddenGradient, j))), f32x4.mul(gb4, v128.load(f32At(lambda, j))));
      v128.store(at, f32x4.sub(v128.load(at), shift));
    }
    for (; j < H; j++) {
      const at = f32At(g, j);
      store<f32>(at, load<f32>(at) - (m * load<f32>(f32At(hiddenGradient, j)) + gb * load<f32>(f32At(lambda, j))));
    }
  }
}

/**
 * out[j] = Σ_i M[i][j]·w_i over the rows i < count of M (H wide) in order, for j in
 * [begin, end); w_i = 1 without `weights`. A column's sum is the same in a vector lane as in
 * the scalar tail, so it does not depend on how the columns are shared out.
 */
function columnSums(M: usize, weights: usize, count: i32, begin: i32, end: i32, out: usize): void {
  let j = begin;
  for (; j + 4 <= end; j += 4) {
    let sum = f32x4.splat(0);
    for (let i = 0; i < count; i++) {
      const w: f32 = weights ? load<f32>(f32At(weights, i)) : 1;
      sum = f32x4.add(sum, f32x4.mul(v128.load(f32At(M + <usize>i * hiddenBytes, j)), f32x4.splat(w)));
    }
    v128.store(f32At(out, j), sum);
  }
  for (; j < end; j++) {
    let sum: f32 = 0;
    for (let i = 0; i < count; i++) {
      const w: f32 = weights ? load<f32>(f32At(weights, i)) : 1;
      sum += load<f32>(f32At(M + <usize>i * hiddenBytes, j)) * w;
    }
    store<f32>(f32At(out, j), sum);
  }
}

/**
 * For this thread's hidden units, once the whole weight step dW is made: c += dc − dWᵀ·μ, and
 * λ ← (1 − ν)·λ + ν·mean_rows(S0). Returns whether c and dc stayed finite.
 */
export function updateCentredHidden(hBegin: i32, hEnd: i32, rows: i32): bool {
  // The row scratch is free until the loss pass.
  const shift = pre;
  const positive = hSample;
  columnSums(dW, mu, V, hBegin, hEnd, shift);
  columnSums(statHidden0, 0, rows, hBegin, hEnd, positive);
  const perRow: f32 = 1.0 / <f32>rows;
  let healthy = true;
  for (let j = hBegin; j < hEnd; j++) {
    const velocity = momentum * load<f32>(f32At(dc, j)) + stepSize * load<f32>(f32At(hiddenGradient, j)) * perRow;
    const value = load<f32>(f32At(c, j)) + (velocity - load<f32>(f32At(shift, j)));
    store<f32>(f32At(dc, j), velocity);
    store<f32>(f32At(c, j), value);
    const mean = load<f32>(f32At(positive, j)) / <f32>rows;
    store<f32>(f32At(lambda, j), (1 - offsetRate) * load<f32>(f32At(lambda, j)) + offsetRate * mean);
    healthy = healthy && isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
  }
  return healthy;
}

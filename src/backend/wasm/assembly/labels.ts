// A label layer (Larochelle & Bengio 2008; docs/training-step.md, "Label layer"; classStep in
// src/backend/cpu/class-step.ts is the reference). A thread's rows each leave, beside the
// binary lists: in hidden0Prob the hidden statistic W and c see (the discriminative term g plus
// α·S0), in hidden1 α·S_k, in labelStatistic the row's C × H part of U's gradient, and in
// labelTerms its C parts of d's (then C logits of scratch); the gradient of W and b is then the
// binary one, that of U a sum of rows over the batch. Here: a labelled row's chain and loss, and
// U's and d's gradient and update.

import { GIBBS_PHASE_STRIDE, PHASE_HIDDEN, PHASE_HIDDEN_AGAIN, PHASE_LABEL, PHASE_VISIBLE } from './constants';
import { sampleRow, sigmoidRow } from './layers/binary';
import { visibleStep } from './layers/visible';
import { sigmoid4, softplus4 } from './math';
import { uniformRow } from './philox';
import { compress, sumRows } from './sparse';
import { b, bySamples, c, cdSteps, classBytes, classes, d, data, dd, decayStep, discriminative, dU, generativeScale, H, hidden0, hidden0Prob, hidden1, hiddenBytes, hIndex, hSample, labelActivation, labelGradient, labels, labelStatistic, labelTerms, meanGradient, momentum, order, pre, rowBytes, rowLoss, stepSize, thread, U, uniforms, V, vCount, vIndex, visible1, vValue, W, Wt, xCount, xIndex, xValue } from './state';
import { f32At } from './sums';
import { isFinite4 } from './threads';

/**
 * Batch row i of a labelled model: a = c + x·W, s_y = σ(a + U_y) and the scores d_y +
 * Σ_j softplus(a_j + U_yj), the row's −log p(y | x); the discriminative statistics
 * (1[y = y_r] − p(y | x))·s_y; the generative chain h0 ~ s_{y_r}, then per Gibbs step x ~ σ(b +
 * h·Wᵀ), y' ~ softmax(d + U·h), h ~ σ(c + x·W + U_y'), with its statistics weighted by α.
 */
export function labelledRow(i: i32, batch: i32, start: i32): void {
  const row = load<i32>(order + (<usize>(start + i) << 2));
  const x = data + <usize>row * rowBytes;
  const y = load<i32>(labels + (<usize>row << 2));
  const xi = xIndex + <usize>i * rowBytes;
  const xv = xValue + <usize>i * rowBytes;
  const xn = compress(x, V, xi, xv);
  store<i32>(xCount + (<usize>i << 2), xn);
  const a = labelActivation + <usize>i * hiddenBytes;
  sumRows(a, c, W, H, xi, xv, xn, false);
  const L = labelStatistic + <usize>i * classBytes;
  const terms = labelTerms + (<usize>(i * classes) << 4);
  const scores = terms + (<usize>classes << 3);
  let top = -Infinity;
  for (let k = 0; k < classes; k++) {
    const at = <usize>k * hiddenBytes;
    const score = <f64>load<f32>(f32At(d, k)) + sigmoidAndSoftplus(a, U + at, L + at);
    store<f64>(scores + (<usize>k << 3), score);
    top = Math.max(top, score);
  }
  let sum: f64 = 0;
  for (let k = 0; k < classes; k++) sum += Math.exp(load<f64>(scores + (<usize>k << 3)) - top);
  store<f64>(rowLoss + (<usize>(start + i) << 3), -(load<f64>(scores + (<usize>y << 3)) - top - Math.log(sum)));

  const generative = generativeScale != 0;
  const h0 = hidden0 + <usize>i * hiddenBytes;
  // h0 ~ s_y, its statistic into pre.
  if (generative) {
    uniformRow(uniforms, H, <u32>i, <u32>batch, PHASE_HIDDEN);
    sampleRow(L + <usize>y * hiddenBytes, uniforms, H, h0, pre, bySamples);
  }
  const P = hidden0Prob + <usize>i * hiddenBytes;
  memory.fill(P, 0, hiddenBytes);
  for (let k = 0; k < classes; k++) {
    const weight: f64 = discriminative ? <f64>(k == y ? 1 : 0) - Math.exp(load<f64>(scores + (<usize>k << 3)) - top) / sum : 0;
    store<f64>(terms + (<usize>k << 3), weight);
    const Lk = L + <usize>k * hiddenBytes;
    if (discriminative) addAndScale(P, Lk, <f32>weight);
    else memory.fill(Lk, 0, hiddenBytes);
  }
  const h1 = hidden1 + <usize>i * hiddenBytes;
  if (!generative) {
    store<i32>(vCount + (<usize>i << 2), 0);
    memory.fill(h1, 0, hiddenBytes);
    return;
  }
  addScaledRow(P, pre, generativeScale);
  addScaledRow(L + <usize>y * hiddenBytes, pre, generativeScale);
  store<f64>(terms + (<usize>y << 3), load<f64>(terms + (<usize>y << 3)) + <f64>generativeScale);

  let hn = compress(h0, H, hIndex, pre);
  const v1 = visible1 + <usize>i * rowBytes;
  const vi = vIndex + <usize>i * rowBytes;
  const vv = vValue + <usize>i * rowBytes;
  let model = 0;
  for (let t = 1; t <= cdSteps; t++) {
    const stride = GIBBS_PHASE_STRIDE * <u32>(t - 1);
    sumRows(pre, b, Wt, V, hIndex, 0, hn, true);
    visibleStep(v1, pre, x, i, batch, PHASE_VISIBLE + stride);
    const vn = compress(v1, V, vi, vv);
    store<i32>(vCount + (<usize>i << 2), vn);
    model = drawLabel(hn, i, batch, PHASE_LABEL + stride, scores);
    sumRows(pre, c, W, H, vi, vv, vn, bySamples);
    addScaledRow(pre, U + <usize>model * hiddenBytes, 1);
    sigmoidRow(pre, H);
    const last = t == cdSteps;
    if (bySamples || !last) {
      uniformRow(uniforms, H, <u32>i, <u32>batch, PHASE_HIDDEN_AGAIN + stride);
      sampleRow(pre, uniforms, H, hSample, last ? h1 : 0, bySamples);
      hn = compress(hSample, H, hIndex, pre);
    } else {
      memory.copy(h1, pre, hiddenBytes);
    }
  }
  addAndScale(0, h1, generativeScale);
  addScaledRow(L + <usize>model * hiddenBytes, h1, -1);
  store<f64>(terms + (<usize>model << 3), load<f64>(terms + (<usize>model << 3)) - <f64>generativeScale);
}

/** out = σ(a + u) over a row of H; returns Σ_j softplus(a_j + u_j) in float64, in an order that depends on H alone. */
function sigmoidAndSoftplus(a: usize, u: usize, out: usize): f64 {
  let low = f64x2.splat(0);
  let high = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= H; j += 4) {
    const t = f32x4.add(v128.load(f32At(a, j)), v128.load(f32At(u, j)));
    v128.store(f32At(out, j), sigmoid4(t));
    const s = softplus4(t);
    low = f64x2.add(low, f64x2.promote_low_f32x4(s));
    high = f64x2.add(high, f64x2.promote_low_f32x4(v128.shuffle<i32>(s, s, 2, 3, 0, 1)));
  }
  let sum = f64x2.extract_lane(low, 0) + f64x2.extract_lane(low, 1) + f64x2.extract_lane(high, 0) + f64x2.extract_lane(high, 1);
  for (; j < H; j++) {
    const t = f32x4.splat(load<f32>(f32At(a, j)) + load<f32>(f32At(u, j)));
    store<f32>(f32At(out, j), f32x4.extract_lane(sigmoid4(t), 0));
    sum += <f64>f32x4.extract_lane(softplus4(t), 0);
  }
  return sum;
}

/** sum += w·row and row = w·row over H (no sum when it is 0). */
function addAndScale(sum: usize, row: usize, w: f32): void {
  for (let j = 0; j < H; j++) {
    const value = w * load<f32>(f32At(row, j));
    store<f32>(f32At(row, j), value);
    if (sum) store<f32>(f32At(sum, j), load<f32>(f32At(sum, j)) + value);
  }
}

/** out += w·row over H. */
function addScaledRow(out: usize, row: usize, w: f32): void {
  for (let j = 0; j < H; j++) store<f32>(f32At(out, j), load<f32>(f32At(out, j)) + w * load<f32>(f32At(row, j)));
}

/**
 * y' ~ softmax(d + U·h) for a binary hidden row listed in hIndex (hn units on), by inverting
 * the cumulative sum at the row's uniform, in float64 and the reference's order (drawLabels).
 * `logits` is scratch for C values.
 */
function drawLabel(hn: i32, i: i32, batch: i32, phase: u32, logits: usize): i32 {
  uniformRow(uniforms, 1, <u32>i, <u32>batch, phase);
  const u = <f64>load<f32>(uniforms);
  let top = -Infinity;
  for (let k = 0; k < classes; k++) {
    const Uk = U + <usize>k * hiddenBytes;
    let s = <f64>load<f32>(f32At(d, k));
    for (let q = 0; q < hn; q++) s += <f64>load<f32>(f32At(Uk, load<i32>(hIndex + (<usize>q << 2))));
    store<f64>(logits + (<usize>k << 3), s);
    top = Math.max(top, s);
  }
  let sum: f64 = 0;
  for (let k = 0; k < classes; k++) {
    const e = Math.exp(load<f64>(logits + (<usize>k << 3)) - top);
    store<f64>(logits + (<usize>k << 3), e);
    sum += e;
  }
  let y = 0;
  let cumulative = load<f64>(logits) / sum;
  while (y < classes - 1 && u >= cumulative) {
    y++;
    cumulative += load<f64>(logits + (<usize>y << 3)) / sum;
  }
  return y;
}

/** U's gradient for this thread's hidden units: Σ over the batch's rows of their labelStatistic, rows in order. */
export function sumLabelGradient(rows: i32, hBegin: i32, hEnd: i32): void {
  for (let k = 0; k < classes; k++) {
    const at = <usize>k * hiddenBytes;
    for (let j = hBegin; j < hEnd; j++) {
      let sum: f32 = 0;
      for (let i = 0; i < rows; i++) sum += load<f32>(f32At(labelStatistic + <usize>i * classBytes + at, j));
      store<f32>(f32At(labelGradient + at, j), sum);
    }
  }
}

/**
 * Momentum steps on U (this thread's hidden units, as W: summed or averaged, with weight decay)
 * and, on thread 0, d from its batch mean gradient. Returns whether they stayed finite.
 */
export function updateLabelLayer(rows: i32, hBegin: i32, hEnd: i32): bool {
  const perRow: f32 = 1.0 / <f32>rows;
  const weightScale = meanGradient ? stepSize * perRow : stepSize;
  let healthy = true;
  for (let k = 0; k < classes; k++) {
    const at = <usize>k * hiddenBytes;
    for (let j = hBegin; j < hEnd; j++) {
      const weight = load<f32>(f32At(U + at, j));
      const velocity = momentum * load<f32>(f32At(dU + at, j)) + weightScale * load<f32>(f32At(labelGradient + at, j)) - decayStep * weight;
      const value = weight + velocity;
      store<f32>(f32At(dU + at, j), velocity);
      store<f32>(f32At(U + at, j), value);
      healthy = healthy && isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
    }
  }
  if (thread != 0) return healthy;
  for (let k = 0; k < classes; k++) {
    let gradient: f64 = 0;
    for (let i = 0; i < rows; i++) gradient += load<f64>(labelTerms + (<usize>(i * classes) << 4) + (<usize>k << 3));
    const velocity = momentum * load<f32>(f32At(dd, k)) + stepSize * <f32>(gradient / <f64>rows);
    const value = load<f32>(f32At(d, k)) + velocity;
    store<f32>(f32At(dd, k), velocity);
    store<f32>(f32At(d, k), value);
    healthy = healthy && isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
  }
  return healthy;
}

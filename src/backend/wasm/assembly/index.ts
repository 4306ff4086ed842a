// The CD-k training epoch of docs/training-step.md in WebAssembly SIMD, run by every worker of
// the pool on its share of the rows (forward passes, KL or squared error; with parallel
// tempering, all the chains of each of those rows), of the visible units (gradient and update)
// and of the hidden units (their biases, and centring's hidden offsets); binary, Gaussian or
// softmax-grouped visible units, and a label layer. The host lays out memory and writes the control
// block (control.json); workers meet at barriers. AIS's chains (docs/training-step.md,
// "Annealed importance sampling") are shared out by run. Every value is computed the same way
// whatever the number of threads, so results do not depend on it.

import * as C from './control';
import { GIBBS_PHASE_STRIDE, PHASE_AIS_HIDDEN, PHASE_AIS_VISIBLE, PHASE_HIDDEN, PHASE_HIDDEN_AGAIN, PHASE_LABEL, PHASE_TEMPERING_SWAP, PHASE_VISIBLE } from './constants';
import { sumHiddenGradient, sumWeightGradient } from './gradient';
import { logLikelihood, sampleOn, sampleRow, sigmoidRow } from './layers/binary';
import { squaredError, startGaussian, sumSquaredDeviations, updateLogVariance } from './layers/gaussian';
import { sigmoid4, softplus4, softplusDifference4 } from './math';
import { normalRow, uniformRow } from './philox';
import { compress, compressScaled, sumRows } from './sparse';
import { annealStart, b, baseBias, betas, bySamples, c, cdSteps, centring, chainActivation, chains, chainVisible, classBytes, classes, ctrl, d, data, db, dc, dd, decayStep, discriminative, dU, dW, energies, firstBatch, firstStep, gaussian, generativeScale, gradient, H, hidden0, hidden0Prob, hidden1, hiddenBytes, hiddenCount, hiddenCounts, hiddenGradient, hiddenIndex, hiddenInput, hiddenLists, hIndex, hSample, labelActivation, labelGradient, labels, labelStatistic, labelTerms, lambda, lastBatch, lastStep, learnVariance, logWeight, meanGradient, momentum, mu, offsetRate, order, path, persistent, pre, precision, readAnneal, readThreads, readTraining, rowBytes, rowLoss, rowObserved, runs, sampledVisible, setEpochIndex, softmaxSize, starts, startWorker, statHidden0, stepSize, swapCounts, swapUniforms, temperatures, thread, U, uniforms, V, vCount, vIndex, visible1, visibleCount, visibleGradient, visibleIndex, visibleInput, visibleValue, vValue, W, Wt, xCount, xIndex, xValue } from './state';
import { dotHidden, f32At, sumRowsOfChains } from './sums';
import { barrier, isFinite4, reportUnhealthy, shareBegin, shareEnd } from './threads';

// ---------------------------------------------------------------------------------------------
// The epoch

function trainEpoch(): void {
  readTraining();
  startGaussian();
  // Each batch is a call of its own, so that V8 replaces its baseline code with optimised
  // code after the first batches rather than after the first epoch. Two call sites keep
  // Binaryen from inlining it back into this loop.
  if (firstBatch < lastBatch) trainBatch(firstBatch);
  for (let batch = firstBatch + 1; batch < lastBatch; batch++) trainBatch(batch);
}

/** One batch: forward passes, gradient and update, KL terms. */
function trainBatch(batch: i32): void {
  const start = load<i32>(starts + (<usize>batch << 2));
  const rows = load<i32>(starts + (<usize>(batch + 1) << 2)) - start;

  // Forward passes on this thread's rows: h0, then the k Gibbs steps of the negative chain
  // (from h0, or from the persistent chains; with parallel tempering, the sweeps of the row's
  // M chains, and with a label layer, each row on its own).
  const r0 = shareBegin(rows);
  const r1 = shareEnd(rows);
  if (classes != 0) {
    for (let i = r0; i < r1; i++) labelledRow(i, batch, start);
  } else {
    positivePhase(r0, r1, batch, start);
    if (temperatures != 0) for (let i = r0; i < r1; i++) temperRow(i, batch);
    else negativePhase(r0, r1, batch, start);
  }
  barrier();

  // The gradient for this thread's visible units: G = Xᵀ·h0 − v1ᵀ·h1 and Σ (X − v1).
  const v0 = shareBegin(V);
  const vEnd = shareEnd(V);
  sumWeightGradient(rows, v0, vEnd);
  // …and Σ (h0 − h1) for this thread's hidden units.
  const hBegin = shareBegin(H);
  const hEnd = shareEnd(H);
  sumHiddenGradient(rows, hBegin, hEnd);
  if (learnVariance) sumSquaredDeviations(start, rows, v0, vEnd);
  if (classes != 0) sumLabelGradient(rows, hBegin, hEnd);
  // Centring corrects every weight's gradient with the whole hidden gradient.
  if (centring) {
    barrier();
    centreGradient(v0, vEnd);
  }

  // Momentum updates: dθ = m·dθ + step·scale·g, θ += dθ; Wᵀ kept in step with W.
  const perRow: f32 = 1.0 / <f32>rows;
  const weightScale = meanGradient ? stepSize * perRow : stepSize;
  const m4 = f32x4.splat(momentum);
  const s4 = f32x4.splat(weightScale);
  const decay4 = f32x4.splat(decayStep);
  let healthy = true;
  for (let v = v0; v < vEnd; v++) {
    const g = gradient + <usize>v * hiddenBytes;
    const w = W + <usize>v * hiddenBytes;
    const d = dW + <usize>v * hiddenBytes;
    // From W before its update.
    if (learnVariance) healthy = updateLogVariance(v, w, g, perRow) && healthy;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const weight = v128.load(f32At(w, j));
      const velocity = f32x4.sub(f32x4.add(f32x4.mul(m4, v128.load(f32At(d, j))), f32x4.mul(s4, v128.load(f32At(g, j)))), f32x4.mul(decay4, weight));
      const value = f32x4.add(weight, velocity);
      v128.store(f32At(d, j), velocity);
      v128.store(f32At(w, j), value);
      healthy = healthy && isFinite4(value) && isFinite4(velocity);
    }
    for (; j < H; j++) {
      const weight = load<f32>(f32At(w, j));
      const velocity = momentum * load<f32>(f32At(d, j)) + weightScale * load<f32>(f32At(g, j)) - decayStep * weight;
      const value = weight + velocity;
      store<f32>(f32At(d, j), velocity);
      store<f32>(f32At(w, j), value);
      healthy = healthy && isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
    }
    for (let h = 0; h < H; h++) store<f32>(f32At(Wt, h * V + v), load<f32>(f32At(w, h)));
    const velocity = momentum * load<f32>(f32At(db, v)) + stepSize * load<f32>(f32At(visibleGradient, v)) * perRow;
    // Centred, the plain bias follows the centred one and moves against the weight step: b += db − dW·λ.
    const value = load<f32>(f32At(b, v)) + (centring ? velocity - dotHidden(d, lambda) : velocity);
    store<f32>(f32At(db, v), velocity);
    store<f32>(f32At(b, v), value);
    healthy = healthy && isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
  }
  if (!centring) {
    for (let j = hBegin; j < hEnd; j++) {
      const velocity = momentum * load<f32>(f32At(dc, j)) + stepSize * load<f32>(f32At(hiddenGradient, j)) * perRow;
      const value = load<f32>(f32At(c, j)) + velocity;
      store<f32>(f32At(dc, j), velocity);
      store<f32>(f32At(c, j), value);
      healthy = healthy && isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
    }
  }
  if (classes != 0) healthy = updateLabelLayer(rows, hBegin, hEnd) && healthy;
  if (!healthy) reportUnhealthy(batch);
  barrier();
  // A label layer's loss, −log p(y | x), was taken before the update.
  if (classes != 0) return;

  // Centred, c needs every row of the weight step; nothing reads c or λ until the next batch.
  if (centring && !updateCentredHidden(hBegin, hEnd, rows)) reportUnhealthy(batch);

  // The loss's terms from the updated W and b, from a = b + h0·Wᵀ: log P(x | h0) per row
  // (Gaussian units: Σ (x − a)²), summed by the host per batch.
  listHidden(hidden0, r0, r1);
  sumRowsOfChains(visible1, b, Wt, V, hiddenLists, 0, hiddenCounts, H, r0, r1);
  for (let i = r0; i < r1; i++) {
    const a = visible1 + <usize>i * rowBytes;
    const x = data + <usize>load<i32>(order + (<usize>(start + i) << 2)) * rowBytes;
    const at = <usize>(start + i) << 3;
    if (softmaxSize != 0) {
      store<f64>(rowLoss + at, crossEntropy(x, a, rowObserved + at));
    } else {
      store<f64>(rowLoss + at, gaussian ? squaredError(x, a) : logLikelihood(x, a));
    }
  }
  // The next batch may share rows out differently (batch sizes differ by one), so no thread
  // may overwrite a row of this batch until every thread has finished reading it.
  barrier();
}

/**
 * h0 for the rows [r0, r1): c + x·W over all of them (sumRowsOfChains keeps each block of W in
 * cache while every row reads it), then σ and a draw per row.
 */
function positivePhase(r0: i32, r1: i32, batch: i32, start: i32): void {
  for (let i = r0; i < r1; i++) {
    const x = data + <usize>load<i32>(order + (<usize>(start + i) << 2)) * rowBytes;
    store<i32>(xCount + (<usize>i << 2), compressVisible(x, xIndex + <usize>i * rowBytes, xValue + <usize>i * rowBytes));
  }
  sumRowsOfChains(hidden0Prob, c, W, H, xIndex, xValue, xCount, V, r0, r1);
  for (let i = r0; i < r1; i++) {
    const p = hidden0Prob + <usize>i * hiddenBytes;
    sigmoidRow(p, H);
    uniformRow(uniforms, H, <u32>i, <u32>batch, PHASE_HIDDEN);
    sampleRow(p, uniforms, H, hidden0 + <usize>i * hiddenBytes, 0, false);
  }
}

/**
 * The k Gibbs steps of the negative chains of rows [r0, r1), from h0 or the persistent chains,
 * each half step over all the rows at once: b + h·Wᵀ into visible1, then c + v·W into hidden1,
 * each layer sampled in its epilogue.
 */
function negativePhase(r0: i32, r1: i32, batch: i32, start: i32): void {
  listHidden(persistent ? chains : hidden0, r0, r1);
  for (let t = 1; t <= cdSteps; t++) {
    const stride = GIBBS_PHASE_STRIDE * <u32>(t - 1);
    sumRowsOfChains(visible1, b, Wt, V, hiddenLists, 0, hiddenCounts, H, r0, r1);
    for (let i = r0; i < r1; i++) {
      const v1 = visible1 + <usize>i * rowBytes;
      const x = data + <usize>load<i32>(order + (<usize>(start + i) << 2)) * rowBytes;
      visibleStep(v1, v1, x, i, batch, PHASE_VISIBLE + stride);
      let states = v1;
      if (sampledVisible) {
        // The hidden units read a sample of v1 (in `pre`); v1 keeps the probabilities.
        uniformRow(uniforms, V, <u32>i, <u32>batch, PHASE_VISIBLE + stride);
        sampleRow(v1, uniforms, V, 0, pre, true);
        states = pre;
      }
      store<i32>(vCount + (<usize>i << 2), compressVisible(states, vIndex + <usize>i * rowBytes, vValue + <usize>i * rowBytes));
    }
    sumRowsOfChains(hidden1, c, W, H, vIndex, (bySamples || sampledVisible) && !gaussian ? 0 : vValue, vCount, V, r0, r1);
    const last = t == cdSteps;
    if (sampledVisible && last) {
      // The gradient reads the last step's probabilities.
      for (let i = r0; i < r1; i++) {
        store<i32>(vCount + (<usize>i << 2), compress(visible1 + <usize>i * rowBytes, V, vIndex + <usize>i * rowBytes, vValue + <usize>i * rowBytes));
      }
    }
    for (let i = r0; i < r1; i++) {
      const h1 = hidden1 + <usize>i * hiddenBytes;
      sigmoidRow(h1, H);
      if (!bySamples && !persistent && last) continue;
      uniformRow(uniforms, H, <u32>i, <u32>batch, PHASE_HIDDEN_AGAIN + stride);
      sampleRow(h1, uniforms, H, hSample, last ? h1 : 0, bySamples);
      if (!last) store<i32>(hiddenCounts + (<usize>i << 2), compress(hSample, H, hiddenLists + <usize>i * hiddenBytes, pre));
      else if (persistent) memory.copy(chains + <usize>i * hiddenBytes, hSample, hiddenBytes);
    }
  }
}

/** The lists of the hidden units on in the binary rows [r0, r1) of `states` (H wide), into hiddenLists and hiddenCounts. */
function listHidden(states: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    const count = compress(states + <usize>i * hiddenBytes, H, hiddenLists + <usize>i * hiddenBytes, pre);
    store<i32>(hiddenCounts + (<usize>i << 2), count);
  }
}

/**
 * The negative phase's visible row at a Gibbs step, from pre = b + h·Wᵀ into v1: binary units'
 * probabilities σ(pre), Gaussian units' means pre, softmax groups' probabilities (zero where
 * the data row x misses the group); sampled with 'samples' statistics (Gaussian units: mean +
 * σ ⊙ n; softmax groups: one category each) from draws at (row i, batch, phase).
 */
function visibleStep(v1: usize, pre: usize, x: usize, i: i32, batch: i32, phase: u32): void {
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
function compressVisible(row: usize, index: usize, value: usize): i32 {
  return gaussian ? compressScaled(row, V, precision, index, value) : compress(row, V, index, value);
}

// ---------------------------------------------------------------------------------------------
// Softmax visible groups (docs/training-step.md, "Softmax visible groups"; softmaxStep in
// src/backend/cpu/softmax-step.ts is the reference): each run of softmaxSize visible units is
// one categorical variable, whose probabilities and draws are taken in float64 as the
// reference takes them, so that a draw decides as the reference's does.

/** Whether the data row x observes the group of units [at, at + softmaxSize). */
function observedGroup(x: usize, at: i32): bool {
  for (let k = 0; k < softmaxSize; k++) if (load<f32>(f32At(x, at + k)) != 0) return true;
  return false;
}

/**
 * out = each group's softmax of `logits` (out may be logits), or with `draw` a one-hot draw
 * per group at its uniform in `uniforms` (the first category whose cumulative probability
 * exceeds it); zero where the data row x (when not 0) misses the group.
 */
function softmaxRow(out: usize, logits: usize, x: usize, draw: bool): void {
  const K = softmaxSize;
  for (let g = 0, at = 0; at < V; g++, at += K) {
    if (x && !observedGroup(x, at)) {
      memory.fill(f32At(out, at), 0, <usize>K << 2);
      continue;
    }
    let top = -Infinity;
    for (let k = 0; k < K; k++) top = Math.max(top, <f64>load<f32>(f32At(logits, at + k)));
    let sum: f64 = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(<f64>load<f32>(f32At(logits, at + k)) - top);
    if (!draw) {
      for (let k = 0; k < K; k++) store<f32>(f32At(out, at + k), <f32>(Math.exp(<f64>load<f32>(f32At(logits, at + k)) - top) / sum));
      continue;
    }
    const u = <f64>load<f32>(f32At(uniforms, g));
    let chosen = K - 1;
    let cumulative: f64 = 0;
    for (let k = 0; k < K - 1; k++) {
      cumulative += Math.exp(<f64>load<f32>(f32At(logits, at + k)) - top) / sum;
      if (u < cumulative) {
        chosen = k;
        break;
      }
    }
    for (let k = 0; k < K; k++) store<f32>(f32At(out, at + k), k == chosen ? 1 : 0);
  }
}

/**
 * The row's softmax cross-entropy terms against logits a = b + h0·Wᵀ, as softmaxCrossEntropy:
 * returns Σ −x·log p over the observed units and stores how many there are (float64) at `observed`.
 */
function crossEntropy(x: usize, a: usize, observed: usize): f64 {
  const K = softmaxSize;
  let total: f64 = 0;
  let count: f64 = 0;
  for (let at = 0; at < V; at += K) {
    let top = -Infinity;
    for (let k = 0; k < K; k++) top = Math.max(top, <f64>load<f32>(f32At(a, at + k)));
    let sum: f64 = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(<f64>load<f32>(f32At(a, at + k)) - top);
    const logSum = Math.log(sum);
    for (let k = 0; k < K; k++) {
      const xk = <f64>load<f32>(f32At(x, at + k));
      if (xk == 0) continue;
      total -= xk * (<f64>load<f32>(f32At(a, at + k)) - top - logSum);
      count++;
    }
  }
  store<f64>(observed, count);
  return total;
}

// ---------------------------------------------------------------------------------------------
// A label layer (Larochelle & Bengio 2008; docs/training-step.md, "Label layer"; classStep in
// src/backend/cpu/class-step.ts is the reference). A thread's rows each leave, beside the
// binary lists: in hidden0Prob the hidden statistic W and c see (the discriminative term g plus
// α·S0), in hidden1 α·S_k, in labelStatistic the row's C × H part of U's gradient, and in
// labelTerms its C parts of d's (then C logits of scratch); the gradient of W and b is then the
// binary one, that of U a sum of rows over the batch.

/**
 * Batch row i of a labelled model: a = c + x·W, s_y = σ(a + U_y) and the scores d_y +
 * Σ_j softplus(a_j + U_yj), the row's −log p(y | x); the discriminative statistics
 * (1[y = y_r] − p(y | x))·s_y; the generative chain h0 ~ s_{y_r}, then per Gibbs step x ~ σ(b +
 * h·Wᵀ), y' ~ softmax(d + U·h), h ~ σ(c + x·W + U_y'), with its statistics weighted by α.
 */
function labelledRow(i: i32, batch: i32, start: i32): void {
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
function sumLabelGradient(rows: i32, hBegin: i32, hEnd: i32): void {
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
function updateLabelLayer(rows: i32, hBegin: i32, hEnd: i32): bool {
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

// ---------------------------------------------------------------------------------------------
// Centring (Melchior, Fischer & Wiskott 2016): the model keeps the plain W, b and c, and the
// offsets μ (mu) and λ (lambda); only the update differs (docs/training-step.md, "Centring").

/**
 * G − B·(μ·g_cᵀ + g_b·λᵀ) for this thread's visible units, with g_b and g_c as batch sums
 * (which carry the factor B): needs the whole hidden gradient.
 */
function centreGradient(v0: i32, vEnd: i32): void {
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
function updateCentredHidden(hBegin: i32, hEnd: i32, rows: i32): bool {
  // The row scratch is free until the KL pass.
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

// ---------------------------------------------------------------------------------------------
// Parallel tempering (docs/training-step.md, "Parallel tempering"; temperedNegativePhase in
// src/backend/cpu/cd-step.ts is the reference). Swaps pair chains of the same batch row only,
// so the thread that has a row runs all M of its chains, chain q = row·M + k at β_k, and no
// thread waits for another's. Draws are addressed by chain (and by row for the swaps), so a
// chain's states are the same whichever thread runs it.

/**
 * Batch row i's negative phase: cdSteps sweeps of its M chains, each followed by the swaps of
 * its pairs (k, k + 1), k ≡ t − 1 (mod 2); then the β = 1 chain's visible sample and hidden
 * statistic into the row's negative statistics, where the gradient reads them.
 */
function temperRow(i: i32, batch: i32): void {
  const vi = vIndex + <usize>i * rowBytes;
  const vv = vValue + <usize>i * rowBytes;
  for (let t = 1; t <= cdSteps; t++) {
    const stride = GIBBS_PHASE_STRIDE * <u32>(t - 1);
    for (let k = 0; k < temperatures; k++) temperedGibbsStep(i, k, batch, stride, vi, vv);
    swapNeighbours(i, (t - 1) & 1, batch, stride);
  }
  store<i32>(vCount + (<usize>i << 2), compress(chainVisible, V, vi, vv));
  const h1 = hidden1 + <usize>i * hiddenBytes;
  if (bySamples) {
    memory.copy(h1, chains + <usize>(i * temperatures) * hiddenBytes, hiddenBytes);
  } else {
    memory.copy(h1, chainActivation, hiddenBytes);
    sigmoidRow(h1, H);
  }
}

/**
 * One Gibbs step of chain k of row i at β_k: v ~ σ(β·(b + h·Wᵀ)), then h ~ σ(β·(c + v·W)),
 * keeping c + v·W and the new state's energy. `vi` and `vv` are the row's visible list, free
 * until its statistics are written.
 */
function temperedGibbsStep(i: i32, k: i32, batch: i32, stride: u32, vi: usize, vv: usize): void {
  const q = i * temperatures + k;
  const beta = load<f32>(f32At(betas, k));
  const h = chains + <usize>q * hiddenBytes;
  const v = chainVisible + <usize>k * rowBytes;
  const activation = chainActivation + <usize>k * hiddenBytes;
  const hn = compress(h, H, hIndex, pre);
  sumRows(pre, b, Wt, V, hIndex, 0, hn, true);
  temperedSigmoidRow(pre, pre, V, beta);
  uniformRow(uniforms, V, <u32>q, <u32>batch, PHASE_VISIBLE + stride);
  sampleRow(pre, uniforms, V, v, 0, true);
  const vn = compress(v, V, vi, vv);
  sumRows(activation, c, W, H, vi, vv, vn, true);
  temperedSigmoidRow(pre, activation, H, beta);
  uniformRow(uniforms, H, <u32>q, <u32>batch, PHASE_HIDDEN_AGAIN + stride);
  sampleRow(pre, uniforms, H, h, 0, true);
  store<f64>(energies + (<usize>k << 3), energy(h, activation, v));
}

/** out = σ(β·input), lane by lane. */
function temperedSigmoidRow(out: usize, input: usize, n: i32, beta: f32): void {
  const beta4 = f32x4.splat(beta);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(f32At(out, j), sigmoid4(f32x4.mul(beta4, v128.load(f32At(input, j)))));
  for (; j < n; j++) {
    const p = f32x4.extract_lane(sigmoid4(f32x4.splat(beta * load<f32>(f32At(input, j)))), 0);
    store<f32>(f32At(out, j), p);
  }
}

/** E = −(h·(c + v·W) + b·v), in float64 and in the reference's order, so that swaps are decided alike. */
function energy(h: usize, activation: usize, v: usize): f64 {
  let e: f64 = 0;
  for (let j = 0; j < H; j++) e -= <f64>load<f32>(f32At(h, j)) * <f64>load<f32>(f32At(activation, j));
  for (let i = 0; i < V; i++) e -= <f64>load<f32>(f32At(b, i)) * <f64>load<f32>(f32At(v, i));
  return e;
}

/**
 * Offers row i's pairs (k, k + 1), k ≡ parity (mod 2), a swap of states, accepted when
 * u < exp(min(0, (β_k − β_{k+1})·(E_k − E_{k+1}))) with u drawn at (row i, col k); a NaN
 * refuses it, as in the reference. Counts the swaps accepted and offered.
 */
function swapNeighbours(i: i32, parity: i32, batch: i32, stride: u32): void {
  uniformRow(swapUniforms, temperatures, <u32>i, <u32>batch, PHASE_TEMPERING_SWAP + stride);
  for (let k = parity; k + 1 < temperatures; k += 2) {
    const log = (<f64>load<f32>(f32At(betas, k)) - <f64>load<f32>(f32At(betas, k + 1))) * (load<f64>(energies + (<usize>k << 3)) - load<f64>(energies + (<usize>(k + 1) << 3)));
    store<f64>(swapCounts, load<f64>(swapCounts, 8) + 1, 8);
    if (!(<f64>load<f32>(f32At(swapUniforms, k)) < Math.exp(Math.min(log, 0)))) continue;
    store<f64>(swapCounts, load<f64>(swapCounts) + 1);
    const h = chains + <usize>(i * temperatures + k) * hiddenBytes;
    swapFloats(h, h + hiddenBytes, H);
    const v = chainVisible + <usize>k * rowBytes;
    swapFloats(v, v + rowBytes, V);
    const activation = chainActivation + <usize>k * hiddenBytes;
    swapFloats(activation, activation + hiddenBytes, H);
    const e = energies + (<usize>k << 3);
    const ek = load<f64>(e);
    store<f64>(e, load<f64>(e, 8));
    store<f64>(e, ek, 8);
  }
}

/** Exchanges n floats at a with those at b. */
function swapFloats(a: usize, b: usize, n: i32): void {
  for (let j = 0; j < n; j++) {
    const x = load<f32>(f32At(a, j));
    store<f32>(f32At(a, j), load<f32>(f32At(b, j)));
    store<f32>(f32At(b, j), x);
  }
}

// ---------------------------------------------------------------------------------------------
// Annealed importance sampling (docs/training-step.md, "Annealed importance sampling";
// src/backend/anneal.ts is the reference). Each thread runs its share of the chains through
// steps [first, last) of the path. Chains are independent, so there are no barriers (but for
// Gaussian units' scales at the start), and a chain's arithmetic is the same whichever thread
// runs it. Binary states make v·W and h·Wᵀ sums of the rows of W and Wᵀ that the chains' lists
// of units on pick; Gaussian visible states are lists of values v/σ² (annealGaussianOnHost).

function anneal(): void {
  readAnneal();
  startGaussian();
  const r0 = shareBegin(runs);
  const r1 = shareEnd(runs);
  if (firstStep == 1) {
    for (let r = r0; r < r1; r++) {
      const values = gaussian ? visibleValue + <usize>r * rowBytes : uniforms;
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
  sumRowsOfChains(hiddenInput, c, W, H, visibleIndex, gaussian ? visibleValue : 0, visibleCount, V, r0, r1);
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
  sumRowsOfChains(visibleInput, gaussian ? 0 : b, Wt, V, hiddenIndex, 0, hiddenCount, H, r0, r1);
  for (let r = r0; r < r1; r++) {
    const input = visibleInput + <usize>r * rowBytes;
    const index = visibleIndex + <usize>r * rowBytes;
    let count = 0;
    if (gaussian) {
      normalRow(input, b, input, <f32>beta, <u32>r, 0, PHASE_AIS_VISIBLE);
      count = compressVisible(input, index, visibleValue + <usize>r * rowBytes);
    } else if (softmaxSize != 0) {
      // Each group's category at logits (1 − β)·bA + β·(b + h·Wᵀ), one uniform per group.
      mixLogits(input, <f32>beta, <f32>(1 - beta));
      uniformRow(uniforms, V / softmaxSize, <u32>r, 0, PHASE_AIS_VISIBLE);
      softmaxRow(input, input, 0, true);
      count = compress(input, V, index, uniforms);
    } else {
      uniformRow(uniforms, V, <u32>r, 0, PHASE_AIS_VISIBLE);
      count = sampleOn(input, baseBias, <f32>beta, <f32>(1 - beta), V, index);
    }
    store<i32>(visibleCount + (<usize>r << 2), count);
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
  if (gaussian) return hidden;
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

/** input = (1 − β)·bA + β·input over a visible row, as sampleOn's arguments of σ. */
function mixLogits(input: usize, beta: f32, rest: f32): void {
  for (let i = 0; i < V; i++) store<f32>(f32At(input, i), rest * load<f32>(f32At(baseBias, i)) + beta * load<f32>(f32At(input, i)));
}

/**
 * Each worker's life: wait for a command, run it, report it done; until told to exit.
 * `seen` is the command generation when the pool was made, so a command posted while this
 * worker was still starting is not missed.
 */
export function workerLoop(control: usize, index: i32, seen: i32): void {
  startWorker(control, index);
  while (true) {
    while (atomic.load<i32>(ctrl + C.GENERATION) == seen) {
      memory.atomic.wait32(ctrl + C.GENERATION, seen, -1);
    }
    seen = atomic.load<i32>(ctrl + C.GENERATION);
    const command = atomic.load<i32>(ctrl + C.COMMAND);
    if (command == C.COMMAND_EXIT) break;
    readThreads();
    if (command == C.COMMAND_TRAIN) trainEpoch();
    else if (command == C.COMMAND_ANNEAL) anneal();
    atomic.add<i32>(ctrl + C.DONE, 1);
    atomic.notify(ctrl + C.DONE);
  }
}

/**
 * The machine's WebAssembly SIMD peak for this kind of code, for the benchmark: independent
 * f32x4 multiply–add chains on registers, 8 flops per lane pair per iteration.
 */
export function peak(iterations: i32): f32 {
  let a0 = f32x4.splat(1.0);
  let a1 = f32x4.splat(1.1);
  let a2 = f32x4.splat(1.2);
  let a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4);
  let a5 = f32x4.splat(1.5);
  let a6 = f32x4.splat(1.6);
  let a7 = f32x4.splat(1.7);
  const m = f32x4.splat(0.9999);
  const c = f32x4.splat(0.0001);
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.add(f32x4.mul(a0, m), c);
    a1 = f32x4.add(f32x4.mul(a1, m), c);
    a2 = f32x4.add(f32x4.mul(a2, m), c);
    a3 = f32x4.add(f32x4.mul(a3, m), c);
    a4 = f32x4.add(f32x4.mul(a4, m), c);
    a5 = f32x4.add(f32x4.mul(a5, m), c);
    a6 = f32x4.add(f32x4.mul(a6, m), c);
    a7 = f32x4.add(f32x4.mul(a7, m), c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0);
}

// The CD-k training epoch of docs/training-step.md, run by every worker of the pool on its share
// of the rows (forward passes and the loss's terms; with parallel tempering, all the chains of
// each of those rows), of the visible units (gradient and update) and of the hidden units (their
// biases, centring's hidden offsets, and γ where they own it). Workers meet at barriers between
// the phases of a batch. The units' types choose their half steps (layers/visible.ts,
// layers/hidden.ts); hidden states that are not 0/1 travel in the lists with their values.

import { centreGradient, updateCentredHidden } from './centring';
import { GIBBS_PHASE_STRIDE, PHASE_HIDDEN, PHASE_HIDDEN_AGAIN, PHASE_VISIBLE } from './constants';
import { sumHiddenGradient, sumWeightGradient } from './gradient';
import { labelledRow, sumLabelGradient, updateLabelLayer } from './labels';
import { sampleRow } from './layers/binary';
import { sumSquaredDeviations } from './layers/gaussian';
import { hiddenRow, ownsGamma } from './layers/hidden';
import { compressVisible, sampledStatesBinary, startVisibleUnits, visibleLoss, visibleStep } from './layers/visible';
import { uniformRow } from './philox';
import { compress } from './sparse';
import { b, bySamples, c, cdSteps, centring, chains, classes, data, firstBatch, H, hidden0, hidden0Moment, hidden0Prob, hidden1, hidden1Moment, hiddenBytes, hiddenCounts, hiddenLists, hiddenValues, hSample, lastBatch, learnVariance, order, persistent, pre, readTraining, rowBytes, rowLoss, rowObserved, sampledVisible, starts, temperatures, uniforms, V, vCount, vIndex, visible1, vValue, W, Wt, xCount, xIndex, xValue } from './state';
import { sumRowsOfChains } from './sums';
import { temperRow } from './tempering';
import { barrier, reportUnhealthy, shareBegin, shareEnd } from './threads';
import { updateHiddenBiases, updateHiddenGamma, updateVisibleUnits } from './update';

export function trainEpoch(): void {
  readTraining();
  startVisibleUnits();
  // Each batch is a call of its own, so that V8 replaces its baseline code with optimised
  // code after the first batches rather than after the first epoch. Two call sites keep
  // Binaryen from inlining it back into this loop.
  if (firstBatch < lastBatch) trainBatch(firstBatch);
  for (let batch = firstBatch + 1; batch < lastBatch; batch++) trainBatch(batch);
}

/** One batch: forward passes, gradient and update, the loss's terms. */
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

  // Momentum updates: dθ = m·dθ + step·scale·g, θ += dθ.
  let healthy = updateVisibleUnits(v0, vEnd, rows);
  if (!centring) healthy = updateHiddenBiases(hBegin, hEnd, rows) && healthy;
  if (ownsGamma()) healthy = updateHiddenGamma(hBegin, hEnd, rows) && healthy;
  if (classes != 0) healthy = updateLabelLayer(rows, hBegin, hEnd) && healthy;
  if (!healthy) reportUnhealthy(batch);
  barrier();
  // A label layer's loss, −log p(y | x), was taken before the update.
  if (classes != 0) return;

  // Centred, c needs every row of the weight step; nothing reads c or λ until the next batch.
  if (centring && !updateCentredHidden(hBegin, hEnd, rows)) reportUnhealthy(batch);

  // The loss's terms from the updated W and b, from a = b + h0·Wᵀ, summed by the host per batch.
  listHidden(hidden0, r0, r1);
  sumRowsOfChains(visible1, b, Wt, V, hiddenLists, hiddenValues, hiddenCounts, H, r0, r1);
  for (let i = r0; i < r1; i++) {
    const a = visible1 + <usize>i * rowBytes;
    const x = data + <usize>load<i32>(order + (<usize>(start + i) << 2)) * rowBytes;
    const at = <usize>(start + i) << 3;
    store<f64>(rowLoss + at, visibleLoss(x, a, rowObserved + at));
  }
  // The next batch may share rows out differently (batch sizes differ by one), so no thread
  // may overwrite a row of this batch until every thread has finished reading it.
  barrier();
}

/**
 * h0 for the rows [r0, r1): c + x·W over all of them (sumRowsOfChains keeps each block of W in
 * cache while every row reads it), then the means and a draw per row (layers/hidden.ts).
 */
function positivePhase(r0: i32, r1: i32, batch: i32, start: i32): void {
  for (let i = r0; i < r1; i++) {
    const x = data + <usize>load<i32>(order + (<usize>(start + i) << 2)) * rowBytes;
    store<i32>(xCount + (<usize>i << 2), compressVisible(x, xIndex + <usize>i * rowBytes, xValue + <usize>i * rowBytes));
  }
  sumRowsOfChains(hidden0Prob, c, W, H, xIndex, xValue, xCount, V, r0, r1);
  for (let i = r0; i < r1; i++) {
    const at = <usize>i * hiddenBytes;
    hiddenRow(hidden0Prob + at, true, i, batch, PHASE_HIDDEN, hidden0 + at, 0, hidden0Moment + at);
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
    sumRowsOfChains(visible1, b, Wt, V, hiddenLists, hiddenValues, hiddenCounts, H, r0, r1);
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
    sumRowsOfChains(hidden1, c, W, H, vIndex, sampledStatesBinary() ? 0 : vValue, vCount, V, r0, r1);
    const last = t == cdSteps;
    if (sampledVisible && last) {
      // The gradient reads the last step's probabilities.
      for (let i = r0; i < r1; i++) {
        store<i32>(vCount + (<usize>i << 2), compress(visible1 + <usize>i * rowBytes, V, vIndex + <usize>i * rowBytes, vValue + <usize>i * rowBytes));
      }
    }
    // The last step of a chain that is not kept samples only for 'samples' statistics.
    const draw = bySamples || persistent || !last;
    for (let i = r0; i < r1; i++) {
      const at = <usize>i * hiddenBytes;
      const h1 = hidden1 + at;
      hiddenRow(h1, draw, i, batch, PHASE_HIDDEN_AGAIN + stride, hSample, last ? h1 : 0, last ? hidden1Moment + at : 0);
      if (!draw) continue;
      if (!last) store<i32>(hiddenCounts + (<usize>i << 2), compress(hSample, H, hiddenLists + at, hiddenValueRow(i)));
      else if (persistent) memory.copy(chains + at, hSample, hiddenBytes);
    }
  }
}

/**
 * The lists of the hidden units not zero in the rows [r0, r1) of `states` (H wide), into
 * hiddenLists and hiddenCounts, with their values in hiddenValues where the states are not 0/1.
 */
function listHidden(states: usize, r0: i32, r1: i32): void {
  for (let i = r0; i < r1; i++) {
    const count = compress(states + <usize>i * hiddenBytes, H, hiddenLists + <usize>i * hiddenBytes, hiddenValueRow(i));
    store<i32>(hiddenCounts + (<usize>i << 2), count);
  }
}

/** Where row i's list values go: its row of hiddenValues, or (binary units, whose values are all 1) scratch. */
// @ts-ignore: decorator
@inline function hiddenValueRow(i: i32): usize {
  return hiddenValues ? hiddenValues + <usize>i * hiddenBytes : pre;
}

// Softmax visible groups (docs/training-step.md, "Softmax visible groups"; softmaxStep in
// src/backend/cpu/softmax-step.ts is the reference): each run of softmaxSize visible units is
// one categorical variable, whose probabilities and draws are taken in float64 as the
// reference takes them, so that a draw decides as the reference's does. Here: the groups'
// probabilities and draws, their cross-entropy, the half step and AIS's draws.

import { PHASE_AIS_VISIBLE } from '../constants';
import { uniformRow } from '../philox';
import { compress } from '../sparse';
import { baseBias, bySamples, softmaxSize, uniforms, V } from '../state';
import { f32At } from '../sums';

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
export function softmaxRow(out: usize, logits: usize, x: usize, draw: bool): void {
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
export function crossEntropy(x: usize, a: usize, observed: usize): f64 {
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

/** input = (1 − β)·bA + β·input over a visible row, as sampleOn's arguments of σ. */
function mixLogits(input: usize, beta: f32, rest: f32): void {
  for (let i = 0; i < V; i++) store<f32>(f32At(input, i), rest * load<f32>(f32At(baseBias, i)) + beta * load<f32>(f32At(input, i)));
}

/**
 * The negative phase's visible row at a Gibbs step, from the logits pre = b + h·Wᵀ into v1: each
 * group's probabilities, or with 'samples' statistics one category drawn at (row i, batch,
 * phase); zero where the data row x misses the group.
 */
export function softmaxVisibleStep(v1: usize, pre: usize, x: usize, i: i32, batch: i32, phase: u32): void {
  if (bySamples) uniformRow(uniforms, V / softmaxSize, <u32>i, <u32>batch, phase);
  softmaxRow(v1, pre, x, bySamples);
}

/** AIS: chain r's one-hot visible row at β from input = b + h·Wᵀ, listed in `index`; returns how many units are on. */
export function annealSoftmaxRow(input: usize, index: usize, r: i32, beta: f64): i32 {
  // Each group's category at logits (1 − β)·bA + β·(b + h·Wᵀ), one uniform per group.
  mixLogits(input, <f32>beta, <f32>(1 - beta));
  uniformRow(uniforms, V / softmaxSize, <u32>r, 0, PHASE_AIS_VISIBLE);
  softmaxRow(input, input, 0, true);
  return compress(input, V, index, uniforms);
}

import type { Parameters, TrainingRule } from '../backend.js';
import { gibbsPhase, Phase, type DrawAddress, type UniformSource } from '../../rng/stream.js';
import { applyPlainUpdate, chainStart, hiddenHalfStep, positivePhase, storeChains, type StepScratch } from './cd-step.js';
import { accumulateTransposed, columnMeanDifference, multiplyTransposedAdd } from './kernels.js';

/**
 * Softmax visible groups (docs/training-step.md, "Softmax visible groups"): each run of K
 * visible units is one categorical variable, one-hot in the data; a group of zeros is missing
 * (Salakhutdinov, Mnih & Hinton, "Restricted Boltzmann machines for collaborative filtering",
 * ICML 2007) and stays zero in the model's statistics too.
 */

/**
 * Each group's probabilities softmax(logits) in place, rows × V in groups of `size`; with
 * `draws` (one uniform per row and group, rows × V/size), the one-hot sample instead: the
 * first unit whose cumulative probability exceeds the draw.
 */
export function softmaxGroups(logits: Float32Array, rows: number, visible: number, size: number, draws?: Float32Array): void {
  const groups = visible / size;
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const at = r * visible + g * size;
      let top = -Infinity;
      for (let k = 0; k < size; k++) top = Math.max(top, logits[at + k]);
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp(logits[at + k] - top);
      if (!draws) {
        for (let k = 0; k < size; k++) logits[at + k] = Math.exp(logits[at + k] - top) / sum;
        continue;
      }
      const u = draws[r * groups + g];
      let chosen = size - 1;
      let cumulative = 0;
      for (let k = 0; k < size - 1; k++) {
        cumulative += Math.exp(logits[at + k] - top) / sum;
        if (u < cumulative) {
          chosen = k;
          break;
        }
      }
      for (let k = 0; k < size; k++) logits[at + k] = k === chosen ? 1 : 0;
    }
  }
}

/** Zeroes, in `v`, every group that is all zeros in `x` (the data's missing values). */
export function maskMissingGroups(x: Float32Array, v: Float32Array, rows: number, visible: number, size: number): void {
  for (let at = 0; at < rows * visible; at += size) {
    let observed = false;
    for (let k = 0; k < size && !observed; k++) observed = x[at + k] !== 0;
    if (!observed) v.fill(0, at, at + size);
  }
}

/**
 * −mean over the observed groups of log p(x's category | a), a the visible logits (rows × V):
 * the reconstruction's cross-entropy in nats per categorical variable (0 when none is observed).
 */
export function softmaxCrossEntropy(x: Float32Array, a: Float32Array, rows: number, visible: number, size: number): number {
  let [total, observed] = [0, 0];
  for (let at = 0; at < rows * visible; at += size) {
    let top = -Infinity;
    for (let k = 0; k < size; k++) top = Math.max(top, a[at + k]);
    let sum = 0;
    for (let k = 0; k < size; k++) sum += Math.exp(a[at + k] - top);
    for (let k = 0; k < size; k++) {
      if (x[at + k] === 0) continue;
      total -= x[at + k] * (a[at + k] - top - Math.log(sum));
      observed++;
    }
  }
  return observed === 0 ? 0 : total / observed;
}

/**
 * One CD-k step with softmax visible groups of `rule.softmax.groupSize` units on the batch x,
 * updating `p` in place: contrastiveDivergenceStep with each group's visible units drawn as one
 * categorical variable (one uniform per row and group at gibbsPhase(visible, t); the
 * probabilities themselves with 'probabilities' statistics) and the data's missing groups kept
 * at zero. Returns the batch's softmax cross-entropy after the update, from the same h0.
 */
export function softmaxStep(
  p: Parameters,
  x: Float32Array,
  rows: number,
  rule: TrainingRule,
  at: (phase: number) => DrawAddress,
  uniforms: UniformSource,
  s: StepScratch,
): number {
  const V = p.visibleBias.length;
  const H = p.hiddenBias.length;
  const W = p.weights;
  const size = rule.softmax!.groupSize;
  const bySamples = rule.statistics === 'samples';

  positivePhase(p, x, rows, at, uniforms, s);
  let chain = chainStart(p, rule, rows, s);
  const visible = s.visibleProb;
  let hiddenAgain = s.hiddenAgainProb;
  for (let t = 1; t <= rule.cdSteps; t++) {
    multiplyTransposedAdd(chain, rows, H, W, V, p.visibleBias, visible, s.weightsTransposed);
    if (bySamples) uniforms(at(gibbsPhase(Phase.visible, t)), rows, V / size, s.uniforms);
    softmaxGroups(visible, rows, V, size, bySamples ? s.uniforms : undefined);
    maskMissingGroups(x, visible, rows, V, size);
    let next: Float32Array | undefined;
    [hiddenAgain, next] = hiddenHalfStep(p, visible, rows, rule, t, at, uniforms, s);
    chain = next ?? chain;
  }
  const hidden = bySamples ? s.hidden : s.hiddenProb;

  s.weightGradient.fill(0);
  accumulateTransposed(x, rows, V, hidden, H, 1, s.weightGradient);
  accumulateTransposed(visible, rows, V, hiddenAgain, H, -1, s.weightGradient);
  columnMeanDifference(x, visible, rows, V, s.visibleGradient);
  columnMeanDifference(hidden, hiddenAgain, rows, H, s.hiddenGradient);
  applyPlainUpdate(p, rule, rows, s);
  if (rule.persistent) storeChains(p, chain, rows * H);

  multiplyTransposedAdd(s.hidden, rows, H, W, V, p.visibleBias, s.visibleProb, s.weightsTransposed);
  return softmaxCrossEntropy(x, s.visibleProb, rows, V, size);
}

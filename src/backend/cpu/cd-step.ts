import type { TrainingRule } from '../backend.js';
import type { Parameters } from '../../parameters.js';
import type { Draws, ModelLayers } from '../../layers/layer.js';
import { gibbsPhase, Phase, type DrawAddress, type UniformSource } from '../../rng/stream.js';
import { accumulateTransposed, columnMeanDifference, multiplyAdd, multiplyTransposedAdd } from './kernels.js';
import type { StepScratch } from './scratch.js';
import { centredUpdate } from './centring.js';
import { applyOwnUpdates, applyPlainUpdate } from './update.js';
import { temperedNegativePhase } from './tempering.js';

/**
 * One contrastive-divergence step of the reference, written once for every pair of unit types
 * (docs/training-step.md, docs/layers.md): the layers turn pre-activations into means and
 * samples, the step moves the chain, forms the statistics, and applies the update.
 */

/** Where a half step draws: its address and the generator, with room for the uniforms. */
function draws(at: (phase: number) => DrawAddress, phase: number, uniforms: UniformSource, s: StepScratch): Draws {
  return { address: at(phase), uniforms, scratch: s.uniforms };
}

/**
 * The positive phase: s.hiddenPre = c + input·W, s.hiddenProb its means and s.hidden their
 * sample drawn at phase `hidden`; `input` is the batch as the hidden units see it (rows × V).
 */
export function positivePhase(layers: ModelLayers, p: Parameters, input: Float32Array, rows: number, at: (phase: number) => DrawAddress, uniforms: UniformSource, s: StepScratch): void {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  multiplyAdd(input, rows, V, p.weights, H, p.hiddenBias, s.hiddenPre);
  layers.hidden.mean(p, s.hiddenPre, rows * H, s.hiddenProb);
  layers.hidden.sample(p, s.hiddenPre, s.hiddenProb, rows, draws(at, Phase.hidden, uniforms, s), s.hidden);
}

/** Where the negative chain starts: h0, or with persistent CD the stored chains (zero where there are none yet). */
export function chainStart(p: Parameters, rule: TrainingRule, rows: number, s: StepScratch): Float32Array {
  if (!rule.persistent) return s.hidden;
  const H = p.hiddenBias.length;
  s.chain.fill(0);
  if (p.hiddenChains) s.chain.set(p.hiddenChains.subarray(0, Math.min(p.hiddenChains.length, rows * H)));
  return s.chain;
}

/**
 * The hidden half of Gibbs step t: s.hiddenAgainPre = c + input·W (+ `extra`, rows × H, when
 * given), s.hiddenAgainProb its means, sampled into s.hiddenAgain at gibbsPhase(hiddenAgain, t)
 * unless this is the last step of a non-persistent chain whose statistics are not samples.
 * Returns the statistic the gradient reads (sample or mean) and the chain's next state.
 */
export function hiddenHalfStep(
  layers: ModelLayers, p: Parameters, input: Float32Array, rows: number, rule: TrainingRule, t: number,
  at: (phase: number) => DrawAddress, uniforms: UniformSource, s: StepScratch, extra?: (out: Float32Array) => void,
): [statistic: Float32Array, chain: Float32Array | undefined] {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  const bySamples = rule.statistics === 'samples';
  multiplyAdd(input, rows, V, p.weights, H, p.hiddenBias, s.hiddenAgainPre);
  extra?.(s.hiddenAgainPre);
  layers.hidden.mean(p, s.hiddenAgainPre, rows * H, s.hiddenAgainProb);
  if (!(bySamples || rule.persistent || t < rule.cdSteps)) return [s.hiddenAgainProb, undefined];
  layers.hidden.sample(p, s.hiddenAgainPre, s.hiddenAgainProb, rows, draws(at, gibbsPhase(Phase.hiddenAgain, t), uniforms, s), s.hiddenAgain);
  return [bySamples ? s.hiddenAgain : s.hiddenAgainProb, s.hiddenAgain];
}

/**
 * One CD-k step on the batch x (rows × V), updating `p` in place (docs/training-step.md), and
 * the batch's loss computed after the update from the same hidden sample (simple_rbm's KL, or
 * the visible layer's own loss). Gibbs step t draws with gibbsPhase(…, t); persistent CD starts
 * the negative chain from p.hiddenChains (zero where it has none yet) and leaves its last hidden
 * sample there.
 */
export function contrastiveDivergenceStep(
  layers: ModelLayers,
  p: Parameters,
  x: Float32Array,
  rows: number,
  rule: TrainingRule,
  at: (phase: number) => DrawAddress,
  uniforms: UniformSource,
  s: StepScratch,
): number {
  const { visible: visibleLayer, hidden: hiddenLayer } = layers;
  const V = p.visibleBias.length;
  const H = p.hiddenBias.length;
  const W = p.weights;
  const bySamples = rule.statistics === 'samples';

  const seenData = visibleLayer.seen(p, x, rows, s.seenData);
  positivePhase(layers, p, seenData, rows, at, uniforms, s);
  let chain = chainStart(p, rule, rows, s);
  let visible = s.visibleProb;
  let seenModel = s.visibleProb;
  let hiddenAgain = s.hiddenAgainProb;
  for (let t = 1; t <= rule.cdSteps && !rule.parallelTempering; t++) {
    multiplyTransposedAdd(chain, rows, H, W, V, p.visibleBias, s.visibleProb, s.weightsTransposed);
    const states = visibleLayer.halfStep(p, {
      x, rows, statistics: rule.statistics, draws: draws(at, gibbsPhase(Phase.visible, t), uniforms, s), mean: s.visibleProb, sample: s.visible, seen: s.seenModel,
    });
    [visible, seenModel] = [states.statistic, states.seen];
    let next: Float32Array | undefined;
    [hiddenAgain, next] = hiddenHalfStep(layers, p, states.hiddenInput, rows, rule, t, at, uniforms, s);
    chain = next ?? chain;
  }
  if (rule.parallelTempering) [visible, hiddenAgain] = temperedNegativePhase(p, rows, rule, at, uniforms, s);
  if (rule.parallelTempering) seenModel = visible;
  const hidden = bySamples ? s.hidden : s.hiddenProb;

  s.weightGradient.fill(0);
  accumulateTransposed(seenData, rows, V, hidden, H, 1, s.weightGradient);
  accumulateTransposed(seenModel, rows, V, hiddenAgain, H, -1, s.weightGradient);
  columnMeanDifference(seenData, seenModel, rows, V, s.visibleGradient);
  columnMeanDifference(hidden, hiddenAgain, rows, H, s.hiddenGradient);
  // The layers' own tensors learn from the parameters before the update.
  const own = [
    ...(visibleLayer.ownGradients?.(p, { x, hidden, visible, hiddenAgain, rows, bySamples, transposed: s.weightsTransposed }) ?? []),
    ...(hiddenLayer.ownGradients?.(p, { positive: { z: s.hiddenPre, statistic: hidden }, negative: { z: s.hiddenAgainPre, statistic: hiddenAgain }, rows, bySamples }) ?? []),
  ];

  if (rule.centring) {
    centredUpdate(p, rule, rows, hidden, s);
  } else {
    const { step } = applyPlainUpdate(p, rule, rows, s);
    applyOwnUpdates(p, own, step, rule.momentum);
    hiddenLayer.constrain?.(p);
  }
  if (rule.persistent && !rule.parallelTempering) storeChains(p, chain, rows * H);

  multiplyTransposedAdd(s.hidden, rows, H, W, V, p.visibleBias, s.visibleProb, s.weightsTransposed);
  return visibleLayer.loss(p, x, s.visibleProb, rows);
}

/** Keeps the chains' last hidden samples, growing the store to the largest batch seen. */
export function storeChains(p: Parameters, chain: Float32Array, count: number): void {
  const store = p as { hiddenChains?: Float32Array };
  if (!store.hiddenChains || store.hiddenChains.length < count) {
    const grown = new Float32Array(count);
    if (store.hiddenChains) grown.set(store.hiddenChains);
    store.hiddenChains = grown;
  }
  store.hiddenChains.set(chain.subarray(0, count));
}

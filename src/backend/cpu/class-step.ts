import type { TrainingRule } from '../backend.js';
import type { Parameters } from '../../parameters.js';
import { gibbsPhase, Phase, type DrawAddress, type UniformSource } from '../../rng/stream.js';
import { sigmoid, softmaxRows, softplus } from '../../math.js';
import { binaryHidden, binaryVisible, sampleBernoulli as sample, sigmoidInPlace } from '../../layers/binary.js';
import type { ModelLayers } from '../../layers/layer.js';
import { hiddenHalfStep } from './cd-step.js';
import { accumulateTransposed, multiplyAdd, multiplyTransposedAdd } from './kernels.js';
import type { ClassScratch, StepScratch } from './scratch.js';
import { addWeightDecay, applyMomentum, applyPlainUpdate } from './update.js';

/** The label layer's model: binary visible and hidden units. */
const LAYERS: ModelLayers = { visible: binaryVisible, hidden: binaryHidden };

/**
 * The classification RBM (Larochelle & Bengio, "Classification using discriminative restricted
 * Boltzmann machines", ICML 2008; docs/training-step.md, "Label layer"): a softmax label y of
 * C classes joined to the hidden layer by U (C × H, row-major: U[y·H + j]) with biases d (C).
 * E(x, y, h) = −(x·W·hᵀ + b·x + c·h + d_y + U_y·h).
 */

/**
 * log p(y | x) up to a constant per row, from the hidden pre-activations a = c + x·W (rows × H):
 * score[r·C + y] = d_y + Σ_j softplus(a_rj + U_yj). p(y | x) is their softmax: the free energies
 * of (x, y) decide the class exactly.
 */
export function classScores(p: Parameters, a: Float32Array, rows: number, out: Float64Array): void {
  const U = p.labelWeights!;
  const d = p.labelBias!;
  const [C, H] = [d.length, p.hiddenBias.length];
  for (let r = 0; r < rows; r++) {
    for (let y = 0; y < C; y++) {
      let s = d[y];
      for (let j = 0; j < H; j++) s += softplus(a[r * H + j] + U[y * H + j]);
      out[r * C + y] = s;
    }
  }
}

/**
 * The exact gradient of Σ_r log p(y_r | x_r) (Larochelle & Bengio, eq. 4), added with weight
 * `scale`: with s_yj = σ(a_j + U_yj), the hidden term g_j = s_{y_r j} − Σ_y p(y | x)·s_yj feeds
 * W (xᵀ·g) and c; U_y gains (1[y = y_r] − p(y | x))·s_y and d_y the same bracket.
 */
function addDiscriminativeGradient(
  p: Parameters, x: Float32Array, labels: Uint32Array, rows: number, scale: number, c: ClassScratch, s: StepScratch,
): void {
  const U = p.labelWeights!;
  const [V, H, C] = [p.visibleBias.length, p.hiddenBias.length, p.labelBias!.length];
  for (let r = 0; r < rows; r++) {
    const term = c.hiddenTerm.subarray(r * H, (r + 1) * H);
    term.fill(0);
    for (let y = 0; y < C; y++) {
      const chosen = y === labels[r] ? 1 : 0;
      const weight = chosen - c.posterior[r * C + y];
      c.labelBiasGradient[y] += (scale * weight) / rows;
      for (let j = 0; j < H; j++) {
        const on = sigmoid(c.activation[r * H + j] + U[y * H + j]);
        term[j] += weight * on;
        c.labelWeightGradient[y * H + j] += scale * weight * on;
      }
    }
    for (let j = 0; j < H; j++) s.hiddenGradient[j] += (scale * term[j]) / rows;
  }
  accumulateTransposed(x, rows, V, c.hiddenTerm, H, scale, s.weightGradient);
}

/** Adds U_y to each row's activation (rows × H) for its label y. */
function addLabelRows(U: Float32Array, labels: Uint32Array, rows: number, H: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) for (let j = 0; j < H; j++) out[r * H + j] += U[labels[r] * H + j];
}

/**
 * The generative (joint) CD-k gradient of log p(x, y), added with weight `scale`: (x, y) is a
 * visible layer whose last C units form one softmax group. h0 ~ σ(c + x·W + U_y); each Gibbs
 * step draws x ~ σ(b + h·Wᵀ) (sampled with 'samples' statistics), y ~ softmax(d + U·h) (one
 * uniform per row at gibbsPhase(label, t), always sampled), h ~ σ(c + x·W + U_y).
 */
function addGenerativeGradient(
  p: Parameters, x: Float32Array, labels: Uint32Array, rows: number, rule: TrainingRule, scale: number,
  at: (phase: number) => DrawAddress, uniforms: UniformSource, c: ClassScratch, s: StepScratch,
): void {
  const U = p.labelWeights!;
  const d = p.labelBias!;
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  const bySamples = rule.statistics === 'samples';
  s.hiddenProb.set(c.activation.subarray(0, rows * H));
  addLabelRows(U, labels, rows, H, s.hiddenProb);
  sigmoidInPlace(s.hiddenProb, rows * H);
  uniforms(at(Phase.hidden), rows, H, s.uniforms);
  sample(s.hiddenProb, s.uniforms, rows * H, s.hidden);
  let chain = s.hidden;
  let visible = s.visibleProb;
  let hiddenAgain = s.hiddenAgainProb;
  for (let t = 1; t <= rule.cdSteps; t++) {
    multiplyTransposedAdd(chain, rows, H, p.weights, V, p.visibleBias, s.visibleProb, s.weightsTransposed);
    sigmoidInPlace(s.visibleProb, rows * V);
    visible = s.visibleProb;
    if (bySamples) {
      uniforms(at(gibbsPhase(Phase.visible, t)), rows, V, s.uniforms);
      sample(s.visibleProb, s.uniforms, rows * V, s.visible);
      visible = s.visible;
    }
    uniforms(at(gibbsPhase(Phase.label, t)), rows, 1, c.labelDraws);
    drawLabels(U, d, chain, rows, H, c.labelDraws, c.modelLabels);
    let next: Float32Array | undefined;
    [hiddenAgain, next] = hiddenHalfStep(LAYERS, p, visible, rows, rule, t, at, uniforms, s, (out) => addLabelRows(U, c.modelLabels, rows, H, out));
    chain = next ?? chain;
  }
  const hidden = bySamples ? s.hidden : s.hiddenProb;
  accumulateTransposed(x, rows, V, hidden, H, scale, s.weightGradient);
  accumulateTransposed(visible, rows, V, hiddenAgain, H, -scale, s.weightGradient);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < V; i++) s.visibleGradient[i] += (scale * (x[r * V + i] - visible[r * V + i])) / rows;
    for (let j = 0; j < H; j++) {
      s.hiddenGradient[j] += (scale * (hidden[r * H + j] - hiddenAgain[r * H + j])) / rows;
      c.labelWeightGradient[labels[r] * H + j] += scale * hidden[r * H + j];
      c.labelWeightGradient[c.modelLabels[r] * H + j] -= scale * hiddenAgain[r * H + j];
    }
    c.labelBiasGradient[labels[r]] += scale / rows;
    c.labelBiasGradient[c.modelLabels[r]] -= scale / rows;
  }
}

/** y ~ softmax(d + U·h) for each row of h, by inverting the cumulative sum at the row's uniform. */
function drawLabels(U: Float32Array, d: Float32Array, h: Float32Array, rows: number, H: number, u: Float32Array, out: Uint32Array): void {
  const C = d.length;
  const logits = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    let top = -Infinity;
    for (let y = 0; y < C; y++) {
      let s = d[y];
      for (let j = 0; j < H; j++) s += U[y * H + j] * h[r * H + j];
      logits[y] = s;
      top = Math.max(top, s);
    }
    let sum = 0;
    for (let y = 0; y < C; y++) sum += (logits[y] = Math.exp(logits[y] - top));
    let y = 0;
    for (let cumulative = logits[0] / sum; y < C - 1 && u[r] >= cumulative; cumulative += logits[++y] / sum);
    out[r] = y;
  }
}

/**
 * One step of a classification RBM on the batch x (rows × V) with labels y, updating `p` in
 * place by the rule's objective: 'discriminative' follows the exact gradient of log p(y | x),
 * 'generative' the CD-k gradient of log p(x, y), 'hybrid' the first plus generativeWeight times
 * the second (Larochelle & Bengio). Returns the batch's mean −log p(y | x) before the update.
 */
export function classStep(
  p: Parameters,
  x: Float32Array,
  labels: Uint32Array,
  rows: number,
  rule: TrainingRule,
  at: (phase: number) => DrawAddress,
  uniforms: UniformSource,
  s: StepScratch,
): number {
  const [V, H] = [p.visibleBias.length, p.hiddenBias.length];
  const { objective, generativeWeight } = rule.labels!;
  const c = s.classes(p.labelBias!.length);
  multiplyAdd(x, rows, V, p.weights, H, p.hiddenBias, c.activation);
  classScores(p, c.activation, rows, c.posterior);
  const loss = softmaxRows(c.posterior, rows, p.labelBias!.length, labels) / rows;

  s.weightGradient.fill(0);
  s.visibleGradient.fill(0);
  s.hiddenGradient.fill(0);
  c.labelWeightGradient.fill(0);
  c.labelBiasGradient.fill(0);
  if (objective !== 'generative') addDiscriminativeGradient(p, x, labels, rows, 1, c, s);
  if (objective !== 'discriminative') {
    const scale = objective === 'hybrid' ? generativeWeight : 1;
    addGenerativeGradient(p, x, labels, rows, rule, scale, at, uniforms, c, s);
  }

  const { step, weightStep } = applyPlainUpdate(p, rule, rows, s);
  addWeightDecay(p.labelWeights!, rule, step, weightStep, c.labelWeightGradient);
  applyMomentum(p.labelWeights!, p.labelWeightVelocity!, c.labelWeightGradient, weightStep, rule.momentum);
  applyMomentum(p.labelBias!, p.labelBiasVelocity!, c.labelBiasGradient, step, rule.momentum);
  return loss;
}

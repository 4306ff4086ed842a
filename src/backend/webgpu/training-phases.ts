/**
 * The phase builders of a training batch (docs/training-step.md), each returning its dispatches
 * in order and owning the buffers it makes: the gather, the positive phase, the negative chain
 * (plain CD-k or PCD; parallel tempering in tempering.ts, a label layer's batch in labels.ts),
 * the gradient and update (with the layers' own tensors' steps), centring, and the loss. The
 * Trainer runs them in that order. The hidden units' states come from the matmul with their
 * unit snippet (units.ts), which also writes the second moments γ's step reads.
 */
import { gibbsPhase, Phase } from '../../rng/stream.js';
import { createBuffer, Usage } from './buffers.js';
import type { Dispatch } from './dispatch.js';
import { gaussianVisiblePass, logVarianceStep } from './gaussian.js';
import { visibleBiasWeight } from './labels.js';
import { ELEMENTWISE, Epilogue, TILE_M, TILE_N, UNITS_WG, Write } from './params.js';
import {
  centredBiases, gammaStep, gather, gatherPixels, gaussianVisible, gradient, hiddenOffset, logVariance, lossReduce, matmul, softmaxGroups, softmaxLoss, update,
} from './programs.js';
import { softmaxGroupsPass, softmaxLossDispatch } from './softmax.js';
import { ceilDiv, splitCount, type NegativePhase, type TrainerContext } from './trainer-context.js';
import { Centring, Dims, LossCall } from './uniforms.js';

/** Gaussian units: v/σ² of a block of visible states into the visible stack, drawing the noise first when given a phase (the model's block); other units: nothing. */
async function gaussianScaling(ctx: TrainerContext): Promise<(label: string, block: number, phase?: number) => Dispatch[]> {
  if (!ctx.shape.kinds.gaussian) return () => [];
  const kernel = await ctx.kernels.get(gaussianVisible);
  const buffers = { raw: ctx.visibleStates, scaled: ctx.visibleStack, rule: ctx.rule };
  return (label, block, phase) => [
    gaussianVisiblePass(ctx.device, kernel, ctx.model, buffers, { label, block, draws: phase !== undefined, phase: phase ?? 0, rows: ctx.shape.maxRows }, ctx.own),
  ];
}

/** The batch's rows from each chunk of the data (float32, or 8-bit through the pixel values) into the visible states; Gaussian units' X/σ² after. */
export async function gatherPhase(ctx: TrainerContext): Promise<Dispatch[]> {
  const { data } = ctx;
  const grid = [ceilDiv(ctx.model.visible, ELEMENTWISE.wgX), ceilDiv(ctx.shape.maxRows, ELEMENTWISE.wgY)] as const;
  const [floats, pixels, scaled] = await Promise.all([
    data.pixelValues ? undefined : ctx.kernels.get(gather),
    data.pixelValues ? ctx.kernels.get(gatherPixels) : undefined,
    gaussianScaling(ctx),
  ]);
  const chunks = data.chunks.map((chunk): Dispatch =>
    pixels
      ? pixels.dispatch('gather pixels', { data: chunk.buffer, order: ctx.order, batch: ctx.visibleStates, chunk: chunk.uniform, values: data.pixelValues! }, ...grid)
      : floats!.dispatch('gather', { data: chunk.buffer, order: ctx.order, batch: ctx.visibleStates, chunk: chunk.uniform }, ...grid),
  );
  return [...chunks, ...scaled('X/σ²', 0)];
}

/** Where the hidden units learn γ, a hidden statistic's second moment goes with it, two blocks of rows after it. */
function momentFlag(ctx: TrainerContext): number {
  return ctx.learnsGamma ? Write.moment : 0;
}

/** h0 | c + X·W: its statistic into the hidden stack's first block (its second moment into the third), its samples into hidden0. */
export async function positivePhase(ctx: TrainerContext): Promise<Dispatch[]> {
  const { model: m } = ctx;
  const up = await ctx.kernels.get(matmul, { transposeB: false, epilogue: Epilogue.sample, unit: ctx.hiddenUnits });
  const call = ctx.matmulCall('h0 call', { n: m.hidden, k: m.visible, aBlock: 0, outBlock: 0, phase: Phase.hidden, flags: Write.stat | Write.samples | momentFlag(ctx) });
  const operands = m.matmul({ a: ctx.visibleStack, bias: m.hiddenBias, stat: ctx.hiddenStack, samples: ctx.hidden0, call, rule: ctx.rule });
  return [up.dispatch('h0', operands, ceilDiv(m.hidden, TILE_N), ctx.rowsGrid)];
}

/**
 * The negative chain: k Gibbs steps from h0 (or from the persistent chains). Step t reads the
 * hidden states the step before sampled and draws with gibbsPhase(…, t); the last step leaves
 * v_k in the visible stack's lower half and its hidden statistic in the hidden stack's second
 * block (its second moment in the fourth).
 * Gaussian units: the product gives the means, and gaussian-visible.wgsl the rest; softmax
 * groups: the product gives the logits, and softmax-groups.wgsl their probabilities or draws,
 * the data's missing groups zeroed.
 */
export async function gibbsChain(ctx: TrainerContext): Promise<NegativePhase> {
  const { model: m, shape } = ctx;
  const { chain, maxRows, kinds } = shape;
  const [V, H] = [m.visible, m.hidden];
  const raw = kinds.gaussian !== undefined || kinds.softmax !== undefined;
  const [down, up, scaled, groupsKernel] = await Promise.all([
    ctx.kernels.get(matmul, { transposeB: true, epilogue: raw ? Epilogue.activation : Epilogue.sample }),
    ctx.kernels.get(matmul, { transposeB: false, epilogue: Epilogue.sample, unit: ctx.hiddenUnits }),
    gaussianScaling(ctx),
    kinds.softmax ? ctx.kernels.get(softmaxGroups) : undefined,
  ]);
  const groups = (label: string, phase: number): Dispatch[] =>
    groupsKernel
      ? [softmaxGroupsPass(ctx.device, groupsKernel, ctx.visibleStack, ctx.rule, { label, visible: V, size: kinds.softmax!.groupSize, block: 1, phase, mask: true, rows: maxRows }, ctx.own)]
      : [];
  const hiddenSample = ctx.storage('h_t samples', maxRows * H);
  // 'mixed': v_t's samples go here for the hidden half step, its probabilities to the stack.
  const visibleSample = chain.sampledVisible ? ctx.storage('v_t samples', maxRows * V) : undefined;
  const dispatches: Dispatch[] = [];
  for (let t = 1; t <= chain.cdSteps; t++) {
    const last = t === chain.cdSteps;
    const from = t > 1 ? hiddenSample : chain.persistent ? ctx.chains : ctx.hidden0;
    const visiblePhase = gibbsPhase(Phase.visible, t);
    const downCall = ctx.matmulCall(`v${t} call`, { n: V, k: H, aBlock: 0, outBlock: 1, phase: visiblePhase, flags: Write.stat | (visibleSample ? Write.samples : 0) });
    dispatches.push(
      down.dispatch(`v${t}`, m.matmul({ a: from, bias: m.visibleBias, stat: ctx.visibleStates, samples: visibleSample, call: downCall, rule: ctx.rule }), ceilDiv(V, TILE_N), ctx.rowsGrid),
      ...scaled(`v${t}/σ²`, 1, visiblePhase),
      ...groups(`v${t} groups`, visiblePhase),
    );
    const samples = !last ? hiddenSample : chain.persistent ? ctx.chains : undefined;
    const flags = (last ? Write.stat | momentFlag(ctx) : 0) | (samples ? Write.samples : 0);
    const upCall = ctx.matmulCall(`h${t} call`, { n: H, k: V, aBlock: visibleSample ? 0 : 1, outBlock: 1, phase: gibbsPhase(Phase.hiddenAgain, t), flags });
    const upOperands = m.matmul({ a: visibleSample ?? ctx.visibleStack, bias: m.hiddenBias, stat: last ? ctx.hiddenStack : undefined, samples, call: upCall, rule: ctx.rule });
    dispatches.push(up.dispatch(`h${t}`, upOperands, ceilDiv(H, TILE_N), ctx.rowsGrid));
  }
  return { dispatches };
}

/**
 * The weight gradient's split-K product, the layers' own tensors' steps (Gaussian visible units'
 * log-variances, the hidden units' γ), then the momentum update of W, b and c.
 */
export async function gradientStep(ctx: TrainerContext): Promise<Dispatch[]> {
  const { model: m, shape } = ctx;
  const [V, H] = [m.visible, m.hidden];
  const { gaussian, labels } = shape.kinds;
  const [product, step, variance, gamma] = await Promise.all([
    ctx.kernels.get(gradient),
    ctx.kernels.get(update, { centred: shape.centred }),
    gaussian?.learnVariance ? ctx.kernels.get(logVariance) : undefined,
    ctx.learnsGamma ? ctx.kernels.get(gammaStep) : undefined,
  ]);
  const slices = splitCount(V, H, shape.maxRows);
  const partials = ctx.storage('gradient partials', slices * (V + 1) * (H + 1));
  const dims = ctx.uniform('dims', Dims, { v: V, h: H, ones: labels ? visibleBiasWeight(labels) : 1 });
  const { health, layout, rule } = ctx;
  return [
    product.dispatch('gradient', { visibleStack: ctx.visibleStack, hiddenStack: ctx.hiddenStack, partials, dims }, ceilDiv(H + 1, TILE_N), ceilDiv(V + 1, TILE_M), slices),
    ...(variance ? [logVarianceStep(variance, m, { partials, visibleStates: ctx.visibleStates, health, layout, rule })] : []),
    ...(gamma ? [gamma.dispatch('γ step', { hiddenStack: ctx.hiddenStack, params: m.params, velocity: m.velocity, health, shape: layout, rule }, ceilDiv(H, UNITS_WG))] : []),
    step.dispatch('update', { partials, params: m.params, velocity: m.velocity, health, shape: layout, rule }, ceilDiv(H + 1, ELEMENTWISE.wgX), ceilDiv(V + 1, ELEMENTWISE.wgY)),
  ];
}

/** Centring's dispatches, and its per-epoch uniform (the offset rate) for the trainer to write. */
export interface CentringStep {
  readonly dispatches: Dispatch[];
  readonly uniform?: GPUBuffer;
}

/**
 * Centring, after the update (its centred variant): the plain biases follow the weight step,
 * then λ follows the positive phase; each reads what the one before it wrote.
 */
export async function centringStep(ctx: TrainerContext): Promise<CentringStep> {
  if (!ctx.shape.centred) return { dispatches: [] };
  const { model: m, health, layout } = ctx;
  const [biases, offset] = await Promise.all([ctx.kernels.get(centredBiases), ctx.kernels.get(hiddenOffset)]);
  const centring = ctx.own(createBuffer(ctx.device, 'centring', Centring.size, Usage.uniform));
  return {
    uniform: centring,
    dispatches: [
      biases.dispatch('centred biases', { params: m.params, velocity: m.velocity, health, shape: layout }, ceilDiv(m.visible + m.hidden, UNITS_WG)),
      offset.dispatch('hidden offset', { hiddenStack: ctx.hiddenStack, params: m.params, health, shape: layout, centring }, ceilDiv(m.hidden, UNITS_WG)),
    ],
  };
}

/**
 * The batch's loss after the update, into epochLoss (a label layer's batch reports its own
 * before the update): the KL, or Gaussian units' mean squared error, from the loss epilogue's
 * sums; softmax groups: the logits b + h0·Wᵀ, then their cross-entropy against the data.
 */
export async function lossPhase(ctx: TrainerContext): Promise<Dispatch[]> {
  const { gaussian, labels, softmax } = ctx.shape.kinds;
  if (labels) return [];
  const { model: m } = ctx;
  const { maxRows } = ctx.shape;
  const [V, H] = [m.visible, m.hidden];
  const epilogue = gaussian ? Epilogue.squaredError : softmax ? Epilogue.activation : Epilogue.kl;
  const [terms, reduce, crossEntropy] = await Promise.all([
    ctx.kernels.get(matmul, { transposeB: true, epilogue }),
    softmax ? undefined : ctx.kernels.get(lossReduce, { squaredError: gaussian !== undefined }),
    softmax ? ctx.kernels.get(softmaxLoss) : undefined,
  ]);
  if (crossEntropy) {
    const logits = ctx.storage('logits b + h0·Wᵀ', maxRows * V);
    const call = ctx.matmulCall('logits call', { n: V, k: H, aBlock: 0, outBlock: 0, phase: 0, flags: Write.stat });
    return [
      terms.dispatch('logits', m.matmul({ a: ctx.hidden0, bias: m.visibleBias, stat: logits, call, rule: ctx.rule }), ceilDiv(V, TILE_N), ctx.rowsGrid),
      softmaxLossDispatch(ctx.device, crossEntropy, { data: ctx.visibleStack, logits, epochLoss: ctx.epochLoss }, V, softmax!.groupSize, ctx.own),
    ];
  }
  const grid = [ceilDiv(V, TILE_N), ceilDiv(maxRows, TILE_M)] as const;
  const lossPartials = ctx.storage('loss partials', grid[0] * grid[1]);
  const call = ctx.matmulCall('loss call', { n: V, k: H, aBlock: 0, outBlock: 0, phase: 0, flags: 0 });
  const count = grid[0] * grid[1];
  return [
    terms.dispatch('loss terms', m.matmul({ a: ctx.hidden0, bias: m.visibleBias, aux: ctx.visibleStates, lossPartials, call, rule: ctx.rule }), ...grid),
    reduce!.dispatch('loss reduce', { lossPartials, epochLoss: ctx.epochLoss, call: ctx.uniform('loss reduce call', LossCall, { count, visible: V }) }, 1),
  ];
}

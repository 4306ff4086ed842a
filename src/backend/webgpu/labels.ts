/**
 * A label layer on the GPU: the labelled training batch that replaces the positive phase and
 * the negative chain (docs/training-step.md, "Label layer"), and the class scores of inference.
 */
import { gibbsPhase, Phase } from '../../rng/stream.js';
import type { TrainingRule } from '../backend.js';
import type { Dispatch } from './dispatch.js';
import type { KernelOf } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import { ELEMENTWISE, Epilogue, MAX_GROUPS, TILE_N, UNITS_WG, Write } from './params.js';
import { classScores, labelDraw, labelGather, labelTerm, labelUpdate, lossReduce, matmul } from './programs.js';
import { ceilDiv, type TrainerContext } from './trainer-context.js';
import { LabelCall, LossCall } from './uniforms.js';

export type LabelRule = NonNullable<TrainingRule['labels']>;

/** The ones column's weight in the weight gradient (Dims.ones): the visible bias follows the generative part alone. */
export function visibleBiasWeight(rule: LabelRule): number {
  return rule.objective === 'discriminative' ? 0 : rule.objective === 'hybrid' ? rule.generativeWeight : 1;
}

async function labelKernels(ctx: TrainerContext) {
  const { kernels } = ctx;
  const [gather, activation, posterior, loss, down, sampleUp, term, combine, update, draw] = await Promise.all([
    kernels.get(labelGather),
    kernels.get(matmul, { transposeB: false, epilogue: Epilogue.activation }),
    kernels.get(classScores, { posterior: true }),
    kernels.get(lossReduce, { squaredError: true }),
    kernels.get(matmul, { transposeB: true, epilogue: Epilogue.sample }),
    // σ(c + v·W + U_y), sampled.
    kernels.get(matmul, { transposeB: false, epilogue: Epilogue.sample, labelled: true }),
    kernels.get(labelTerm, { combine: false }),
    kernels.get(labelTerm, { combine: true }),
    kernels.get(labelUpdate),
    kernels.get(labelDraw),
  ]);
  return { gather, activation, posterior, loss, down, sampleUp, term, combine, update, draw };
}

/**
 * One labelled batch from the gathered X to the stacked statistics the gradient product reads
 * (src/backend/cpu/class-step.ts is the reference): the batch's classes and U_y, a = c + X·W,
 * p(y | x) and the batch's mean −log p(y | x) (its loss, before the update), the generative
 * CD-k chain over (x, y) with a label drawn per row at each step, the discriminative hidden
 * term, the label layer's own step, and the two gradients' statistics combined into the hidden
 * stack (label-term.wgsl's COMBINE).
 */
export async function labelledBatch(ctx: TrainerContext, rule: LabelRule): Promise<Dispatch[]> {
  const { model: m } = ctx;
  const { maxRows, chain } = ctx.shape;
  const [V, H, C] = [m.visible, m.hidden, m.classes];
  const k = await labelKernels(ctx);
  const generative = rule.objective !== 'discriminative';
  const discriminative = rule.objective !== 'generative';
  const labelCall = (label: string, phase: number) => ctx.uniform(label, LabelCall, {
    hidden: H, classes: C, labelWeights: m.offset('labelWeights'), labelBias: m.offset('labelBias'),
    discriminative: discriminative ? 1 : 0, generative: generative ? 1 : 0,
    generativeWeight: rule.objective === 'hybrid' ? rule.generativeWeight : 1, phase,
  });
  const call = labelCall('label call', 0);
  const activation = ctx.storage('c + X·W', maxRows * H);
  const posterior = ctx.storage('p(y | x)', maxRows * C);
  // The data's classes, then the chain's: 2·maxRows u32.
  const batchLabels = ctx.storage('[y; ŷ]', 2 * maxRows);
  const labelRows = ctx.storage('U_y rows', maxRows * H);
  const rowGrid = [Math.min(maxRows, MAX_GROUPS), ceilDiv(maxRows, MAX_GROUPS)] as const;
  const rowLoss = ctx.storage('−log p(y | x) per row', rowGrid[0] * rowGrid[1]);
  const unitsGrid = (columns: number) => [ceilDiv(columns, ELEMENTWISE.wgX), ceilDiv(maxRows, ELEMENTWISE.wgY)] as const;
  const hiddenGrid = [ceilDiv(H, TILE_N), ctx.rowsGrid] as const;
  const { visibleStack, hiddenStack, hidden0, rule: ruleBuffer } = ctx;

  const dispatches: Dispatch[] = [
    k.gather.dispatch('label gather', { labels: ctx.data.labels!, order: ctx.order, params: m.params, batchLabels, labelRows, call }, ...unitsGrid(H)),
    k.activation.dispatch('activation', m.matmul({
      a: visibleStack, bias: m.hiddenBias, stat: activation, rule: ruleBuffer,
      call: ctx.matmulCall('activation call', { n: H, k: V, aBlock: 0, outBlock: 0, phase: 0, flags: Write.stat }),
    }), ...hiddenGrid),
    k.posterior.dispatch('class posterior', { activation, params: m.params, batchLabels, scores: posterior, rowLoss, call }, ...rowGrid),
    k.loss.dispatch('label loss', {
      lossPartials: rowLoss, epochLoss: ctx.epochLoss, call: ctx.uniform('label loss call', LossCall, { count: rowGrid[0] * rowGrid[1], visible: 1 }),
    }, 1),
  ];
  if (generative) {
    const hiddenSample = ctx.storage('h_t samples', maxRows * H);
    dispatches.push(k.sampleUp.dispatch('h0 | y', m.matmul({
      a: visibleStack, bias: m.hiddenBias, stat: hiddenStack, samples: hidden0, aux: labelRows, rule: ruleBuffer,
      call: ctx.matmulCall('h0 | y call', { n: H, k: V, aBlock: 0, outBlock: 0, phase: Phase.hidden, flags: Write.stat | Write.samples }),
    }), ...hiddenGrid));
    for (let t = 1; t <= chain.cdSteps; t++) {
      const last = t === chain.cdSteps;
      const from = t > 1 ? hiddenSample : hidden0;
      dispatches.push(
        k.down.dispatch(`v${t}`, m.matmul({
          a: from, bias: m.visibleBias, stat: visibleStack, rule: ruleBuffer,
          call: ctx.matmulCall(`v${t} call`, { n: V, k: H, aBlock: 0, outBlock: 1, phase: gibbsPhase(Phase.visible, t), flags: Write.stat }),
        }), ceilDiv(V, TILE_N), ctx.rowsGrid),
        k.draw.dispatch(`ŷ${t}`, {
          params: m.params, chain: from, batchLabels, labelRows, call: labelCall(`ŷ${t} call`, gibbsPhase(Phase.label, t)), rule: ruleBuffer,
        }, ceilDiv(maxRows, UNITS_WG)),
        k.sampleUp.dispatch(`h${t} | ŷ`, m.matmul({
          a: visibleStack, bias: m.hiddenBias, stat: last ? hiddenStack : undefined, samples: last ? undefined : hiddenSample, aux: labelRows, rule: ruleBuffer,
          call: ctx.matmulCall(`h${t} | ŷ call`, {
            n: H, k: V, aBlock: 1, outBlock: 1, phase: gibbsPhase(Phase.hiddenAgain, t), flags: last ? Write.stat : Write.samples,
          }),
        }), ...hiddenGrid),
      );
    }
  }
  const hiddenTerm = ctx.storage('discriminative hidden term', maxRows * H);
  const termGroup = k.term.bind('label term', { activation, params: m.params, batchLabels, posterior, hiddenTerm, hiddenStack, call });
  if (discriminative) dispatches.push([k.term.pipeline, termGroup, ...unitsGrid(H)]);
  dispatches.push(k.update.dispatch('label update', {
    activation, params: m.params, velocity: m.velocity, batchLabels, posterior, hiddenStack, health: ctx.health, call, rule: ruleBuffer,
  }, ceilDiv(H + 1, ELEMENTWISE.wgX), ceilDiv(C, ELEMENTWISE.wgY)));
  if (discriminative) dispatches.push([k.combine.pipeline, termGroup, ...unitsGrid(H)]);
  return dispatches;
}

/** Class scores d_y + Σ_j softplus(a_j + U_yj) of `rows` rows of activations a, one workgroup per row (class-scores.wgsl). */
export function classScoresDispatch(
  kernel: KernelOf<typeof classScores>, model: ModelBuffers, buffers: { activation: GPUBuffer; scores: GPUBuffer; call: GPUBuffer }, rows: number,
): Dispatch {
  const { activation, scores, call } = buffers;
  const unused = model.unused;
  return kernel.dispatch('class scores', { activation, params: model.params, batchLabels: unused.read, scores, rowLoss: unused.loss, call }, Math.min(rows, MAX_GROUPS), ceilDiv(rows, MAX_GROUPS));
}

import { gibbsPhase, Phase } from '../../rng/stream.js';
import type { TrainingRule } from '../backend.js';
import type { Kernels } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import { ELEMENTWISE, Epilogue, MAX_GROUPS, TILE_M, TILE_N, UNITS_WG, Write } from './params.js';
import type { Dispatch } from './trainer.js';
import { Call, LossCall, LabelCall, type Scalar, type StructValues, type UniformStruct } from './uniforms.js';

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

export type LabelRule = NonNullable<TrainingRule['labels']>;

/** A label layer's kernels, made once per trainer. */
export interface LabelPipelines {
  readonly gather: GPUComputePipeline;
  /** c + x·W. */
  readonly activation: GPUComputePipeline;
  readonly posterior: GPUComputePipeline;
  readonly lossReduce: GPUComputePipeline;
  /** σ(c + v·W + U_y), sampled. */
  readonly sampleUp: GPUComputePipeline;
  readonly term: GPUComputePipeline;
  readonly combine: GPUComputePipeline;
  readonly update: GPUComputePipeline;
  readonly draw: GPUComputePipeline;
}

export async function labelPipelines(kernels: Kernels): Promise<LabelPipelines> {
  const [gather, activation, posterior, lossReduce, sampleUp, term, combine, update, draw] = await Promise.all([
    kernels.labelGather(),
    kernels.matmul({ transposeB: false, epilogue: Epilogue.activation }),
    kernels.classScores(true),
    kernels.lossReduce(true),
    kernels.matmul({ transposeB: false, epilogue: Epilogue.sample, labelled: true }),
    kernels.labelTerm(false),
    kernels.labelTerm(true),
    kernels.labelUpdate(),
    kernels.labelDraw(),
  ]);
  return { gather, activation, posterior, lossReduce, sampleUp, term, combine, update, draw };
}

/** What the trainer lends the label layer's dispatches: its buffers and its ways of making more. */
export interface LabelContext {
  readonly device: GPUDevice;
  readonly kernels: Kernels;
  readonly model: ModelBuffers;
  readonly maxRows: number;
  readonly cdSteps: number;
  readonly labels: GPUBuffer;
  readonly order: GPUBuffer;
  readonly visibleStack: GPUBuffer;
  readonly hiddenStack: GPUBuffer;
  readonly hidden0: GPUBuffer;
  readonly epochLoss: GPUBuffer;
  readonly health: GPUBuffer;
  readonly rule: GPUBuffer;
  /** The down product (sampled visible states into the stack's lower half). */
  readonly down: GPUComputePipeline;
  storage(label: string, floats: number): GPUBuffer;
  uniform<F extends Record<string, Scalar>>(label: string, struct: UniformStruct<F>, values: StructValues<F>): GPUBuffer;
}

/** The ones column's weight in the weight gradient (Dims.ones): the visible bias follows the generative part alone. */
export function visibleBiasWeight(rule: LabelRule): number {
  return rule.objective === 'discriminative' ? 0 : rule.objective === 'hybrid' ? rule.generativeWeight : 1;
}

/**
 * One labelled batch from the gathered X to the stacked statistics the gradient product reads
 * (docs/training-step.md, "Label layer"; src/backend/cpu/class-step.ts is the reference): the
 * batch's classes and U_y, a = c + X·W, p(y | x) and the batch's mean −log p(y | x) (its loss,
 * before the update), the generative CD-k chain over (x, y) with a label drawn per row at each
 * step, the discriminative hidden term, the label layer's own step, and the two gradients'
 * statistics combined into the hidden stack (label-term.wgsl's COMBINE).
 */
export function labelledBatch(ctx: LabelContext, pipelines: LabelPipelines, rule: LabelRule): Dispatch[] {
  const { device, kernels, model: m, maxRows } = ctx;
  const layouts = kernels.layouts;
  const [V, H, C] = [m.visible, m.hidden, m.classes];
  const group = (layout: GPUBindGroupLayout, label: string, buffers: (GPUBuffer | GPUBufferBinding)[]) =>
    device.createBindGroup({ label, layout, entries: buffers.map((b, binding) => ({ binding, resource: 'buffer' in b ? b : { buffer: b } })) });
  const matmul = (label: string, a: GPUBuffer, bias: GPUBufferBinding, stat: GPUBuffer, samples: GPUBuffer, aux: GPUBuffer, call: StructValues<typeof Call.fields>) =>
    group(layouts.matmul, label, [a, m.weights, bias, stat, samples, aux, m.unused.loss, ctx.uniform(`${label} call`, Call, call), ctx.rule]);
  const generative = rule.objective !== 'discriminative';
  const discriminative = rule.objective !== 'generative';
  const labelCall = (label: string, phase: number) => ctx.uniform(label, LabelCall, {
    hidden: H, classes: C, labelWeights: m.labelWeightsOffset, labelBias: m.labelBiasOffset,
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
  const rowsGrid = ceilDiv(maxRows, TILE_M);
  const unitsGrid = (columns: number) => [ceilDiv(columns, ELEMENTWISE.wgX), ceilDiv(maxRows, ELEMENTWISE.wgY)] as const;

  const dispatches: Dispatch[] = [
    [pipelines.gather, group(layouts.labelGather, 'label gather', [ctx.labels, ctx.order, m.params, batchLabels, labelRows, call]), ...unitsGrid(H)],
    [
      pipelines.activation,
      matmul('activation', ctx.visibleStack, m.hiddenBias, activation, m.unused.samples, m.unused.read, { n: H, k: V, aBlock: 0, outBlock: 0, phase: 0, flags: Write.stat, temperatures: 1 }),
      ceilDiv(H, TILE_N),
      rowsGrid,
    ],
    [pipelines.posterior, group(layouts.classScores, 'class posterior', [activation, m.params, batchLabels, posterior, rowLoss, call]), ...rowGrid],
    [
      pipelines.lossReduce,
      group(layouts.lossReduce, 'label loss', [rowLoss, ctx.epochLoss, ctx.uniform('label loss call', LossCall, { count: rowGrid[0] * rowGrid[1], visible: 1 })]),
      1,
      1,
    ],
  ];
  if (generative) {
    const hiddenSample = ctx.storage('h_t samples', maxRows * H);
    dispatches.push([
      pipelines.sampleUp,
      matmul('h0 | y', ctx.visibleStack, m.hiddenBias, ctx.hiddenStack, ctx.hidden0, labelRows, { n: H, k: V, aBlock: 0, outBlock: 0, phase: Phase.hidden, flags: Write.stat | Write.samples, temperatures: 1 }),
      ceilDiv(H, TILE_N),
      rowsGrid,
    ]);
    for (let t = 1; t <= ctx.cdSteps; t++) {
      const last = t === ctx.cdSteps;
      const from = t > 1 ? hiddenSample : ctx.hidden0;
      const flags = (last ? Write.stat : 0) | (last ? 0 : Write.samples);
      dispatches.push(
        [
          ctx.down,
          matmul(`v${t}`, from, m.visibleBias, ctx.visibleStack, m.unused.samples, m.unused.read, { n: V, k: H, aBlock: 0, outBlock: 1, phase: gibbsPhase(Phase.visible, t), flags: Write.stat, temperatures: 1 }),
          ceilDiv(V, TILE_N),
          rowsGrid,
        ],
        [
          pipelines.draw,
          group(layouts.labelDraw, `ŷ${t}`, [m.params, from, batchLabels, labelRows, labelCall(`ŷ${t} call`, gibbsPhase(Phase.label, t)), ctx.rule]),
          ceilDiv(maxRows, UNITS_WG),
          1,
        ],
        [
          pipelines.sampleUp,
          matmul(`h${t} | ŷ`, ctx.visibleStack, m.hiddenBias, last ? ctx.hiddenStack : m.unused.stat, last ? m.unused.samples : hiddenSample, labelRows, {
            n: H, k: V, aBlock: 1, outBlock: 1, phase: gibbsPhase(Phase.hiddenAgain, t), flags, temperatures: 1,
          }),
          ceilDiv(H, TILE_N),
          rowsGrid,
        ],
      );
    }
  }
  const hiddenTerm = ctx.storage('discriminative hidden term', maxRows * H);
  const termGroup = group(layouts.labelTerm, 'label term', [activation, m.params, batchLabels, posterior, hiddenTerm, ctx.hiddenStack, call]);
  if (discriminative) dispatches.push([pipelines.term, termGroup, ...unitsGrid(H)]);
  dispatches.push([
    pipelines.update,
    group(layouts.labelUpdate, 'label update', [activation, m.params, m.velocity, batchLabels, posterior, ctx.hiddenStack, ctx.health, call, ctx.rule]),
    ceilDiv(H + 1, ELEMENTWISE.wgX),
    ceilDiv(C, ELEMENTWISE.wgY),
  ]);
  if (discriminative) dispatches.push([pipelines.combine, termGroup, ...unitsGrid(H)]);
  return dispatches;
}

/** Class scores d_y + Σ_j softplus(a_j + U_yj) of `rows` rows of activations a, one workgroup per row (class-scores.wgsl). */
export function classScoresDispatch(
  device: GPUDevice, kernels: Kernels, model: ModelBuffers, pipeline: GPUComputePipeline,
  buffers: { activation: GPUBuffer; scores: GPUBuffer; call: GPUBuffer }, rows: number,
): Dispatch {
  const entries = [buffers.activation, model.params, model.unused.read, buffers.scores, model.unused.loss, buffers.call];
  const group = device.createBindGroup({
    label: 'class scores',
    layout: kernels.layouts.classScores,
    entries: entries.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  return [pipeline, group, Math.min(rows, MAX_GROUPS), ceilDiv(rows, MAX_GROUPS)];
}

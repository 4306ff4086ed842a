import { BufferUsage } from './constants.js';
import { InvalidArgumentError } from '../../errors.js';
import { gibbsPhase, Phase } from '../../rng/stream.js';
import { firstBadBatch, type EpochPlan, type EpochResult, type TrainingRule } from '../backend.js';
import { createBuffer, mapForReading, packSteps, uniformBuffer, Usage } from './buffers.js';
import type { Kernels } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import { ELEMENTWISE, Epilogue, MATMUL, TARGET_WORKGROUPS, TILE_M, TILE_N, UNIFORM_STRIDE, UNITS_WG, Write } from './params.js';
import type { GpuData } from './resident-data.js';
import { Call, Centring, Dims, LossCall, Layout, Rule, Step, type Scalar, type StructValues, type UniformStruct } from './uniforms.js';
import { temperedNegativePhase, temperedPipelines, type TemperedPipelines } from './tempering.js';
import { gaussianVisiblePass, logVarianceStep } from './gaussian.js';
import { labelledBatch, labelPipelines, visibleBiasWeight, type LabelPipelines } from './labels.js';
import { softmaxGroupsPass, softmaxLossDispatch } from './softmax.js';

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/**
 * The readback buffer, filled once per epoch: the batches' losses (KL or MSE, f32), the health
 * word (the first batch with a non-finite parameter, u32), two pass timestamps (u64, 8-byte
 * aligned), then the parameters, the velocities, the persistent chains and parallel tempering's
 * swap counts (u32).
 */
function readbackLayout(batches: number, floats: number, chainFloats: number) {
  const health = batches * 4;
  const timestamps = Math.ceil((health + 4) / 8) * 8;
  const parameters = timestamps + 16;
  const velocity = parameters + floats * 4;
  const chains = velocity + floats * 4;
  const swaps = chains + chainFloats * 4;
  return { health, timestamps, parameters, velocity, chains, swaps, bytes: swaps + 8 };
}

/** The shape of the negative chain, fixed for a trainer's dispatches. */
export interface ChainShape {
  readonly cdSteps: number;
  readonly persistent: boolean;
  /** Parallel tempering's M: that many persistent chains per batch row. */
  readonly temperatures?: number;
  /** 'mixed' statistics: the hidden half steps read sampled visible states, the statistics keep the probabilities. */
  readonly sampledVisible?: boolean;
}

const HEALTHY = 0xffffffff;

/** What the visible layer is beside plain binary units, fixed for a trainer's dispatches: the rule's own options. */
export interface UnitKinds {
  readonly gaussian?: TrainingRule['gaussian'];
  readonly labels?: TrainingRule['labels'];
  readonly softmax?: TrainingRule['softmax'];
}

export type Dispatch = readonly [pipeline: GPUComputePipeline, group: GPUBindGroup, x: number, y: number, z?: number];

/**
 * Everything one data set needs to train on the GPU at one batch size: the stacked batch
 * buffers, the uniforms and the bind groups, made once; and the encoding of a whole epoch
 * into one command buffer, read back once.
 */
export class Trainer {
  private readonly buffers: GPUBuffer[] = [];
  private readonly steps: GPUBuffer;
  private readonly rule: GPUBuffer;
  /** Centring's per-epoch uniform, when the trainer centres. */
  private readonly centring?: GPUBuffer;
  private readonly order: GPUBuffer;
  private readonly epochLoss: GPUBuffer;
  private readonly health: GPUBuffer;
  private readonly chains: GPUBuffer;
  /** Parallel tempering's swaps accepted and offered, when the trainer tempers. */
  private readonly swaps?: GPUBuffer;
  private readonly readback: GPUBuffer;
  private readonly layout: ReturnType<typeof readbackLayout>;
  private readonly stepGroup: GPUBindGroup;
  private readonly perBatch: Dispatch[];
  private readonly timing?: { querySet: GPUQuerySet; resolve: GPUBuffer };

  private constructor(
    private readonly device: GPUDevice,
    private readonly model: ModelBuffers,
    readonly data: GpuData,
    readonly maxRows: number,
    readonly batches: number,
    readonly chain: ChainShape,
    readonly centred: boolean,
    readonly kinds: UnitKinds,
    kernels: Kernels,
    pipelines: Pipelines,
    timestamps: boolean,
  ) {
    const { visible: V, hidden: H } = model;
    const { gaussian, labels, softmax } = kinds;
    const storage = (label: string, floats: number) => this.own(createBuffer(device, label, floats * 4, Usage.storage));
    const uniform = <F extends Record<string, Scalar>>(label: string, struct: UniformStruct<F>, values: StructValues<F>) =>
      this.own(uniformBuffer(device, label, struct, values));
    // What the hidden units see and the gradient reads; Gaussian units keep the states as they
    // are in a second stack, and this one holds them divided by σ².
    const visibleStack = storage('visible stack [X; v1]', 2 * maxRows * V);
    const visibleStates = gaussian ? storage('visible states [X; v1] as they are', 2 * maxRows * V) : visibleStack;
    const hiddenStack = storage('hidden stack [h0; h1]', 2 * maxRows * H);
    const hidden0 = storage('h0 samples', maxRows * H);
    const slices = splitCount(V, H, maxRows);
    const partials = storage('gradient partials', slices * (V + 1) * (H + 1));
    const lossGrid = [ceilDiv(V, TILE_N), ceilDiv(maxRows, TILE_M)] as const;
    const lossPartials = storage('loss partials', lossGrid[0] * lossGrid[1]);
    this.epochLoss = storage('epoch losses', batches);
    this.health = storage('first non-finite batch', 1);
    this.chains = storage('persistent chains', chainRows(maxRows, chain) * H);
    this.layout = readbackLayout(batches, model.floats, chainRows(maxRows, chain) * H);
    this.readback = this.own(createBuffer(device, 'epoch readback', this.layout.bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST));
    this.order = this.own(createBuffer(device, 'order', data.rows * 4, BufferUsage.STORAGE | BufferUsage.COPY_DST));
    this.steps = this.own(createBuffer(device, 'steps', batches * UNIFORM_STRIDE, Usage.uniform));
    this.rule = this.own(createBuffer(device, 'rule', Rule.size, Usage.uniform));

    const group = (layout: GPUBindGroupLayout, label: string, resources: GPUBindingResource[]) =>
      device.createBindGroup({ label, layout, entries: resources.map((resource, binding) => ({ binding, resource })) });
    const whole = (buffer: GPUBuffer): GPUBufferBinding => ({ buffer });
    const layouts = kernels.layouts;
    this.stepGroup = group(layouts.step, 'step', [{ buffer: this.steps, size: Step.size }]);

    const matmulCall = (label: string, n: number, k: number, aBlock: number, outBlock: number, phase: number, flags: number) =>
      uniform(label, Call, { n, k, aBlock, outBlock, phase, flags, temperatures: 1 });
    const m = model;
    const matmul = (label: string, a: GPUBuffer, bias: GPUBufferBinding, stat: GPUBuffer, samples: GPUBuffer, target: GPUBuffer, loss: GPUBuffer, call: GPUBuffer) =>
      group(layouts.matmul, label, [whole(a), m.weights, bias, whole(stat), whole(samples), whole(target), whole(loss), whole(call), whole(this.rule)]);

    const layout = uniform('layout', Layout, {
      v: V, h: H, visibleBias: m.visibleBiasOffset, hiddenBias: m.hiddenBiasOffset, slices, mu: m.muOffset, lambda: m.lambdaOffset,
      logVariance: m.logVarianceOffset,
    });
    // Gaussian units: v/σ² of a block of visible states into the visible stack, drawing the
    // noise first for the model's block when the rule samples.
    const scaled = (label: string, block: number, phase?: number): Dispatch[] =>
      gaussian
        ? [gaussianVisiblePass(device, kernels, m, pipelines.gaussianVisible!, { raw: visibleStates, scaled: visibleStack, rule: this.rule },
          { label, block, draws: phase !== undefined, phase: phase ?? 0, rows: maxRows }, (b) => this.own(b))]
        : [];
    // Softmax groups: the product gives the logits of the model's block, and softmax-groups.wgsl
    // their probabilities or draws, the data's missing groups zeroed.
    const groups = (label: string, phase: number): Dispatch[] =>
      softmax
        ? [softmaxGroupsPass(device, kernels, pipelines.softmaxGroups!, visibleStack, this.rule,
          { label, visible: V, size: softmax.groupSize, block: 1, phase, mask: true, rows: maxRows }, (b) => this.own(b))]
        : [];
    // Centring: after the update (its centred variant), the plain biases follow the weight
    // step, then λ follows the positive phase; each reads what the one before it wrote.
    const centring: Dispatch[] = [];
    if (centred) {
      this.centring = this.own(createBuffer(device, 'centring', Centring.size, Usage.uniform));
      centring.push(
        [
          pipelines.centredBiases!,
          group(layouts.centredBiases, 'centred biases', [whole(m.params), whole(m.velocity), whole(this.health), whole(layout)]),
          ceilDiv(V + H, UNITS_WG),
          1,
        ],
        [
          pipelines.hiddenOffset!,
          group(layouts.hiddenOffset, 'hidden offset', [whole(hiddenStack), whole(m.params), whole(this.health), whole(layout), whole(this.centring)]),
          ceilDiv(H, UNITS_WG),
          1,
        ],
      );
    }

    const rowsGrid = ceilDiv(maxRows, TILE_M);
    const gatherDispatches: Dispatch[] = [
      ...data.chunks.map((chunk): Dispatch => [
        data.pixelValues ? pipelines.gatherPixels! : pipelines.gather,
        data.pixelValues
          ? group(layouts.gatherPixels, 'gather pixels', [whole(chunk.buffer), whole(this.order), whole(visibleStates), whole(chunk.uniform), whole(data.pixelValues)])
          : group(layouts.gather, 'gather', [whole(chunk.buffer), whole(this.order), whole(visibleStates), whole(chunk.uniform)]),
        ceilDiv(V, ELEMENTWISE.wgX),
        ceilDiv(maxRows, ELEMENTWISE.wgY),
      ]),
      ...scaled('X/σ²', 0),
    ];
    // The negative chain: k Gibbs steps from h0 (or from the persistent chains). Step t reads
    // the hidden states the step before sampled and draws with gibbsPhase(…, t); the last step
    // leaves v_k in the visible stack's lower half and its hidden statistic in the hidden stack's.
    // Gaussian units: the product gives the means, and gaussian-visible.wgsl the rest.
    const gibbs = (): Dispatch[] => {
      const hiddenSample = storage('h_t samples', maxRows * H);
      // 'mixed': v_t's samples go here for the hidden half step, its probabilities to the stack.
      const visibleSample = chain.sampledVisible ? storage('v_t samples', maxRows * V) : undefined;
      const steps: Dispatch[] = [];
      for (let t = 1; t <= chain.cdSteps; t++) {
        const last = t === chain.cdSteps;
        const from = t > 1 ? hiddenSample : chain.persistent ? this.chains : hidden0;
        steps.push([
          pipelines.down,
          matmul(`v${t}`, from, m.visibleBias, visibleStates, visibleSample ?? m.unused.samples, m.unused.read, m.unused.loss,
            matmulCall(`v${t} call`, V, H, 0, 1, gibbsPhase(Phase.visible, t), Write.stat | (visibleSample ? Write.samples : 0))),
          ceilDiv(V, TILE_N),
          rowsGrid,
        ], ...scaled(`v${t}/σ²`, 1, gibbsPhase(Phase.visible, t)), ...groups(`v${t} groups`, gibbsPhase(Phase.visible, t)));
        const samplesTo = !last ? hiddenSample : chain.persistent ? this.chains : m.unused.samples;
        const flags = (last ? Write.stat : 0) | (!last || chain.persistent ? Write.samples : 0);
        steps.push([
          pipelines.sampleUp,
          matmul(`h${t}`, visibleSample ?? visibleStack, m.hiddenBias, last ? hiddenStack : m.unused.stat, samplesTo, m.unused.read, m.unused.loss,
            matmulCall(`h${t} call`, H, V, visibleSample ? 0 : 1, 1, gibbsPhase(Phase.hiddenAgain, t), flags)),
          ceilDiv(H, TILE_N),
          rowsGrid,
        ]);
      }
      return steps;
    };
    // Parallel tempering replaces the chain: M persistent chains per row, swapping (tempering.ts).
    let negative: Dispatch[];
    if (labels) {
      negative = [];
    } else if (chain.temperatures) {
      this.swaps = storage('swaps accepted, offered', 2);
      negative = temperedNegativePhase(
        device, kernels, model, pipelines.tempered!,
        { chains: this.chains, visibleStack, hiddenStack, swaps: this.swaps, rule: this.rule },
        { maxRows, temperatures: chain.temperatures, cdSteps: chain.cdSteps },
        (buffer) => this.own(buffer),
      );
    } else {
      negative = gibbs();
    }
    const plainBatch = (): Dispatch[] => [
      [
        pipelines.sampleUp,
        matmul('h0', visibleStack, m.hiddenBias, hiddenStack, hidden0, m.unused.read, m.unused.loss,
          matmulCall('h0 call', H, V, 0, 0, Phase.hidden, Write.stat | Write.samples)),
        ceilDiv(H, TILE_N),
        rowsGrid,
      ],
      ...negative,
    ];
    // A label layer's batch replaces the chain and reports its loss before the update.
    const labelled = labels && labelledBatch(
      {
        device, kernels, model, maxRows, cdSteps: chain.cdSteps, labels: data.labels!, order: this.order, visibleStack, hiddenStack, hidden0,
        epochLoss: this.epochLoss, health: this.health, rule: this.rule, down: pipelines.down, storage, uniform,
      },
      pipelines.labels!,
      labels,
    );
    // The batch's loss after the update (a label layer's came before it): with softmax groups
    // the logits b + h0·Wᵀ, then their cross-entropy against the data.
    const logits = softmax && storage('logits b + h0·Wᵀ', maxRows * V);
    const softmaxLoss: Dispatch[] = logits ? [
      [pipelines.lossTerms, matmul('logits', hidden0, m.visibleBias, logits, m.unused.samples, m.unused.read, m.unused.loss, matmulCall('logits call', V, H, 0, 0, 0, Write.stat)), ceilDiv(V, TILE_N), rowsGrid],
      softmaxLossDispatch(device, kernels, pipelines.softmaxLoss!, { data: visibleStack, logits, epochLoss: this.epochLoss }, V, softmax!.groupSize, (b) => this.own(b)),
    ] : [];
    const loss: Dispatch[] = labelled ? [] : logits ? softmaxLoss : [
      [
        pipelines.lossTerms,
        matmul('loss terms', hidden0, m.visibleBias, m.unused.stat, m.unused.samples, visibleStates, lossPartials,
          matmulCall('loss call', V, H, 0, 0, 0, 0)),
        lossGrid[0],
        lossGrid[1],
      ],
      [
        pipelines.lossReduce,
        group(layouts.lossReduce, 'loss reduce', [whole(lossPartials), whole(this.epochLoss), whole(uniform('loss reduce call', LossCall, { count: lossGrid[0] * lossGrid[1], visible: V }))]),
        1,
        1,
      ],
    ];
    const ones = labels ? visibleBiasWeight(labels) : 1;
    this.perBatch = [
      ...gatherDispatches,
      ...(labelled ?? plainBatch()),
      [
        pipelines.gradient,
        group(layouts.gradient, 'gradient', [whole(visibleStack), whole(hiddenStack), whole(partials), whole(uniform('dims', Dims, { v: V, h: H, ones }))]),
        ceilDiv(H + 1, TILE_N),
        ceilDiv(V + 1, TILE_M),
        slices,
      ],
      ...(pipelines.logVariance
        ? [logVarianceStep(device, kernels, m, pipelines.logVariance, { partials, visibleStates, health: this.health, layout, rule: this.rule })]
        : []),
      [
        pipelines.update,
        group(layouts.update, 'update', [
          whole(partials),
          whole(m.params),
          whole(m.velocity),
          whole(this.health),
          whole(layout),
          whole(this.rule),
        ]),
        ceilDiv(H + 1, ELEMENTWISE.wgX),
        ceilDiv(V + 1, ELEMENTWISE.wgY),
      ],
      ...centring,
      ...loss,
    ];
    if (timestamps) {
      this.timing = {
        querySet: device.createQuerySet({ type: 'timestamp', count: 2 }),
        resolve: this.own(createBuffer(device, 'timestamps', 16, BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC)),
      };
    }
  }

  static async create(
    device: GPUDevice,
    kernels: Kernels,
    model: ModelBuffers,
    data: GpuData,
    maxRows: number,
    batches: number,
    chain: ChainShape,
    centred: boolean,
    kinds: UnitKinds,
    maxBindingBytes: number,
    timestamps: boolean,
  ): Promise<Trainer> {
    const { gaussian, labels, softmax } = kinds;
    // The stacked batch, with parallel tempering the chains' visible and hidden states, and a label layer's p(y | x).
    const rowBytes = Math.max(2 * model.visible, chainRows(1, chain) * Math.max(model.visible, model.hidden), labels ? model.classes : 0) * 4;
    const largest = maxRows * rowBytes;
    if (largest > maxBindingBytes) {
      const limit = Math.floor(maxBindingBytes / rowBytes);
      throw new InvalidArgumentError(
        'batchSize',
        `a batch of ${maxRows} rows needs a ${largest}-byte GPU buffer, above this device's ${maxBindingBytes}-byte binding limit; use at most ${limit}`,
      );
    }
    const [gather, sampleUp, down, gradient, update, lossTerms, lossReduce, centredBiases, hiddenOffset, tempered, gaussianVisible, logVariance] = await Promise.all([
      kernels.gather(),
      kernels.matmul({ transposeB: false, epilogue: Epilogue.sample }),
      kernels.matmul({ transposeB: true, epilogue: gaussian || softmax ? Epilogue.activation : Epilogue.sample }),
      kernels.gradient(),
      kernels.update(centred),
      kernels.matmul({ transposeB: true, epilogue: gaussian ? Epilogue.squaredError : softmax ? Epilogue.activation : Epilogue.kl }),
      kernels.lossReduce(gaussian !== undefined),
      centred ? kernels.centredBiases() : undefined,
      centred ? kernels.hiddenOffset() : undefined,
      chain.temperatures ? temperedPipelines(kernels) : undefined,
      gaussian ? kernels.gaussianVisible() : undefined,
      gaussian?.learnVariance ? kernels.logVariance() : undefined,
    ]);
    const labelled = labels ? await labelPipelines(kernels) : undefined;
    const gatherPixels = data.pixelValues ? await kernels.gatherPixels() : undefined;
    const [softmaxGroups, softmaxLoss] = softmax ? await Promise.all([kernels.softmaxGroups(), kernels.softmaxLoss()]) : [];
    const pipelines = {
      gather, gatherPixels, sampleUp, down, gradient, update, lossTerms, lossReduce, centredBiases, hiddenOffset, tempered, gaussianVisible, logVariance,
      labels: labelled, softmaxGroups, softmaxLoss,
    };
    return new Trainer(device, model, data, maxRows, batches, chain, centred, kinds, kernels, pipelines, timestamps);
  }

  /**
   * Trains the batches of `plan` from plan.firstBatch: all in one command buffer, or, when a
   * signal may stop the epoch or progress is reported per batch, one submission per batch. Reads the KL values, the health word
   * and the parameters back once.
   */
  async run(plan: EpochPlan, chains: Float32Array): Promise<EpochResult & { chains: Float32Array }> {
    const { device, model } = this;
    this.writeUniforms(plan);
    const chainFloats = chainRows(this.maxRows, this.chain) * model.hidden;
    const start = new Float32Array(chainFloats);
    start.set(chains.subarray(0, Math.min(chains.length, chainFloats)));
    device.queue.writeBuffer(this.chains, 0, start);
    device.queue.writeBuffer(this.health, 0, Uint32Array.of(HEALTHY));
    if (this.swaps) device.queue.writeBuffer(this.swaps, 0, new Uint32Array(2));
    const first = plan.firstBatch;
    const segmented = plan.signal !== undefined || plan.onBatch !== undefined;
    let done = first;
    let encoder = device.createCommandEncoder({ label: `epoch ${plan.epoch}` });
    model.encodeSave(encoder);
    while (done < this.batches) {
      const end = segmented ? done + 1 : this.batches;
      const timed = this.timing && !segmented;
      const pass = encoder.beginComputePass({
        timestampWrites: timed ? { querySet: this.timing!.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } : undefined,
      });
      for (let b = done; b < end; b++) this.encodeBatch(pass, b);
      pass.end();
      done = end;
      if (!segmented) break;
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      encoder = device.createCommandEncoder({ label: `epoch ${plan.epoch}` });
      plan.onBatch?.(done - 1);
      if (plan.signal?.aborted) break;
    }
    const { layout } = this;
    encoder.copyBufferToBuffer(this.epochLoss, 0, this.readback, 0, this.batches * 4);
    encoder.copyBufferToBuffer(this.health, 0, this.readback, layout.health, 4);
    if (this.timing && !segmented) {
      encoder.resolveQuerySet(this.timing.querySet, 0, 2, this.timing.resolve, 0);
      encoder.copyBufferToBuffer(this.timing.resolve, 0, this.readback, layout.timestamps, 16);
    }
    model.encodeCopyOut(encoder, this.readback, layout.parameters);
    encoder.copyBufferToBuffer(this.chains, 0, this.readback, layout.chains, chainFloats * 4);
    if (this.swaps) encoder.copyBufferToBuffer(this.swaps, 0, this.readback, layout.swaps, 8);
    device.queue.submit([encoder.finish()]);

    await mapForReading(this.readback);
    const mapped = this.readback.getMappedRange();
    const kl = Float64Array.from(new Float32Array(mapped, first * 4, done - first));
    const health = new Uint32Array(mapped, layout.health, 1)[0];
    let deviceSeconds: number | undefined;
    if (this.timing && !segmented) {
      const [begin, end] = new BigUint64Array(mapped, layout.timestamps, 2);
      deviceSeconds = Number(end - begin) / 1e9;
    }
    const floats = model.floats;
    let parameters = model.unpack(
      new Float32Array(mapped, layout.parameters, floats),
      new Float32Array(mapped, layout.velocity, floats),
    );
    const after = new Float32Array(mapped, layout.chains, chainFloats).slice();
    const [accepted, tried] = new Uint32Array(mapped, layout.swaps, 2);
    this.readback.unmap();
    const swaps = this.swaps ? { swaps: { accepted, tried } } : {};

    const bad = firstBadBatch(kl, first, health === HEALTHY ? undefined : health);
    if (bad !== undefined) {
      const restore = device.createCommandEncoder({ label: 'restore' });
      model.encodeRestore(restore);
      device.queue.submit([restore.finish()]);
      parameters = await model.read();
      return { klDivergence: kl.slice(0, bad - first), parameters, stopped: false, nonFiniteBatch: bad, chains };
    }
    return { klDivergence: kl, parameters, stopped: done < this.batches, deviceSeconds, chains: after, ...swaps };
  }

  private writeUniforms(plan: EpochPlan): void {
    const { device } = this;
    const starts = plan.batchStarts;
    const steps = Array.from({ length: this.batches }, (_, b) => ({
      rows: starts[b + 1] - starts[b],
      start: starts[b],
      drawBatch: b,
      drawEpoch: plan.epoch,
      index: b,
      rowOffset: 0,
    }));
    device.queue.writeBuffer(this.order, 0, plan.order as Uint32Array<ArrayBuffer>);
    device.queue.writeBuffer(this.steps, 0, packSteps(steps));
    const { rule } = plan;
    const stepSize = (1 - rule.momentum) * rule.learningRate;
    const ruleBytes = Rule.pack({
      seed: plan.seed,
      bySamples: rule.statistics === 'samples' ? 1 : 0,
      meanGradient: rule.gradient === 'mean' ? 1 : 0,
      momentum: rule.momentum,
      stepSize,
      decayStep: stepSize * rule.weightDecay,
    });
    device.queue.writeBuffer(this.rule, 0, ruleBytes);
    if (this.centring) device.queue.writeBuffer(this.centring, 0, Centring.pack({ offsetRate: rule.centering!.offsetRate }));
  }

  private encodeBatch(pass: GPUComputePassEncoder, batch: number): void {
    pass.setBindGroup(1, this.stepGroup, [batch * UNIFORM_STRIDE]);
    for (const [pipeline, group, x, y, z] of this.perBatch) {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y, z);
    }
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
    this.timing?.querySet.destroy();
  }

  private own(buffer: GPUBuffer): GPUBuffer {
    this.buffers.push(buffer);
    return buffer;
  }
}

interface Pipelines {
  readonly gather: GPUComputePipeline;
  /** 8-bit data's gather (gather-pixels.wgsl). */
  readonly gatherPixels?: GPUComputePipeline;
  readonly sampleUp: GPUComputePipeline;
  /** The visible units given h: sampled, or with Gaussian units their means. */
  readonly down: GPUComputePipeline;
  readonly gradient: GPUComputePipeline;
  readonly update: GPUComputePipeline;
  /** The batch's loss: the KL, with Gaussian units the reconstruction's mean squared error, with softmax groups the logits. */
  readonly lossTerms: GPUComputePipeline;
  readonly lossReduce: GPUComputePipeline;
  /** Centring's two kernels, present when the trainer centres. */
  readonly centredBiases?: GPUComputePipeline;
  readonly hiddenOffset?: GPUComputePipeline;
  /** Parallel tempering's kernels, present when the trainer tempers. */
  readonly tempered?: TemperedPipelines;
  /** Gaussian visible units' noise and scaling, and their log-variances' step when they learn. */
  readonly gaussianVisible?: GPUComputePipeline;
  readonly logVariance?: GPUComputePipeline;
  /** A label layer's kernels, present when the trainer's model has one. */
  readonly labels?: LabelPipelines;
  /** Softmax visible groups' kernels, present when the visible units form them. */
  readonly softmaxGroups?: GPUComputePipeline;
  readonly softmaxLoss?: GPUComputePipeline;
}

/** Rows of persistent chains for batches of up to maxRows rows: M per row with parallel tempering. */
function chainRows(maxRows: number, chain: ChainShape): number {
  return maxRows * (chain.temperatures ?? 1);
}

/**
 * How many slices the gradient's K = 2B is split into: enough workgroups to fill the GPU
 * (about TARGET_WORKGROUPS) when the (V + 1) × (H + 1) output has few tiles.
 */
export function splitCount(visible: number, hidden: number, maxRows: number): number {
  const tiles = ceilDiv(visible + 1, TILE_M) * ceilDiv(hidden + 1, TILE_N);
  const kTiles = ceilDiv(2 * maxRows, MATMUL.tileK);
  return Math.max(1, Math.min(Math.round(TARGET_WORKGROUPS / tiles), kTiles));
}

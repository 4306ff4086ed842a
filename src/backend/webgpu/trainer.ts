/**
 * The trainer: one data set at one batch size on the GPU, its batch assembled once from the
 * phase builders (training-phases.ts, labels.ts, tempering.ts), and a whole epoch encoded into
 * one command buffer and read back once.
 */
import { InvalidArgumentError } from '../../errors.js';
import { firstBadBatch, type EpochPlan, type EpochResult } from '../backend.js';
import { BufferUsage } from './constants.js';
import { createBuffer, packSteps, Usage } from './buffers.js';
import { bindStep, encodeDispatches, Staging, type Dispatch } from './dispatch.js';
import type { Kernels } from './kernels.js';
import { labelledBatch } from './labels.js';
import type { ModelBuffers } from './model-buffers.js';
import { UNIFORM_STRIDE } from './params.js';
import type { GpuData } from './resident-data.js';
import { temperedChain } from './tempering.js';
import { chainRows, OwnedBuffers, trainerContext, type NegativePhase, type TrainerContext, type TrainerShape } from './trainer-context.js';
import { centringStep, gatherPhase, gibbsChain, gradientStep, lossPhase, positivePhase } from './training-phases.js';
import { Centring, Rule, Step } from './uniforms.js';

const HEALTHY = 0xffffffff;

/** The batch's dispatches from the gathered X to the stacked statistics: a label layer's batch, or the positive phase and a negative chain. */
async function batchPhases(ctx: TrainerContext): Promise<NegativePhase> {
  const { labels } = ctx.shape.kinds;
  if (labels) return { dispatches: await labelledBatch(ctx, labels) };
  const temperatures = ctx.shape.chain.temperatures;
  const [positive, negative] = await Promise.all([positivePhase(ctx), temperatures ? temperedChain(ctx, temperatures) : gibbsChain(ctx)]);
  return { dispatches: [...positive, ...negative.dispatches], swaps: negative.swaps };
}

/** What the trainer keeps of its phases: every batch's dispatches, and the buffers it writes or reads each epoch. */
interface Assembled {
  readonly perBatch: readonly Dispatch[];
  /** Parallel tempering's swaps accepted and offered, when the trainer tempers. */
  readonly swaps?: GPUBuffer;
  /** Centring's per-epoch uniform, when the trainer centres. */
  readonly centring?: GPUBuffer;
}

/**
 * Everything one data set needs to train on the GPU at one batch size: the stacked batch
 * buffers, the uniforms and the bind groups, made once; and the encoding of a whole epoch
 * into one command buffer, read back once.
 */
export class Trainer {
  private readonly steps: GPUBuffer;
  private readonly stepGroup: GPUBindGroup;
  private readonly staging: Staging;
  private readonly timing?: { querySet: GPUQuerySet; resolve: GPUBuffer };

  private constructor(
    private readonly ctx: TrainerContext,
    private readonly owned: OwnedBuffers,
    private readonly assembled: Assembled,
    timestamps: boolean,
  ) {
    const { device, kernels, shape } = ctx;
    this.steps = owned.own(createBuffer(device, 'steps', shape.batches * UNIFORM_STRIDE, Usage.uniform));
    this.stepGroup = kernels.stepGroup('step', this.steps, Step.size);
    this.staging = new Staging(device, 'epoch readback');
    if (timestamps) {
      this.timing = {
        querySet: device.createQuerySet({ type: 'timestamp', count: 2 }),
        resolve: owned.own(createBuffer(device, 'timestamps', 16, BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC)),
      };
    }
  }

  get data(): GpuData {
    return this.ctx.data;
  }

  get shape(): TrainerShape {
    return this.ctx.shape;
  }

  /** A trainer for `shape`, its phases assembled (their pipelines compiled together) once. */
  static async create(
    device: GPUDevice,
    kernels: Kernels,
    model: ModelBuffers,
    data: GpuData,
    shape: TrainerShape,
    maxBindingBytes: number,
    timestamps: boolean,
  ): Promise<Trainer> {
    const { maxRows, chain, kinds } = shape;
    // The stacked batch (with the hidden statistics' second moments where the hidden units learn γ), with parallel
    // tempering the chains' visible and hidden states, and a label layer's p(y | x).
    const hiddenStack = (model.has('hiddenGamma') ? 4 : 2) * model.hidden;
    const rowBytes = Math.max(2 * model.visible, hiddenStack, chainRows(1, chain) * Math.max(model.visible, model.hidden), kinds.labels ? model.classes : 0) * 4;
    const largest = maxRows * rowBytes;
    if (largest > maxBindingBytes) {
      const limit = Math.floor(maxBindingBytes / rowBytes);
      throw new InvalidArgumentError(
        'batchSize',
        `a batch of ${maxRows} rows needs a ${largest}-byte GPU buffer, above this device's ${maxBindingBytes}-byte binding limit; use at most ${limit}`,
      );
    }
    const owned = new OwnedBuffers();
    try {
      const ctx = trainerContext(device, kernels, model, data, shape, owned);
      const phases = [gatherPhase(ctx), batchPhases(ctx), gradientStep(ctx), centringStep(ctx), lossPhase(ctx)] as const;
      // Should one fail, the others finish making their buffers before they are destroyed.
      await Promise.allSettled(phases);
      const [gathered, batch, update, centring, loss] = await Promise.all(phases);
      const perBatch = [...gathered, ...batch.dispatches, ...update, ...centring.dispatches, ...loss];
      return new Trainer(ctx, owned, { perBatch, swaps: batch.swaps, centring: centring.uniform }, timestamps);
    } catch (error) {
      owned.destroy();
      throw error;
    }
  }

  /**
   * Trains the batches of `plan` from plan.firstBatch: all in one command buffer, or, when a
   * signal may stop the epoch or progress is reported per batch, one submission per batch.
   * Reads the losses, the health word and the parameters back once.
   */
  async run(plan: EpochPlan, chains: Float32Array): Promise<EpochResult & { chains: Float32Array }> {
    const { device, model, shape } = this.ctx;
    const { swaps } = this.assembled;
    this.writeUniforms(plan);
    const chainFloats = chainRows(shape.maxRows, shape.chain) * model.hidden;
    const start = new Float32Array(chainFloats);
    start.set(chains.subarray(0, Math.min(chains.length, chainFloats)));
    device.queue.writeBuffer(this.ctx.chains, 0, start);
    device.queue.writeBuffer(this.ctx.health, 0, Uint32Array.of(HEALTHY));
    if (swaps) device.queue.writeBuffer(swaps, 0, new Uint32Array(2));
    const first = plan.firstBatch;
    const segmented = plan.signal !== undefined || plan.onBatch !== undefined;
    const timing = segmented ? undefined : this.timing;
    let done = first;
    let encoder = device.createCommandEncoder({ label: `epoch ${plan.epoch}` });
    model.encodeSave(encoder);
    while (done < shape.batches) {
      const end = segmented ? done + 1 : shape.batches;
      const pass = encoder.beginComputePass({
        timestampWrites: timing ? { querySet: timing.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } : undefined,
      });
      for (let b = done; b < end; b++) {
        bindStep(pass, { group: this.stepGroup, offset: b * UNIFORM_STRIDE });
        encodeDispatches(pass, this.assembled.perBatch);
      }
      pass.end();
      done = end;
      if (!segmented) break;
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      encoder = device.createCommandEncoder({ label: `epoch ${plan.epoch}` });
      plan.onBatch?.(done - 1);
      if (plan.signal?.aborted) break;
    }
    if (timing) encoder.resolveQuerySet(timing.querySet, 0, 2, timing.resolve, 0);
    const floats = model.floats;
    const read = await this.staging.submit(encoder, {
      losses: { buffer: this.ctx.epochLoss, bytes: shape.batches * 4 },
      health: { buffer: this.ctx.health, bytes: 4 },
      parameters: { buffer: model.params, bytes: floats * 4 },
      velocity: { buffer: model.velocity, bytes: floats * 4 },
      chains: { buffer: this.ctx.chains, bytes: chainFloats * 4 },
      ...(swaps ? { swaps: { buffer: swaps, bytes: 8 } } : {}),
      ...(timing ? { timestamps: { buffer: timing.resolve, bytes: 16 } } : {}),
    });
    const losses = Float64Array.from(new Float32Array(read.losses, first * 4, done - first));
    const health = new Uint32Array(read.health)[0];
    let parameters = model.unpack(new Float32Array(read.parameters), new Float32Array(read.velocity));
    let deviceSeconds: number | undefined;
    if (read.timestamps) {
      const [begin, end] = new BigUint64Array(read.timestamps);
      deviceSeconds = Number(end - begin) / 1e9;
    }
    const [accepted, tried] = new Uint32Array(read.swaps ?? new ArrayBuffer(8));
    const swapCounts = read.swaps ? { swaps: { accepted, tried } } : {};

    const bad = firstBadBatch(losses, first, health === HEALTHY ? undefined : health);
    if (bad !== undefined) {
      const restore = device.createCommandEncoder({ label: 'restore' });
      model.encodeRestore(restore);
      device.queue.submit([restore.finish()]);
      parameters = await model.read();
      return { losses: losses.slice(0, bad - first), parameters, stopped: false, nonFiniteBatch: bad, chains };
    }
    return { losses: losses, parameters, stopped: done < shape.batches, deviceSeconds, chains: new Float32Array(read.chains), ...swapCounts };
  }

  private writeUniforms(plan: EpochPlan): void {
    const { device, order, rule } = this.ctx;
    const starts = plan.batchStarts;
    const steps = Array.from({ length: this.ctx.shape.batches }, (_, b) => ({
      rows: starts[b + 1] - starts[b],
      start: starts[b],
      drawBatch: b,
      drawEpoch: plan.epoch,
      index: b,
      rowOffset: 0,
    }));
    device.queue.writeBuffer(order, 0, plan.order as Uint32Array<ArrayBuffer>);
    device.queue.writeBuffer(this.steps, 0, packSteps(steps));
    const training = plan.rule;
    const stepSize = (1 - training.momentum) * training.learningRate;
    const ruleBytes = Rule.pack({
      seed: plan.seed,
      bySamples: training.statistics === 'samples' ? 1 : 0,
      meanGradient: training.gradient === 'mean' ? 1 : 0,
      momentum: training.momentum,
      stepSize,
      decayStep: stepSize * training.weightDecay,
    });
    device.queue.writeBuffer(rule, 0, ruleBytes);
    const { centring } = this.assembled;
    if (centring) device.queue.writeBuffer(centring, 0, Centring.pack({ offsetRate: training.centring!.offsetRate }));
  }

  destroy(): void {
    this.owned.destroy();
    this.staging.destroy();
    this.timing?.querySet.destroy();
  }
}

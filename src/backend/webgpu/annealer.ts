import { InvalidArgumentError } from '../../errors.js';
import type { AnnealJob } from '../backend.js';
import { createBuffer, mapForReading, uniformBuffer, uploadFloats, Usage } from './buffers.js';
import { BufferUsage } from './constants.js';
import type { Kernels } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import { LOG_WEIGHT_UNITS, LOG_WEIGHT_WORDS, MAX_GROUPS, TILE_M, TILE_N, UNIFORM_STRIDE } from './params.js';
import { Anneal, AnnealStep } from './uniforms.js';

/** Steps per command buffer at most: each takes a UNIFORM_STRIDE-byte slot of the step uniforms. */
const MAX_STEPS_PER_SUBMISSION = 256;
/**
 * Multiply-adds per command buffer at most: milliseconds on a discrete GPU, well under a second
 * on a slow one, so that no submission trips a watchdog (Windows resets a GPU after 2 s).
 */
const WORK_PER_SUBMISSION = 2 ** 31;
/** Command buffers queued ahead of the GPU: enough to keep it busy, few enough to bound what the host holds. */
const QUEUED = 3;

/** The β steps one command buffer holds, for `runs` chains of a visible × hidden model. */
export function stepsPerSubmission(runs: number, visible: number, hidden: number): number {
  const perStep = runs * (2 * visible * hidden + visible + hidden);
  return Math.max(1, Math.min(MAX_STEPS_PER_SUBMISSION, Math.floor(WORK_PER_SUBMISSION / perStep)));
}

type Dispatch = readonly [pipeline: GPUComputePipeline, group: GPUBindGroup, x: number, y: number];

/**
 * AIS's chains on the GPU, every run at once (src/backend/anneal.ts is the reference, with
 * annealGaussianOnHost for Gaussian visible units): the model's resident parameters, and the
 * states, hidden inputs and log weights in GPU buffers. Each step is three dispatches over a
 * per-step uniform slot holding its β (see run); the log weights are read back once, at the end.
 */
export async function annealOnGpu(
  device: GPUDevice,
  kernels: Kernels,
  model: ModelBuffers,
  job: AnnealJob,
  maxBindingBytes: number,
): Promise<Float64Array> {
  checkJob(job, model, maxBindingBytes);
  if (job.runs === 0 || job.path.length < 2) return new Float64Array(job.runs);
  const gaussian = model.gaussian;
  const [up, down, weights] = await Promise.all([
    kernels.annealProduct(true, gaussian),
    kernels.annealProduct(false, gaussian),
    kernels.annealWeights(gaussian),
  ]);
  const chains = new Chains(device, kernels, model, job, { up, down, weights });
  try {
    return await chains.run();
  } finally {
    chains.destroy();
  }
}

function checkJob(job: AnnealJob, model: ModelBuffers, maxBindingBytes: number): void {
  const { visible: V, hidden: H } = model;
  if (job.start.length !== job.runs * V) {
    throw new InvalidArgumentError('start', `expected ${job.runs} × ${V} starting states, got ${job.start.length} values`);
  }
  if (job.baseBias.length !== V) throw new InvalidArgumentError('baseBias', `expected ${V} base-rate biases, got ${job.baseBias.length}`);
  const bytes = job.runs * Math.max(V, H) * 4;
  if (bytes > maxBindingBytes) {
    const limit = Math.floor(maxBindingBytes / (Math.max(V, H) * 4));
    throw new InvalidArgumentError('runs', `${job.runs} chains need a ${bytes}-byte GPU buffer, above this device's ${maxBindingBytes}-byte binding limit; use at most ${limit}`);
  }
}

interface Pipelines {
  readonly up: GPUComputePipeline;
  readonly down: GPUComputePipeline;
  readonly weights: GPUComputePipeline;
}

/** One AIS run's buffers and bind groups, and the encoding of its steps. */
class Chains {
  private readonly buffers: GPUBuffer[] = [];
  private readonly logWeights: GPUBuffer;
  private readonly steps: GPUBuffer;
  private readonly readback: GPUBuffer;
  private readonly stepGroup: GPUBindGroup;
  private readonly up: Dispatch;
  private readonly down: Dispatch;
  private readonly weights: Dispatch;
  private readonly chunk: number;

  constructor(
    private readonly device: GPUDevice,
    kernels: Kernels,
    model: ModelBuffers,
    private readonly job: AnnealJob,
    pipelines: Pipelines,
  ) {
    const { visible: V, hidden: H } = model;
    const { runs } = job;
    const storage = (label: string, floats: number) => this.own(createBuffer(device, label, floats * 4, Usage.storage));
    const visible = this.own(uploadFloats(device, 'AIS visible states', job.start));
    const baseBias = this.own(uploadFloats(device, 'AIS base-rate biases', job.baseBias));
    const hidden = storage('AIS hidden states', runs * H);
    const activation = storage('AIS hidden inputs c + v·W', runs * H);
    this.logWeights = storage('AIS log weights', runs * LOG_WEIGHT_WORDS);
    this.readback = this.own(createBuffer(device, 'AIS readback', runs * LOG_WEIGHT_WORDS * 4, BufferUsage.MAP_READ | BufferUsage.COPY_DST));
    this.chunk = stepsPerSubmission(runs, V, H);
    this.steps = this.own(createBuffer(device, 'AIS steps', this.chunk * UNIFORM_STRIDE, Usage.uniform));
    const call = this.own(uniformBuffer(device, 'AIS call', Anneal, { runs, visible: V, hidden: H, seed: job.seed }));

    const group = (layout: GPUBindGroupLayout, label: string, resources: GPUBindingResource[]) =>
      device.createBindGroup({ label, layout, entries: resources.map((resource, binding) => ({ binding, resource })) });
    const { layouts } = kernels;
    this.stepGroup = group(layouts.annealStep, 'AIS step', [{ buffer: this.steps, size: AnnealStep.size }]);
    // The base model's own parameters: its visible biases, or with Gaussian units the model's log-variances.
    const base = model.gaussian ? model.logVariance : { buffer: baseBias };
    const product = group(layouts.annealProduct, 'AIS product', [
      model.weights, model.visibleBias, model.hiddenBias, base, { buffer: hidden }, { buffer: visible }, { buffer: activation }, { buffer: call },
    ]);
    const weights = group(layouts.annealWeights, 'AIS weights', [
      model.visibleBias, { buffer: baseBias }, { buffer: visible }, { buffer: activation }, { buffer: hidden }, { buffer: this.logWeights }, { buffer: call },
    ]);
    const rows = Math.ceil(runs / TILE_M);
    this.up = [pipelines.up, product, Math.ceil(H / TILE_N), rows];
    this.down = [pipelines.down, product, Math.ceil(V / TILE_N), rows];
    const across = Math.min(runs, MAX_GROUPS);
    this.weights = [pipelines.weights, weights, across, Math.ceil(runs / across)];
  }

  /**
   * Encodes the path's steps stepsPerSubmission to a command buffer, each step's uniform slot
   * written once before its buffer is submitted, with a few buffers queued ahead; the last
   * buffer copies the log weights out for the one readback.
   */
  async run(): Promise<Float64Array> {
    const { device, job } = this;
    const last = job.path.length - 1;
    const queued: Promise<undefined>[] = [];
    for (let first = 1; first <= last; first += this.chunk) {
      const end = Math.min(last, first + this.chunk - 1);
      device.queue.writeBuffer(this.steps, 0, packSteps(job.path, first, end));
      const encoder = device.createCommandEncoder({ label: `AIS steps ${first} to ${end}` });
      this.encodeSteps(encoder, first, end);
      if (end === last) encoder.copyBufferToBuffer(this.logWeights, 0, this.readback, 0, this.readback.size);
      device.queue.submit([encoder.finish()]);
      queued.push(device.queue.onSubmittedWorkDone());
      if (queued.length >= QUEUED) await queued.shift();
    }
    await Promise.all(queued);
    return this.read();
  }

  /**
   * Step k: the weight increments at the hidden inputs of v and h ~ σ(βₖ·a), then v ~ its
   * conditional at βₖ, then the hidden inputs of the new v (which the last step does not need).
   * The first buffer begins with the hidden inputs of the starting states.
   */
  private encodeSteps(encoder: GPUCommandEncoder, first: number, end: number): void {
    const pass = encoder.beginComputePass();
    if (first === 1) {
      pass.setBindGroup(1, this.stepGroup, [0]);
      this.dispatch(pass, this.up);
    }
    const last = this.job.path.length - 1;
    for (let k = first; k <= end; k++) {
      pass.setBindGroup(1, this.stepGroup, [(k - first) * UNIFORM_STRIDE]);
      this.dispatch(pass, this.weights);
      this.dispatch(pass, this.down);
      if (k < last) this.dispatch(pass, this.up);
    }
    pass.end();
  }

  private dispatch(pass: GPUComputePassEncoder, [pipeline, group, x, y]: Dispatch): void {
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y);
  }

  /** The fixed-point log weights as numbers (exact in float64), NaN where a step overflowed. */
  private async read(): Promise<Float64Array> {
    await mapForReading(this.readback);
    const words = new Uint32Array(this.readback.getMappedRange());
    const logWeights = Float64Array.from({ length: this.job.runs }, (_, r) => {
      const [low, high, overflow] = words.subarray(r * LOG_WEIGHT_WORDS, (r + 1) * LOG_WEIGHT_WORDS);
      return overflow ? NaN : (high | 0) + low / LOG_WEIGHT_UNITS;
    });
    this.readback.unmap();
    return logWeights;
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }

  private own(buffer: GPUBuffer): GPUBuffer {
    this.buffers.push(buffer);
    return buffer;
  }
}

/** Steps first..end of `path`, packed UNIFORM_STRIDE bytes apart. */
function packSteps(path: Float64Array, first: number, end: number): ArrayBuffer {
  const bytes = new ArrayBuffer((end - first + 1) * UNIFORM_STRIDE);
  for (let k = first; k <= end; k++) {
    AnnealStep.pack({ epoch: k, beta: path[k], previous: path[k - 1], delta: path[k] - path[k - 1] }, bytes, (k - first) * UNIFORM_STRIDE);
  }
  return bytes;
}

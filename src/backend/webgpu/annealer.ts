/**
 * AIS on the GPU: every run's chain at once, the steps of the β path encoded a few hundred to a
 * command buffer, the fixed-point log weights read back once at the end.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { AnnealJob } from '../backend.js';
import { createBuffer, uniformBuffer, uploadFloats, Usage } from './buffers.js';
import { bindStep, encodeDispatches, submitAndRead, type Dispatch } from './dispatch.js';
import type { Kernels, KernelOf } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import { LOG_WEIGHT_UNITS, LOG_WEIGHT_WORDS, MAX_GROUPS, TILE_M, TILE_N, UNIFORM_STRIDE } from './params.js';
import { annealProduct, annealWeights } from './programs.js';
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
    kernels.get(annealProduct, { up: true, gaussian }),
    kernels.get(annealProduct, { up: false, gaussian }),
    kernels.get(annealWeights, { gaussian }),
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

interface AnnealKernels {
  readonly up: KernelOf<typeof annealProduct>;
  readonly down: KernelOf<typeof annealProduct>;
  readonly weights: KernelOf<typeof annealWeights>;
}

/** One AIS run's buffers and bind groups, and the encoding of its steps. */
class Chains {
  private readonly buffers: GPUBuffer[] = [];
  private readonly logWeights: GPUBuffer;
  private readonly steps: GPUBuffer;
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
    pipelines: AnnealKernels,
  ) {
    const { visible: V, hidden: H } = model;
    const { runs } = job;
    const storage = (label: string, floats: number) => this.own(createBuffer(device, label, floats * 4, Usage.storage));
    const visible = this.own(uploadFloats(device, 'AIS visible states', job.start));
    const baseBias = this.own(uploadFloats(device, 'AIS base-rate biases', job.baseBias));
    const hidden = storage('AIS hidden states', runs * H);
    const activation = storage('AIS hidden inputs c + v·W', runs * H);
    this.logWeights = storage('AIS log weights', runs * LOG_WEIGHT_WORDS);
    this.chunk = stepsPerSubmission(runs, V, H);
    this.steps = this.own(createBuffer(device, 'AIS steps', this.chunk * UNIFORM_STRIDE, Usage.uniform));
    const call = this.own(uniformBuffer(device, 'AIS call', Anneal, { runs, visible: V, hidden: H, seed: job.seed }));

    this.stepGroup = kernels.stepGroup('AIS step', this.steps, AnnealStep.size);
    // The base model's own parameters: its visible biases, or with Gaussian units the model's log-variances.
    const base = model.gaussian ? model.binding('visibleLogVariance') : baseBias;
    // One bind group for both products (the up and down variants share the program's layout).
    const product = pipelines.up.bind('AIS product', {
      weights: model.weights, visibleBias: model.visibleBias, hiddenBias: model.hiddenBias, base, hidden, visible, activation, job: call,
    });
    const rows = Math.ceil(runs / TILE_M);
    this.up = [pipelines.up.pipeline, product, Math.ceil(H / TILE_N), rows];
    this.down = [pipelines.down.pipeline, product, Math.ceil(V / TILE_N), rows];
    const across = Math.min(runs, MAX_GROUPS);
    this.weights = pipelines.weights.dispatch('AIS weights', {
      visibleBias: model.visibleBias, baseBias, visible, activation, hidden, logWeights: this.logWeights, job: call,
    }, across, Math.ceil(runs / across));
  }

  /**
   * Encodes the path's steps stepsPerSubmission to a command buffer, each step's uniform slot
   * written once before its buffer is submitted, with a few buffers queued ahead; the last
   * buffer reads the log weights back.
   */
  async run(): Promise<Float64Array> {
    const { device, job } = this;
    const last = job.path.length - 1;
    const queued: Promise<undefined>[] = [];
    const lastChunk = last - ((last - 1) % this.chunk);
    for (let first = 1; first < lastChunk; first += this.chunk) {
      device.queue.submit([this.encodeSteps(first, first + this.chunk - 1).finish()]);
      queued.push(device.queue.onSubmittedWorkDone());
      if (queued.length >= QUEUED) await queued.shift();
    }
    const { words } = await submitAndRead(device, this.encodeSteps(lastChunk, last), {
      words: { buffer: this.logWeights, bytes: job.runs * LOG_WEIGHT_WORDS * 4 },
    }, 'AIS readback');
    await Promise.all(queued);
    return logWeights(new Uint32Array(words), job.runs);
  }

  /**
   * Step k: the weight increments at the hidden inputs of v and h ~ σ(βₖ·a), then v ~ its
   * conditional at βₖ, then the hidden inputs of the new v (which the last step does not need).
   * The first buffer begins with the hidden inputs of the starting states.
   */
  private encodeSteps(first: number, end: number): GPUCommandEncoder {
    this.device.queue.writeBuffer(this.steps, 0, packSteps(this.job.path, first, end));
    const encoder = this.device.createCommandEncoder({ label: `AIS steps ${first} to ${end}` });
    const pass = encoder.beginComputePass();
    if (first === 1) {
      bindStep(pass, { group: this.stepGroup, offset: 0 });
      encodeDispatches(pass, [this.up]);
    }
    const last = this.job.path.length - 1;
    for (let k = first; k <= end; k++) {
      bindStep(pass, { group: this.stepGroup, offset: (k - first) * UNIFORM_STRIDE });
      encodeDispatches(pass, k < last ? [this.weights, this.down, this.up] : [this.weights, this.down]);
    }
    pass.end();
    return encoder;
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }

  private own(buffer: GPUBuffer): GPUBuffer {
    this.buffers.push(buffer);
    return buffer;
  }
}

/** The fixed-point log weights as numbers (exact in float64), NaN where a step overflowed. */
function logWeights(words: Uint32Array, runs: number): Float64Array {
  return Float64Array.from({ length: runs }, (_, r) => {
    const [low, high, overflow] = words.subarray(r * LOG_WEIGHT_WORDS, (r + 1) * LOG_WEIGHT_WORDS);
    return overflow ? NaN : (high | 0) + low / LOG_WEIGHT_UNITS;
  });
}

/** Steps first..end of `path`, packed UNIFORM_STRIDE bytes apart. */
function packSteps(path: Float64Array, first: number, end: number): ArrayBuffer {
  const bytes = new ArrayBuffer((end - first + 1) * UNIFORM_STRIDE);
  for (let k = first; k <= end; k++) {
    AnnealStep.pack({ epoch: k, beta: path[k], previous: path[k - 1], delta: path[k] - path[k - 1] }, bytes, (k - first) * UNIFORM_STRIDE);
  }
  return bytes;
}

/**
 * The WebGPU backend: the Backend contract over a device, its model buffers (laid out once from
 * the model's shape), the resident data sets and a trainer; inference products and the exact
 * log Z; the Gibbs loop and AIS in their own modules. The hidden units' type is a snippet of the
 * matmul (units.ts); AIS and exact log Z with other than binary hidden units run the host's
 * reference on the read-back parameters.
 */
import { GpuError, InvalidArgumentError, RbmError } from '../../errors.js';
import { LogSumExp } from '../../math.js';
import { matrix, type Matrix } from '../../matrix.js';
import { isPixelMatrix, type PixelMatrix } from '../../pixels.js';
import type { GpuProvider } from '../../platform/platform.js';
import type { DrawAddress } from '../../rng/stream.js';
import { checkRule, mergeChains, type AnnealJob, type ModelShape, type Backend, type GibbsJob, type DeviceInfo, type EpochPlan, type EpochResult, type Layer, type Parameters, type ResidentData } from '../backend.js';
import { enumeration, gaussianEnumeration, gaussianNormaliser } from '../exact-partition.js';
import { createBuffer, guarded, uniformBuffer, uploadFloats, Usage, packSteps } from './buffers.js';
import { dispatchAndRead, type Dispatch } from './dispatch.js';
import { annealOnGpu } from './annealer.js';
import { acquireDevice, type AcquiredDevice, type GpuOptions } from './gpu.js';
import { Kernels } from './kernels.js';
import { ModelBuffers } from './model-buffers.js';
import { Epilogue, matmulGrid, matmulShape, MAX_GROUPS, REDUCE_WG, TILE_M, UNIFORM_STRIDE, Write } from './params.js';
import { GpuData } from './resident-data.js';
import { gaussianVisible, matmul, partition, softmaxGroups } from './programs.js';
import { Trainer } from './trainer.js';
import { gaussianVisiblePass } from './gaussian.js';
import { gibbsOnGpu, StepTable } from './gibbs-chains.js';
import { softmaxGroupsPass } from './softmax.js';
import { annealGaussianOnHost, annealOnHost } from '../anneal.js';
import { checkShape } from '../host-backend.js';
import { exactLogPartitionOf, exactSoftmaxLogPartition } from '../exact-partition.js';
import type { ModelLayers } from '../../layers/layer.js';
import { modelLayers } from '../../layers/registry.js';
import { hiddenUnits, type UnitSnippet } from './units.js';
import { Call, Enumeration, Rule, Step, type ValuesOf } from './uniforms.js';

/** States of the enumerated layer per dispatch of the exact log Z (a 4 MiB readback). */
const PARTITION_CHUNK = 2 ** 20;

/**
 * The WebGPU backend: the model and the data set live on the GPU, a whole epoch is one
 * command buffer, and the host only orchestrates. Draws the same Philox stream as the CPU.
 */
export class WebGpuBackend implements Backend {
  readonly info: DeviceInfo;
  readonly banner: string;
  private readonly device: GPUDevice;
  private readonly kernels: Kernels;
  /** The Gibbs loop's half steps, kept between calls with their bind groups. */
  private readonly gibbsSteps: StepTable;
  /** Laid out for the backend's shape; made again when the parameters set bring a label layer of another class count. */
  private model: ModelBuffers;
  /** The model's layers as the reference describes them (their tensors; AIS and exact log Z on the host). */
  private readonly layers: ModelLayers;
  /** The hidden units' kernel code. */
  private readonly hiddenUnits: UnitSnippet;
  private trainer: Trainer | undefined;
  /** Persistent CD's chains, kept on the host between epochs (Parameters.hiddenChains). */
  private chains: Float32Array = new Float32Array(0);
  private lost: string | undefined;

  readonly visible: number;
  readonly hidden: number;
  /** The size of softmax visible groups, when the visible units form them. */
  readonly softmax?: number;

  private constructor(
    private readonly gpu: AcquiredDevice,
    readonly shape: ModelShape,
  ) {
    const { visible, hidden } = shape;
    [this.visible, this.hidden] = [visible, hidden];
    this.softmax = typeof shape.visibleType === 'object' ? shape.visibleType.softmax : undefined;
    this.device = gpu.device;
    this.info = { backend: 'webgpu', device: gpu.adapterName };
    this.banner = `# GPU usage has been enabled. Computation will proceed on the GPU.\n# WebGPU adapter: ${gpu.adapterName}`;
    this.kernels = new Kernels(this.device);
    this.model = new ModelBuffers(this.device, shape);
    this.layers = modelLayers({ ...shape, learnVariance: false });
    this.hiddenUnits = hiddenUnits(shape.hiddenType);
    this.gibbsSteps = new StepTable(this.device, this.kernels);
    void this.device.lost.then((info) => {
      this.lost = info.message || info.reason;
    });
  }

  /** A backend for a model of `shape` on a device from `provider` (or options.device). */
  static async create(provider: GpuProvider, shape: ModelShape, options: GpuOptions = {}): Promise<WebGpuBackend> {
    checkShape(shape);
    hiddenUnits(shape.hiddenType);
    const { visible, hidden } = shape;
    const gpu = await acquireDevice(provider, options);
    const weightBytes = visible * hidden * 4;
    if (weightBytes > gpu.maxBindingBytes) {
      if (gpu.owned) gpu.device.destroy();
      throw new InvalidArgumentError(
        'hidden',
        `a ${visible} × ${hidden} weight matrix (${weightBytes} bytes) exceeds this GPU's ${gpu.maxBindingBytes}-byte binding limit`,
      );
    }
    return new WebGpuBackend(gpu, shape);
  }

  async setParameters(p: Parameters): Promise<void> {
    for (const spec of this.layers.hidden.tensors) {
      if (p[spec.field] === undefined) throw new InvalidArgumentError(spec.field, `a model with ${this.shape.hiddenType} hidden units needs it`);
    }
    await this.run('writing parameters', () => {
      const classes = p.labelBias?.length;
      if (classes !== undefined && classes !== this.model.classes) {
        this.trainer?.destroy();
        this.trainer = undefined;
        this.model.destroy();
        this.model = new ModelBuffers(this.device, { ...this.shape, labels: classes });
      }
      this.model.write(p);
    });
    this.chains = p.hiddenChains?.slice() ?? new Float32Array(0);
  }

  async getParameters(): Promise<Parameters> {
    return this.withChains(await this.run('reading parameters', () => this.model.read()));
  }

  private withChains(p: Parameters): Parameters {
    return this.chains.length > 0 ? { ...p, hiddenChains: this.chains.slice() } : p;
  }

  async upload(x: Matrix | PixelMatrix, labels?: Uint32Array): Promise<ResidentData> {
    // 8-bit rows stay 8-bit on the GPU: gather-pixels.wgsl scales them as it gathers each batch.
    if (x.cols * (isPixelMatrix(x) ? 1 : 4) > this.gpu.maxBindingBytes) {
      throw new InvalidArgumentError('x', `rows of ${x.cols} values exceed this GPU's ${this.gpu.maxBindingBytes}-byte binding limit`);
    }
    return this.run('uploading the data set', () => new GpuData(this.device, x, this.gpu.maxBindingBytes, labels));
  }

  async trainEpoch(data: ResidentData, plan: EpochPlan): Promise<EpochResult> {
    const gpuData = data as GpuData;
    const batches = plan.batchStarts.length - 1;
    const maxRows = plan.largestBatch;
    return this.run(`training epoch ${plan.epoch + 1}`, async () => {
      let trainer = this.trainer;
      checkRule(this.shape, plan.rule);
      const { cdSteps, persistent, labels } = plan.rule;
      const gaussian = this.shape.visibleType === 'gaussian' ? { learnVariance: plan.rule.learnVariance ?? false } : undefined;
      const softmax = this.softmax === undefined ? undefined : { groupSize: this.softmax };
      const temperatures = plan.rule.parallelTempering?.temperatures;
      const sampledVisible = plan.rule.statistics === 'mixed';
      const centred = plan.rule.centring !== undefined;
      if (gaussian && !this.model.gaussian) {
        throw new InvalidArgumentError('visibleType', 'the model has Gaussian visible units, but the parameters carry no log-variances (visibleLogVariance)');
      }
      if (labels) this.checkLabelled(gpuData);
      if (centred && !this.model.centred) {
        throw new InvalidArgumentError('centering', 'the rule centres, but the parameters carry no offsets (visibleOffset, hiddenOffset)');
      }
      const shape = trainer?.shape;
      const same = trainer && shape && trainer.data === gpuData && shape.maxRows === maxRows && shape.batches === batches &&
        shape.chain.cdSteps === cdSteps && shape.chain.persistent === persistent && shape.chain.temperatures === temperatures &&
        shape.chain.sampledVisible === sampledVisible &&
        shape.centred === centred && shape.kinds.gaussian?.learnVariance === gaussian?.learnVariance &&
        shape.kinds.labels?.objective === labels?.objective && shape.kinds.labels?.generativeWeight === labels?.generativeWeight;
      if (!trainer || !same) {
        trainer?.destroy();
        this.trainer = undefined;
        const chain = { cdSteps, persistent, temperatures, sampledVisible };
        trainer = await Trainer.create(
          this.device, this.kernels, this.model, gpuData, { maxRows, batches, chain, centred, kinds: { gaussian, labels, softmax } },
          this.gpu.maxBindingBytes, this.gpu.timestamps,
        );
        this.trainer = trainer;
      }
      const { chains, ...result } = await trainer.run(plan, this.chains);
      if (persistent || temperatures) this.chains = mergeChains(this.chains, chains);
      return { ...result, parameters: this.withChains(result.parameters) };
    });
  }

  /** A labelled rule needs a label layer and data with labels it can hold (checkRule refuses the rest). */
  private checkLabelled(data: GpuData): void {
    const classes = this.model.classes;
    if (!this.model.carries('labelWeights')) throw new InvalidArgumentError('labels', 'the rule has labels, but the parameters carry no label layer (labelWeights, labelBias)');
    if (!data.labels) throw new InvalidArgumentError('labels', 'a labelled step needs the data uploaded with its labels');
    if (data.classesNeeded > classes) throw new InvalidArgumentError('labels', `the data hold label ${data.classesNeeded - 1}, but the label layer has ${classes} classes`);
  }

  /** Gaussian visible units given h: their means b + h·Wᵀ, drawn from N(mean, σ²) with `draw`. */
  async propagate(x: Matrix, to: Layer, draw?: DrawAddress): Promise<Matrix> {
    // Gaussian means, or softmax groups' logits that softmax-groups.wgsl finishes.
    const logits = to === 'visible' && (this.model.gaussian || this.softmax !== undefined);
    const epilogue = logits ? Epilogue.activation : draw ? Epilogue.sample : Epilogue.probability;
    return this.run(`computing ${to} units`, () => this.multiply(x, to, epilogue, draw));
  }

  /** Every step in one command buffer over resident chains, one readback (gibbs-chains.ts). */
  async gibbs(job: GibbsJob): Promise<Matrix> {
    const { device, kernels, model, softmax, gibbsSteps: steps, hiddenUnits: units } = this;
    return this.run('running Gibbs chains', () => gibbsOnGpu({ device, kernels, model, softmax, hiddenUnits: units, steps, maxBindingBytes: this.gpu.maxBindingBytes }, job));
  }

  /** c + v'·W or b + h·Wᵀ: the matmul's raw epilogue (Gaussian visible units: the hidden layer sees v/σ²). */
  async preActivations(x: Matrix, to: Layer): Promise<Matrix> {
    return this.run(`computing the ${to} units' pre-activations`, () => this.multiply(x, to, Epilogue.activation));
  }

  /** AIS's chains on the GPU, all runs at once, from the resident parameters (annealer.ts). */
  async anneal(job: AnnealJob): Promise<Float64Array> {
    // Softmax groups' categorical transitions and other than binary hidden units' tempered draws
    // have no kernel yet: the reference's, on the read-back parameters.
    if (this.shape.hiddenType !== 'binary') {
      const p = await this.getParameters();
      const [V, H] = [this.visible, this.hidden];
      const hidden = this.layers.hidden;
      return this.shape.visibleType === 'gaussian' ? annealGaussianOnHost(p, V, H, job, hidden) : annealOnHost(p, V, H, job, this.softmax, hidden);
    }
    if (this.softmax) return annealOnHost(await this.getParameters(), this.visible, this.hidden, job, this.softmax);
    return this.run('annealing', () => annealOnGpu(this.device, this.kernels, this.model, job, this.gpu.maxBindingBytes));
  }

  /**
   * Exact log Z on the GPU: one thread per state of the smaller layer (with Gaussian visible
   * units, of the hidden layer), chunks of PARTITION_CHUNK states, their terms added on the host
   * with log-sum-exp in float64.
   */
  async logPartitionExact(): Promise<number> {
    const p = await this.getParameters();
    // Other than binary hidden units: the reference's sum over the visible states, their terms
    // integrated out, on the host (no kernel yet).
    if (this.shape.hiddenType !== 'binary') return exactLogPartitionOf(this.layers, p, this.visible, this.hidden);
    // Softmax groups: the reference's sum over the hidden states, on the host (no kernel yet).
    if (this.softmax) return exactSoftmaxLogPartition(p, this.visible, this.hidden, this.softmax);
    const z = p.visibleLogVariance;
    const { n, m, columns, ownBias, otherBias } = z ? gaussianEnumeration(p, this.visible, this.hidden) : enumeration(p, this.visible, this.hidden);
    return this.run('computing log Z', async () => {
      const kernel = await this.kernels.get(partition, { gaussian: z !== undefined });
      const states = 2 ** n;
      const chunk = Math.min(states, PARTITION_CHUNK);
      const owned = [
        uploadFloats(this.device, 'columns', columns),
        uploadFloats(this.device, 'own bias', ownBias),
        uploadFloats(this.device, 'other bias', otherBias),
        uploadFloats(this.device, 'log-variances', z ?? new Float32Array(0)),
        createBuffer(this.device, 'terms', chunk * 4, Usage.storage),
        createBuffer(this.device, 'enumeration', Enumeration.size, Usage.uniform),
      ];
      const [columnsBuffer, ownBiasBuffer, otherBiasBuffer, logVariance, terms, job] = owned;
      const group = kernel.bind('partition', { columns: columnsBuffer, ownBias: ownBiasBuffer, otherBias: otherBiasBuffer, logVariance, terms, job });
      const total = new LogSumExp();
      try {
        for (let first = 0; first < states; first += chunk) {
          const count = Math.min(chunk, states - first);
          this.device.queue.writeBuffer(job, 0, Enumeration.pack({ n, m, first, count }));
          const read = await dispatchAndRead(this.device, 'partition', [[kernel.pipeline, group, Math.ceil(count / REDUCE_WG), 1]], undefined, {
            terms: { buffer: terms, bytes: count * 4 },
          });
          for (const term of new Float32Array(read.terms)) total.add(term);
        }
      } finally {
        for (const b of owned) b.destroy();
      }
      return total.value + (z ? gaussianNormaliser(z) : 0);
    });
  }

  async dispose(): Promise<void> {
    this.trainer?.destroy();
    this.trainer = undefined;
    this.model.destroy();
    this.gibbsSteps.destroy();
    this.kernels.destroy();
    if (this.gpu.owned) this.device.destroy();
  }

  /**
   * The layer `to` given `x`: one matmul whose epilogue gives probabilities, samples or
   * activations, in as many calls as the binding limit and the dispatch limit require. With
   * Gaussian visible units the hidden layer sees x/σ², and the visible means take their noise
   * when there is a draw (gaussian-visible.wgsl, before or after the matmul).
   */
  private async multiply(x: Matrix, to: Layer, epilogue: Epilogue, draw?: DrawAddress): Promise<Matrix> {
    const up = to === 'hidden';
    const k = up ? this.visible : this.hidden;
    const n = up ? this.hidden : this.visible;
    const out = matrix(x.rows, n);
    const rowsPerCall = Math.max(1, Math.min(Math.floor(this.gpu.maxBindingBytes / (Math.max(k, n) * 4)), MAX_GROUPS * TILE_M));
    const m = this.model;
    const [scaling, groupsKernel] = await Promise.all([
      m.gaussian ? this.kernels.get(gaussianVisible) : undefined,
      this.softmax && !up ? this.kernels.get(softmaxGroups) : undefined,
    ]);
    const sampling = epilogue === Epilogue.sample;
    for (let first = 0; first < x.rows; first += rowsPerCall) {
      const rows = Math.min(rowsPerCall, x.rows - first);
      const shape = matmulShape(rows, n);
      const kernel = await this.kernels.get(matmul, { transposeB: !up, epilogue, shape, unit: up ? this.hiddenUnits : undefined });
      const owned: GPUBuffer[] = [];
      const own = (b: GPUBuffer) => (owned.push(b), b);
      try {
        const input = own(uploadFloats(this.device, 'input', x.data.subarray(first * k, (first + rows) * k)));
        const output = own(createBuffer(this.device, 'output', rows * n * 4, Usage.storage));
        const call = own(uniformBuffer(this.device, 'call', Call, {
          n, k, aBlock: 0, outBlock: 0, phase: draw?.phase ?? 0, flags: sampling ? Write.samples : Write.stat, temperatures: 1,
        }));
        // The matmul kernel reads only seed and bySamples; the other fields belong to the update.
        const rule = own(uniformBuffer(this.device, 'rule', Rule, {
          seed: draw?.seed ?? 0, bySamples: 1, meanGradient: 0, momentum: 0, stepSize: 0, decayStep: 0,
        }));
        const step = own(this.stepBuffer({ rows, start: 0, drawBatch: draw?.batch ?? 0, drawEpoch: draw?.epoch ?? 0, index: 0, rowOffset: first }));
        const gaussianPass = (label: string, raw: GPUBuffer, floats: number, draws: boolean) => {
          const scaled = own(createBuffer(this.device, `${label} / σ²`, floats * 4, Usage.storage));
          const pass = { label, block: 0, draws, phase: draw?.phase ?? 0, rows };
          return { scaled, dispatch: gaussianVisiblePass(this.device, scaling!, m, { raw, scaled, rule }, pass, own) };
        };
        const before = m.gaussian && up ? gaussianPass('input', input, rows * k, false) : undefined;
        const after = m.gaussian && !up && draw ? gaussianPass('visible means', output, rows * n, true) : undefined;
        const groups = groupsKernel && softmaxGroupsPass(this.device, groupsKernel, output, rule, {
          label: 'softmax groups', visible: n, size: this.softmax!, block: 0, phase: draw?.phase, mask: false, rows,
        }, own);
        const operands = m.matmul({
          a: before?.scaled ?? input, bias: up ? m.hiddenBias : m.visibleBias, stat: sampling ? undefined : output, samples: sampling ? output : undefined, call, rule,
        });
        const dispatches: Dispatch[] = [
          ...(before ? [before.dispatch] : []),
          kernel.dispatch(`${to} units`, operands, ...matmulGrid(shape, rows, n)),
          ...(after ? [after.dispatch] : []),
          ...(groups ? [groups] : []),
        ];
        const read = await dispatchAndRead(this.device, `${to} units`, dispatches, { group: this.kernels.stepGroup('step', step, Step.size), offset: 0 }, {
          output: { buffer: output, bytes: rows * n * 4 },
        });
        out.data.set(new Float32Array(read.output), first * n);
      } finally {
        for (const b of owned) b.destroy();
      }
    }
    return out;
  }

  /** A uniform buffer holding one Step, for an inference call's group 1. */
  private stepBuffer(step: ValuesOf<typeof Step>): GPUBuffer {
    const buffer = createBuffer(this.device, 'step', UNIFORM_STRIDE, Usage.uniform);
    this.device.queue.writeBuffer(buffer, 0, packSteps([step]));
    return buffer;
  }

  /** Runs GPU work under error scopes; refuses once the device is lost. */
  private async run<T>(what: string, work: () => T | Promise<T>): Promise<T> {
    if (this.lost !== undefined) throw this.lostError(what);
    try {
      return await guarded(this.device, what, work);
    } catch (error) {
      if (this.lost !== undefined && !(error instanceof RbmError && error.code === 'INVALID_ARGUMENT')) {
        throw this.lostError(what, error);
      }
      throw error;
    }
  }

  private lostError(what: string, cause?: unknown): GpuError {
    return new GpuError('device-lost', `${what}: the GPU device was lost (${this.lost})`, { cause });
  }
}

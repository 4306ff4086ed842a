import wasmBytes from './rbm.wasm';
import { InvalidArgumentError } from '../../errors.js';
import type { Matrix } from '../../matrix.js';
import { isPixelMatrix, type PixelMatrix } from '../../pixels.js';
import { HostPixels, trainPixels } from '../chunked-epoch.js';
import { checkRule, copyParameters, firstBadBatch, inverseTemperatures, mergeChains, type AnnealJob, type Backend, type EpochPlan, type EpochResult, type ModelShape, type Parameters, type ResidentData, type TrainingRule } from '../backend.js';
import { transpose } from '../cpu/kernels.js';
import { checkShape, cpuBanner, HostBackend } from '../host-backend.js';
import { ALL_TENSORS, modelTensors, unitTypesOwning } from '../../layers/registry.js';
import type { Owner, ParameterName, TensorSpec } from '../../parameters.js';
import { annealLayout, type AnnealLayout, Command, CONTROL_ADDRESS, FLOAT_SLOTS, HiddenTypeWord, MemoryPlan, modelArrays, type ModelArray, scratchLayout, Slot, temperedLayout, type TemperedLayout, VisibleTypeWord } from './layout.js';
import { WorkerPool, type WorkerFactory } from './pool.js';

/** Whether this engine can run the kernels: workers (a factory), SIMD and shared memory. */
export function wasmSupported(workers: WorkerFactory | undefined): workers is WorkerFactory {
  if (!workers || typeof SharedArrayBuffer === 'undefined' || typeof WebAssembly === 'undefined') return false;
  try {
    return WebAssembly.validate(wasmBytes);
  } catch {
    return false;
  }
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** The health word while no batch has produced a non-finite parameter. */
const HEALTHY = 0x7fffffff;

class WasmData implements ResidentData {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly address: number,
    readonly mark: number,
    /** The rows' class labels, in the shared memory from `labelAddress`, for a model with a label layer. */
    readonly labels?: Uint32Array,
    readonly labelAddress = 0,
  ) {}
  /** Its memory is reused by the next upload. */
  release(): void {}
}

/** The owners of tensors that a model has or not as its parameters say: centring's offsets, and a label layer's U and d. */
const OPTIONAL_OWNERS: ReadonlySet<Owner> = new Set(['centring', 'labels']);

/** A tensor and its velocity, as the fields of Parameters. */
const fieldsOf = (spec: TensorSpec): ParameterName[] => [spec.field, ...(spec.velocity ? [spec.velocity.field] : [])];

/** Who has a tensor, in the words of an error. */
function whoHas(spec: TensorSpec): string {
  if (spec.owner === 'labels') return 'a model with a label layer';
  const types = unitTypesOwning(spec);
  return types.length > 0 ? `a model with ${types.join(' or ')}` : 'every model';
}

interface TrainingRegions {
  readonly data: WasmData;
  readonly chains: number;
  readonly maxRows: number;
  readonly batches: number;
  /** Parallel tempering's M, 0 without it. */
  readonly temperatures: number;
  /** Each thread's tempering scratch, from `base`, when the rule tempers. */
  readonly tempered?: { readonly base: number; readonly layout: TemperedLayout };
  readonly order: number;
  readonly batchStarts: number;
  /**
   * Each data row's term of its batch's loss: log P(x | h0), Gaussian units' Σ (x − (b + h0·Wᵀ))²,
   * softmax groups' Σ −log p over the observed units, or a label layer's −log p(y | x).
   */
  readonly rowLoss: number;
  /** Softmax groups: each data row's count of observed units, the loss's denominator. */
  readonly rowObserved: number;
  /** The label layer's classes the regions were laid out for (0: none). */
  readonly classes: number;
}

/**
 * Softmax groups' loss over the batch of data rows [start, end): their Σ −log p over the
 * observed units, divided by how many there are (0 when none is), as softmaxCrossEntropy.
 */
function softmaxLoss(rowLoss: Float64Array, observed: Float64Array, start: number, end: number): number {
  let [total, count] = [0, 0];
  for (let r = start; r < end; r++) {
    total += rowLoss[r];
    count += observed[r];
  }
  return count === 0 ? 0 : total / count;
}

/** The visible units' type word: Gaussian units, softmax groups (of `softmax` units) or binary units. */
function visibleTypeWord(gaussian: boolean, softmax: number | undefined): number {
  if (gaussian) return VisibleTypeWord.gaussian;
  return softmax ? VisibleTypeWord.softmax : VisibleTypeWord.binary;
}

/**
 * Steps of AIS per pool command: about 2^30 additions of weights (a fraction of a second),
 * so that a long path is many commands and V8 has tiered the kernels up after the first.
 */
function annealPiece(runs: number, visible: number, hidden: number): number {
  return Math.min(4096, Math.max(1, Math.floor(2 ** 30 / Math.max(1, runs * visible * hidden))));
}

/**
 * The fast CPU backend: WebAssembly SIMD kernels (src/backend/wasm/assembly) on all cores.
 * Training and AIS's chains run in a pool of workers that share the model's memory; the rest
 * of inference uses the plain TypeScript kernels on views of that memory. Every tensor of the
 * model's shape (the parameter schema, modelArrays) has a region of that memory, named by its
 * field as the control slot that tells the kernels where it is; the unit types' words choose the
 * kernels' code (layers/visible.ts, layers/hidden.ts). Centring's offsets and a label layer (of
 * the shape's classes, with data uploaded with labels) are the model's when its parameters carry them.
 */
export class WasmBackend extends HostBackend implements Backend {
  readonly info: { backend: 'cpu'; device: string };
  readonly banner: string;
  private readonly plan: MemoryPlan;
  /** Each of the model's arrays (modelArrays) and where it is. */
  private readonly arrays: ReadonlyMap<ModelArray['name'], { readonly address: number; readonly length: number }>;
  /** The model's tensors: the schema's for its shape, centring's offsets included. */
  private readonly tensors: readonly TensorSpec[];
  private readonly afterModel: number;
  private regions: TrainingRegions | undefined;
  /** Persistent CD's chains, kept on the host between epochs (Parameters.hiddenChains). */
  private chains: Float32Array = new Float32Array(0);
  /** The owners whose tensors the model has: every required one, and the optional ones the parameters set carried. */
  private owners: ReadonlySet<Owner>;
  /** Whether the visible units are Gaussian (their log-variances beside the biases). */
  private readonly gaussian: boolean;

  private constructor(
    shape: ModelShape,
    private readonly memory: WebAssembly.Memory,
    private readonly pool: WorkerPool,
    plan: MemoryPlan,
    note?: string,
  ) {
    super(shape);
    const { visible, hidden } = shape;
    this.gaussian = shape.visibleType === 'gaussian';
    this.plan = plan;
    const kernels = `WebAssembly SIMD, ${pool.threads} thread${pool.threads === 1 ? '' : 's'}`;
    this.info = { backend: 'cpu', device: `CPU (${kernels})` };
    this.banner = cpuBanner(kernels, note);
    this.tensors = modelTensors({ ...shape, centering: true });
    this.owners = new Set(this.tensors.map((spec) => spec.owner).filter((owner) => !OPTIONAL_OWNERS.has(owner)));
    this.arrays = new Map(modelArrays(shape).map(({ name, length }) => [name, { address: plan.allocate(length * 4), length }]));
    this.afterModel = plan.mark();
    this.setWords({ visible, hidden, ...Object.fromEntries([...this.arrays].map(([name, { address }]) => [name, address])) });
  }

  /** A backend for a model of `shape` whose kernels run on `threads` workers started by `workers`. */
  static async create(shape: ModelShape, workers: WorkerFactory, threads: number, note?: string): Promise<WasmBackend> {
    checkShape(shape);
    if (HiddenTypeWord[shape.hiddenType] === undefined) throw new InvalidArgumentError('hiddenType', `the WebAssembly kernels have no ${shape.hiddenType} hidden units (threads: 0 runs the TypeScript kernels)`);
    compiled ??= WebAssembly.compile(wasmBytes);
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 65536, shared: true });
    const plan = new MemoryPlan(memory);
    const pool = await WorkerPool.start(workers, await compiled, memory, threads);
    return new WasmBackend(shape, memory, pool, plan, note);
  }

  /**
   * Writes every tensor the model has into its region (a velocity the parameters lack starts at
   * zero), after refusing, before anything changes, a tensor of the shape that is missing or of
   * the wrong length and one the shape does not have. Centring's offsets and the label layer are
   * the model's when the parameters carry them.
   */
  async setParameters(p: Parameters): Promise<void> {
    const given = p as unknown as Partial<Record<ParameterName, Float32Array>>;
    const owners = this.ownersOf(given);
    for (const spec of this.tensors) {
      if (!owners.has(spec.owner)) continue;
      for (const field of fieldsOf(spec)) {
        const values = given[field];
        if (values) this.floats(field).set(values);
        else this.floats(field).fill(0);
      }
    }
    transpose(p.weights, this.visible, this.hidden, this.floats('weightsT'));
    this.chains = p.hiddenChains?.slice() ?? new Float32Array(0);
    this.owners = owners;
  }

  /** The owners whose tensors `given` carries, after checking them against the shape's. */
  private ownersOf(given: Partial<Record<ParameterName, Float32Array>>): Set<Owner> {
    for (const spec of ALL_TENSORS) {
      if (this.tensors.includes(spec)) continue;
      const extra = fieldsOf(spec).find((field) => given[field] !== undefined);
      if (extra) throw new InvalidArgumentError('parameters', `only ${whoHas(spec)} has ${extra}`);
    }
    const owners = new Set(this.owners);
    for (const owner of OPTIONAL_OWNERS) {
      const specs = this.tensors.filter((spec) => spec.owner === owner);
      if (specs.length > 0 && specs.every((spec) => given[spec.field] !== undefined)) owners.add(owner);
      else owners.delete(owner);
    }
    for (const spec of this.tensors) {
      if (!owners.has(spec.owner)) continue;
      if (given[spec.field] === undefined) throw new InvalidArgumentError('parameters', `${whoHas(spec)} needs ${spec.field}`);
      for (const field of fieldsOf(spec)) {
        const { length } = this.arrays.get(field)!;
        if (given[field] !== undefined && given[field]!.length !== length) throw new InvalidArgumentError(field, `expected ${length} values, got ${given[field]!.length}`);
      }
    }
    return owners;
  }

  async getParameters(): Promise<Parameters> {
    return copyParameters(this.view());
  }

  async upload(x: Matrix | PixelMatrix, labels?: Uint32Array): Promise<ResidentData> {
    // 8-bit rows stay 8-bit on the host; trainPixels hands the kernels float32 chunks of them.
    if (isPixelMatrix(x)) return new HostPixels(x, labels?.slice());
    if (labels && labels.length !== x.rows) throw new InvalidArgumentError('labels', `expected one label for each of the ${x.rows} rows, got ${labels.length}`);
    this.regions = undefined;
    this.plan.reset(this.afterModel);
    const address = this.plan.allocate(x.data.byteLength, 'x', `${x.rows} rows of ${x.cols} values`);
    new Float32Array(this.memory.buffer, address, x.data.length).set(x.data);
    if (!labels) return new WasmData(x.rows, x.cols, address, this.plan.mark());
    const labelAddress = this.plan.allocate(labels.byteLength, 'labels', `${x.rows} labels`);
    new Uint32Array(this.memory.buffer, labelAddress, labels.length).set(labels);
    return new WasmData(x.rows, x.cols, address, this.plan.mark(), labels.slice(), labelAddress);
  }

  async trainEpoch(resident: ResidentData, plan: EpochPlan): Promise<EpochResult> {
    if (resident instanceof HostPixels) return trainPixels(this, resident, plan, copyParameters(this.view()));
    const data = resident as WasmData;
    this.checkRule(plan.rule, data);
    const batches = plan.batchStarts.length - 1;
    const regions = this.prepare(data, plan, batches);
    const before = copyParameters(this.view());
    const starts = plan.batchStarts;
    new Uint32Array(this.memory.buffer, regions.order, data.rows).set(plan.order);
    new Uint32Array(this.memory.buffer, regions.batchStarts, batches + 1).set(starts);
    const { rule } = plan;
    this.setWords({
      seed: plan.seed,
      epoch: plan.epoch,
      batches,
      // 1: 'samples'; 2: 'mixed' (sampled visible states into the hidden half steps); 0: 'probabilities'.
      bySamples: rule.statistics === 'samples' ? 1 : rule.statistics === 'mixed' ? 2 : 0,
      meanGradient: rule.gradient === 'mean' ? 1 : 0,
      cdSteps: rule.cdSteps,
      persistent: rule.persistent ? 1 : 0,
      momentum: rule.momentum,
      stepSize: (1 - rule.momentum) * rule.learningRate,
      weightDecay: rule.weightDecay,
      centring: rule.centring ? 1 : 0,
      offsetRate: rule.centring?.offsetRate ?? 0,
      temperatures: regions.temperatures,
      visibleType: visibleTypeWord(this.gaussian, this.layers.visible.groupSize),
      hiddenType: HiddenTypeWord[this.shape.hiddenType]!,
      learnVariance: this.gaussian && rule.learnVariance ? 1 : 0,
      softmaxSize: this.layers.visible.groupSize ?? 0,
      ...this.labelWords(rule, data),
      health: HEALTHY,
    });
    for (const counts of this.threadSwapCounts(regions)) counts.fill(0);
    const chainFloats = regions.maxRows * Math.max(1, regions.temperatures) * this.hidden;
    const chains = new Float32Array(this.memory.buffer, regions.chains, chainFloats);
    chains.fill(0);
    chains.set(this.chains.subarray(0, Math.min(this.chains.length, chainFloats)));
    // One command for the whole epoch; batch by batch when a signal may stop it or progress
    // is reported, so that both happen exactly at batch boundaries.
    const stepwise = plan.signal !== undefined || plan.onBatch !== undefined;
    let end = plan.firstBatch;
    while (end < batches) {
      const from = end;
      end = stepwise ? end + 1 : batches;
      this.setWords({ firstBatch: from, lastBatch: end });
      await this.pool.run(Command.train);
      if (!stepwise) break;
      plan.onBatch?.(from);
      if (end < batches && plan.signal?.aborted) break;
    }
    const done = end - plan.firstBatch;

    const rowLoss = new Float64Array(this.memory.buffer, regions.rowLoss, data.rows);
    const observed = new Float64Array(this.memory.buffer, regions.rowObserved, data.rows);
    const loss = new Float64Array(done);
    for (let k = 0; k < done; k++) {
      const b = plan.firstBatch + k;
      loss[k] = this.layers.visible.groupSize ? softmaxLoss(rowLoss, observed, starts[b], starts[b + 1]) : this.batchLoss(rowLoss.subarray(starts[b], starts[b + 1]), rule);
    }
    const health = this.word('health');
    const bad = firstBadBatch(loss, plan.firstBatch, health === HEALTHY ? undefined : health);
    if (bad !== undefined) {
      await this.setParameters(before);
      return { losses: loss.slice(0, bad - plan.firstBatch), parameters: before, stopped: false, nonFiniteBatch: bad };
    }
    if (rule.persistent) this.chains = mergeChains(this.chains, chains);
    const swaps = this.swapsCounted(regions);
    return { losses: loss, parameters: copyParameters(this.view()), stopped: plan.firstBatch + done < batches, ...(swaps && { swaps }) };
  }

  /** The control words of a label layer's step (classes 0 without one). */
  private labelWords(rule: TrainingRule, data: WasmData): Partial<Record<keyof typeof Slot, number>> {
    if (!rule.labels) return { classes: 0 };
    const { objective, generativeWeight } = rule.labels;
    return {
      classes: this.classes,
      labels: data.labelAddress,
      discriminative: objective === 'generative' ? 0 : 1,
      generativeScale: objective === 'discriminative' ? 0 : objective === 'hybrid' ? generativeWeight : 1,
    };
  }

  /** The label layer's classes: the shape's, when the parameters set carried the layer (0: none). */
  private get classes(): number {
    return this.owners.has('labels') ? this.shape.labels : 0;
  }

  /**
   * Refuses a rule this model cannot train: the rule table's combinations (checkRule), centring
   * without offsets, and a labelled step without the data's labels or with a label beyond the layer's classes.
   */
  private checkRule(rule: TrainingRule, data: WasmData): void {
    checkRule(this.shape, rule);
    if (rule.labels) {
      if (this.classes === 0) throw new InvalidArgumentError('plan.rule.labels', 'a labelled step needs the label layer: set parameters with labelWeights and labelBias first');
      if (!data.labels) throw new InvalidArgumentError('labels', 'a labelled step needs the data uploaded with its labels');
      const bad = data.labels.findIndex((y) => y >= this.classes);
      if (bad >= 0) throw new InvalidArgumentError('labels', `row ${bad} has label ${data.labels[bad]}, but the model has ${this.classes} classes`);
    }
    if (rule.centring && !this.owners.has('centring')) {
      throw new InvalidArgumentError('plan.rule.centring', 'a centred step needs the offsets: set parameters with visibleOffset and hiddenOffset first');
    }
  }

  /**
   * A batch's loss from its rows' terms (in float64, row by row): simple_rbm's KL divergence
   * (−log B − mean log P(x | h0)) / V, or Gaussian units' mean squared error Σ / (B·V).
   */
  private batchLoss(rowLoss: Float64Array, rule: TrainingRule): number {
    let sum = 0;
    for (const term of rowLoss) sum += term;
    const rows = rowLoss.length;
    if (rule.labels) return sum / rows;
    return this.gaussian ? sum / (rows * this.visible) : (-Math.log(rows) - sum / rows) / this.visible;
  }

  /** Each thread's swaps accepted and offered this epoch, in its tempering scratch; none without tempering. */
  private threadSwapCounts(regions: TrainingRegions): Float64Array[] {
    const t = regions.tempered;
    if (!t) return [];
    return Array.from({ length: this.pool.threads }, (_, k) => new Float64Array(this.memory.buffer, t.base + k * t.layout.bytes + t.layout.swaps, 2));
  }

  /** The epoch's swaps, summed over the threads (whole numbers, so in any order). */
  private swapsCounted(regions: TrainingRegions): EpochResult['swaps'] {
    if (!regions.tempered) return undefined;
    let [accepted, tried] = [0, 0];
    for (const counts of this.threadSwapCounts(regions)) {
      accepted += counts[0];
      tried += counts[1];
    }
    return { accepted, tried };
  }

  /**
   * AIS's chains in the workers, each thread running its share of them along the whole path
   * (Gaussian visible units: annealGaussianOnHost's, without job.baseBias). The kernels' AIS has
   * binary hidden units: other hidden units' chains run on the host reference (HostBackend's
   * anneal), on the parameters in the shared memory.
   */
  override async anneal(job: AnnealJob): Promise<Float64Array> {
    if (this.shape.hiddenType !== 'binary') return super.anneal(job);
    const { path, runs } = job;
    const { visible: V, hidden: H } = this;
    if (job.start.length !== runs * V) throw new InvalidArgumentError('start', `expected ${runs} × ${V} starting states, got ${job.start.length} values`);
    if (job.baseBias.length !== V) throw new InvalidArgumentError('baseBias', `expected ${V} base-rate biases, got ${job.baseBias.length}`);
    const mark = this.plan.mark();
    try {
      const at = this.layOutAnneal(runs, path.length);
      new Float64Array(this.memory.buffer, at.path, path.length).set(path);
      new Float32Array(this.memory.buffer, at.start, runs * V).set(job.start);
      new Float32Array(this.memory.buffer, at.baseBias, V).set(job.baseBias);
      new Float64Array(this.memory.buffer, at.logWeight, runs).fill(0);
      this.setWords({ seed: job.seed, annealRuns: runs, visibleType: visibleTypeWord(this.gaussian, this.layers.visible.groupSize), hiddenType: HiddenTypeWord.binary, softmaxSize: this.layers.visible.groupSize ?? 0 });
      const piece = annealPiece(runs, V, H);
      for (let first = 1; first < path.length; first += piece) {
        this.setWords({ annealFirstStep: first, annealLastStep: Math.min(first + piece, path.length) });
        await this.pool.run(Command.anneal);
      }
      return new Float64Array(this.memory.buffer, at.logWeight, runs).slice();
    } finally {
      this.plan.reset(mark);
    }
  }

  async dispose(): Promise<void> {
    await this.pool.stop();
  }

  /** Lays out the buffers one data set and batch size need, once. */
  private prepare(data: WasmData, plan: EpochPlan, batches: number): TrainingRegions {
    const maxRows = plan.largestBatch;
    const M = plan.rule.parallelTempering?.temperatures ?? 0;
    const r = this.regions;
    const C = plan.rule.labels ? this.classes : 0;
    if (r && r.data === data && r.maxRows === maxRows && r.batches === batches && r.temperatures === M && r.classes === C) return r;
    const { visible: V, hidden: H } = this;
    const a = (bytes: number) => this.plan.allocate(bytes, 'batchSize', `training on ${data.rows} rows in batches of ${maxRows}`);
    this.plan.reset(data.mark);
    const scratch = scratchLayout(V, H);
    // Hidden states that are not 0/1: the values of their lists, and the m₂ of each row's statistics for γ.
    const real = this.shape.hiddenType === 'binary' ? 0 : maxRows * H * 4;
    const regions: TrainingRegions = {
      data,
      maxRows,
      batches,
      temperatures: M,
      // With tempering, each row's M chains together (Parameters.hiddenChains).
      chains: a(maxRows * Math.max(1, M) * H * 4),
      order: a(data.rows * 4),
      batchStarts: a((batches + 1) * 4),
      rowLoss: a(data.rows * 8),
      rowObserved: a(data.rows * 8),
      classes: C,
    };
    this.setWords({
      data: data.address,
      rows: data.rows,
      maxRows,
      order: regions.order,
      batchStarts: regions.batchStarts,
      rowLoss: regions.rowLoss,
      rowObserved: regions.rowObserved,
      // A label layer's rows: c + x·W, their C × H parts of U's gradient, and 2C float64 each
      // (d's parts and scratch for the labels' logits); U's gradient.
      labelActivation: a(C === 0 ? 0 : maxRows * H * 4),
      labelStatistic: a(maxRows * C * H * 4),
      labelTerms: a(maxRows * 2 * C * 8),
      labelGradient: a(C * H * 4),
      hidden0: a(maxRows * H * 4),
      hidden0Prob: a(maxRows * H * 4),
      visible1: a(maxRows * V * 4),
      hidden1: a(maxRows * H * 4),
      chains: regions.chains,
      xIndex: a(maxRows * V * 4),
      xValue: a(maxRows * V * 4),
      xCount: a(maxRows * 4),
      vIndex: a(maxRows * V * 4),
      vValue: a(maxRows * V * 4),
      vCount: a(maxRows * 4),
      // Each row's list of hidden units on, for the forward passes run over all of a thread's rows.
      hiddenLists: a(maxRows * H * 4),
      hiddenCounts: a(maxRows * 4),
      hiddenValues: a(real),
      hidden0Moment: a(real),
      hidden1Moment: a(real),
      gradient: a(V * H * 4),
      hiddenGradient: a(H * 4),
      scratch: a(scratch.bytes * this.pool.threads),
      scratchBytes: scratch.bytes,
      scratchUniforms: scratch.uniforms,
      scratchHiddenIndex: scratch.hiddenIndex,
      scratchVisibleGradient: scratch.visibleGradient,
      scratchHiddenSample: scratch.hiddenSample,
      scratchVarianceGradient: scratch.varianceGradient,
      scratchUnitStarts: scratch.unitStarts,
      scratchUnitTerms: scratch.unitTerms,
    });
    this.regions = M === 0 ? regions : { ...regions, tempered: this.layOutTempering(M, a) };
    return this.regions;
  }

  /** Parallel tempering's inverse temperatures and each thread's scratch for a row's M chains. */
  private layOutTempering(M: number, allocate: (bytes: number) => number): NonNullable<TrainingRegions['tempered']> {
    const layout = temperedLayout(this.visible, this.hidden, M);
    const betas = allocate(M * 4);
    new Float32Array(this.memory.buffer, betas, M).set(inverseTemperatures(M));
    const base = allocate(layout.bytes * this.pool.threads);
    this.setWords({
      betas,
      tempered: base,
      temperedBytes: layout.bytes,
      temperedSwaps: layout.swaps,
      temperedEnergy: layout.energy,
      temperedUniforms: layout.uniforms,
      temperedVisible: layout.visible,
      temperedActivation: layout.activation,
    });
    return { base, layout };
  }

  /** Lays out AIS's buffers above everything else, in one region; the caller resets the plan afterwards. */
  private layOutAnneal(runs: number, steps: number): AnnealLayout {
    const { visible: V, hidden: H } = this;
    const threads = this.pool.threads;
    const { bytes } = annealLayout(V, H, runs, steps, threads, this.gaussian);
    const at = annealLayout(V, H, runs, steps, threads, this.gaussian, this.plan.allocate(bytes, 'runs', `${runs} AIS runs along ${steps} inverse temperatures`));
    this.setWords({
      annealPath: at.path,
      annealStart: at.start,
      annealBaseBias: at.baseBias,
      annealLogWeight: at.logWeight,
      annealHiddenInput: at.hiddenInput,
      annealVisibleInput: at.visibleInput,
      annealVisibleValue: at.visibleValue,
      annealVisibleIndex: at.visibleIndex,
      annealVisibleCount: at.visibleCount,
      annealHiddenIndex: at.hiddenIndex,
      annealHiddenCount: at.hiddenCount,
      annealUniforms: at.uniforms,
      annealUniformBytes: at.uniformBytes,
    });
    return at;
  }

  protected view(): Parameters {
    const p: Partial<Record<ParameterName, Float32Array>> = {};
    for (const spec of this.tensors) if (this.owners.has(spec.owner)) for (const field of fieldsOf(spec)) p[field] = this.floats(field);
    if (this.chains.length > 0) p.hiddenChains = this.chains;
    return p as unknown as Parameters;
  }

  /** One of the model's arrays, where the kernels keep it. */
  private floats(name: ModelArray['name']): Float32Array {
    const { address, length } = this.arrays.get(name)!;
    return new Float32Array(this.memory.buffer, address, length);
  }

  private word(slot: keyof typeof Slot): number {
    return Atomics.load(new Int32Array(this.memory.buffer, CONTROL_ADDRESS + Slot[slot], 1), 0);
  }

  private setWords(words: Partial<Record<keyof typeof Slot, number>>): void {
    const view = new DataView(this.memory.buffer, CONTROL_ADDRESS);
    for (const [name, value] of Object.entries(words)) {
      const at = Slot[name as keyof typeof Slot];
      if (at === undefined) throw new Error(`the control block has no slot ${name}`);
      if (FLOAT_SLOTS.has(name)) view.setFloat32(at, value as number, true);
      else view.setUint32(at, (value as number) >>> 0, true);
    }
  }
}

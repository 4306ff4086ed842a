import wasmBytes from './rbm.wasm';
import { InvalidArgumentError } from '../../errors.js';
import type { Matrix } from '../../matrix.js';
import { copyParameters, firstBadBatch, inverseTemperatures, mergeChains, type AnnealJob, type Backend, type EpochPlan, type EpochResult, type Parameters, type ResidentData, type TrainingRule } from '../backend.js';
import { transpose } from '../cpu/kernels.js';
import { cpuBanner, HostBackend } from '../host-backend.js';
import { annealLayout, type AnnealLayout, Command, CONTROL_ADDRESS, FLOAT_SLOTS, MemoryPlan, scratchLayout, Slot, temperedLayout, type TemperedLayout } from './layout.js';
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
  ) {}
  /** Its memory is reused by the next upload. */
  release(): void {}
}

type Region =
  | 'weights'
  | 'weightsT'
  | 'visibleBias'
  | 'hiddenBias'
  | 'weightVelocity'
  | 'visibleBiasVelocity'
  | 'hiddenBiasVelocity'
  | 'visibleOffset'
  | 'hiddenOffset'
  | 'visibleLogVariance'
  | 'visibleLogVarianceVelocity'
  | 'visiblePrecision'
  | 'visibleDeviation';

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
  /** Each data row's term of its batch's loss: log P(x | h0), or Gaussian units' Σ (x − (b + h0·Wᵀ))². */
  readonly rowLoss: number;
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
 * of inference uses the plain TypeScript kernels on views of that memory. Binary or Gaussian
 * visible units: a model whose parameters carry visibleLogVariance is Gaussian, and the
 * kernels keep its log-variances (and σ's scales) beside the biases.
 */
export class WasmBackend extends HostBackend implements Backend {
  readonly info: { backend: 'cpu'; device: string };
  readonly banner: string;
  private readonly plan: MemoryPlan;
  private readonly address: Record<Region, number>;
  private readonly afterModel: number;
  private regions: TrainingRegions | undefined;
  /** Persistent CD's chains, kept on the host between epochs (Parameters.hiddenChains). */
  private chains: Float32Array = new Float32Array(0);
  /** Whether the parameters set carried centring's offsets, so that the model has them. */
  private centred = false;
  /** Whether the parameters set carried log-variances: the visible units are Gaussian. */
  private gaussian = false;

  private constructor(
    visible: number,
    hidden: number,
    private readonly memory: WebAssembly.Memory,
    private readonly pool: WorkerPool,
    plan: MemoryPlan,
    note?: string,
  ) {
    super(visible, hidden);
    this.plan = plan;
    const kernels = `WebAssembly SIMD, ${pool.threads} thread${pool.threads === 1 ? '' : 's'}`;
    this.info = { backend: 'cpu', device: `CPU (${kernels})` };
    this.banner = cpuBanner(kernels, note);
    const VH = visible * hidden * 4;
    this.address = {
      weights: plan.allocate(VH),
      weightsT: plan.allocate(VH),
      visibleBias: plan.allocate(visible * 4),
      hiddenBias: plan.allocate(hidden * 4),
      weightVelocity: plan.allocate(VH),
      visibleBiasVelocity: plan.allocate(visible * 4),
      hiddenBiasVelocity: plan.allocate(hidden * 4),
      visibleOffset: plan.allocate(visible * 4),
      hiddenOffset: plan.allocate(hidden * 4),
      visibleLogVariance: plan.allocate(visible * 4),
      visibleLogVarianceVelocity: plan.allocate(visible * 4),
      // 1/σ² and σ, which the kernels set from the log-variances.
      visiblePrecision: plan.allocate(visible * 4),
      visibleDeviation: plan.allocate(visible * 4),
    };
    this.afterModel = plan.mark();
    this.setWords({ visible, hidden, ...this.address });
  }

  /** A backend whose kernels run on `threads` workers started by `workers`. */
  static async create(visible: number, hidden: number, workers: WorkerFactory, threads: number, note?: string): Promise<WasmBackend> {
    compiled ??= WebAssembly.compile(wasmBytes);
    const memory = new WebAssembly.Memory({ initial: 4, maximum: 65536, shared: true });
    const plan = new MemoryPlan(memory);
    const pool = await WorkerPool.start(workers, await compiled, memory, threads);
    return new WasmBackend(visible, hidden, memory, pool, plan, note);
  }

  async setParameters(p: Parameters): Promise<void> {
    const f = this.floats.bind(this);
    f('weights', this.visible * this.hidden).set(p.weights);
    f('visibleBias', this.visible).set(p.visibleBias);
    f('hiddenBias', this.hidden).set(p.hiddenBias);
    f('weightVelocity', this.visible * this.hidden).set(p.weightVelocity);
    f('visibleBiasVelocity', this.visible).set(p.visibleBiasVelocity);
    f('hiddenBiasVelocity', this.hidden).set(p.hiddenBiasVelocity);
    transpose(p.weights, this.visible, this.hidden, f('weightsT', this.visible * this.hidden));
    this.chains = p.hiddenChains?.slice() ?? new Float32Array(0);
    this.centred = p.visibleOffset !== undefined && p.hiddenOffset !== undefined;
    if (p.visibleOffset && p.hiddenOffset) {
      f('visibleOffset', this.visible).set(p.visibleOffset);
      f('hiddenOffset', this.hidden).set(p.hiddenOffset);
    }
    this.gaussian = p.visibleLogVariance !== undefined;
    if (p.visibleLogVariance) {
      f('visibleLogVariance', this.visible).set(p.visibleLogVariance);
      const velocity = f('visibleLogVarianceVelocity', this.visible);
      if (p.visibleLogVarianceVelocity) velocity.set(p.visibleLogVarianceVelocity);
      else velocity.fill(0);
    }
  }

  async getParameters(): Promise<Parameters> {
    return copyParameters(this.view());
  }

  async upload(x: Matrix): Promise<ResidentData> {
    this.regions = undefined;
    this.plan.reset(this.afterModel);
    const address = this.plan.allocate(x.data.byteLength, 'x', `${x.rows} rows of ${x.cols} values`);
    new Float32Array(this.memory.buffer, address, x.data.length).set(x.data);
    return new WasmData(x.rows, x.cols, address, this.plan.mark());
  }

  async trainEpoch(resident: ResidentData, plan: EpochPlan): Promise<EpochResult> {
    const data = resident as WasmData;
    this.checkRule(plan.rule);
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
      bySamples: rule.statistics === 'samples' ? 1 : 0,
      meanGradient: rule.gradient === 'mean' ? 1 : 0,
      cdSteps: rule.cdSteps,
      persistent: rule.persistent ? 1 : 0,
      momentum: rule.momentum,
      stepSize: (1 - rule.momentum) * rule.learningRate,
      weightDecay: rule.weightDecay,
      centering: rule.centering ? 1 : 0,
      offsetRate: rule.centering?.offsetRate ?? 0,
      temperatures: regions.temperatures,
      gaussian: rule.gaussian ? 1 : 0,
      learnVariance: rule.gaussian?.learnVariance ? 1 : 0,
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
    const kl = new Float64Array(done);
    for (let k = 0; k < done; k++) {
      const b = plan.firstBatch + k;
      kl[k] = this.batchLoss(rowLoss.subarray(starts[b], starts[b + 1]), rule);
    }
    const health = this.word('health');
    const bad = firstBadBatch(kl, plan.firstBatch, health === HEALTHY ? undefined : health);
    if (bad !== undefined) {
      await this.setParameters(before);
      return { klDivergence: kl.slice(0, bad - plan.firstBatch), parameters: before, stopped: false, nonFiniteBatch: bad };
    }
    if (rule.persistent) this.chains = mergeChains(this.chains, chains);
    const swaps = this.swapsCounted(regions);
    return { klDivergence: kl, parameters: copyParameters(this.view()), stopped: plan.firstBatch + done < batches, ...(swaps && { swaps }) };
  }

  /** Refuses a rule this model cannot train: centring without offsets, Gaussian units without log-variances, or with centring or tempering. */
  private checkRule(rule: TrainingRule): void {
    if (rule.centering && !this.centred) {
      throw new InvalidArgumentError('plan.rule.centering', 'a centred step needs the offsets: set parameters with visibleOffset and hiddenOffset first');
    }
    if (rule.gaussian && !this.gaussian) {
      throw new InvalidArgumentError('plan.rule.gaussian', 'a Gaussian step needs the log-variances: set parameters with visibleLogVariance first');
    }
    if (rule.gaussian && (rule.centering || rule.parallelTempering)) {
      throw new InvalidArgumentError('plan.rule.gaussian', 'Gaussian visible units are trained without centring or parallel tempering');
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
    return rule.gaussian ? sum / (rows * this.visible) : (-Math.log(rows) - sum / rows) / this.visible;
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

  /** AIS's chains in the workers, each thread running its share of them along the whole path (Gaussian units: annealGaussianOnHost's, without job.baseBias). */
  override async anneal(job: AnnealJob): Promise<Float64Array> {
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
      this.setWords({ seed: job.seed, annealRuns: runs, gaussian: this.gaussian ? 1 : 0 });
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
    if (r && r.data === data && r.maxRows === maxRows && r.batches === batches && r.temperatures === M) return r;
    const { visible: V, hidden: H } = this;
    const a = (bytes: number) => this.plan.allocate(bytes, 'batchSize', `training on ${data.rows} rows in batches of ${maxRows}`);
    this.plan.reset(data.mark);
    const scratch = scratchLayout(V, H);
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
    };
    this.setWords({
      data: data.address,
      rows: data.rows,
      maxRows,
      order: regions.order,
      batchStarts: regions.batchStarts,
      rowLoss: regions.rowLoss,
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
      gradient: a(V * H * 4),
      hiddenGradient: a(H * 4),
      scratch: a(scratch.bytes * this.pool.threads),
      scratchBytes: scratch.bytes,
      scratchUniforms: scratch.uniforms,
      scratchHiddenIndex: scratch.hiddenIndex,
      scratchVisibleGradient: scratch.visibleGradient,
      scratchHiddenSample: scratch.hiddenSample,
      scratchVarianceGradient: scratch.varianceGradient,
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
    const f = this.floats.bind(this);
    const VH = this.visible * this.hidden;
    return {
      weights: f('weights', VH),
      visibleBias: f('visibleBias', this.visible),
      hiddenBias: f('hiddenBias', this.hidden),
      weightVelocity: f('weightVelocity', VH),
      visibleBiasVelocity: f('visibleBiasVelocity', this.visible),
      hiddenBiasVelocity: f('hiddenBiasVelocity', this.hidden),
      ...(this.chains.length > 0 && { hiddenChains: this.chains }),
      ...(this.centred && { visibleOffset: f('visibleOffset', this.visible), hiddenOffset: f('hiddenOffset', this.hidden) }),
      ...(this.gaussian && { visibleLogVariance: f('visibleLogVariance', this.visible), visibleLogVarianceVelocity: f('visibleLogVarianceVelocity', this.visible) }),
    };
  }

  private floats(name: Region, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.address[name], length);
  }

  private word(slot: keyof typeof Slot): number {
    return Atomics.load(new Int32Array(this.memory.buffer, CONTROL_ADDRESS + Slot[slot], 1), 0);
  }

  private setWords(words: Partial<Record<keyof typeof Slot, number>>): void {
    const view = new DataView(this.memory.buffer, CONTROL_ADDRESS);
    for (const [name, value] of Object.entries(words)) {
      const at = Slot[name as keyof typeof Slot];
      if (FLOAT_SLOTS.has(name)) view.setFloat32(at, value as number, true);
      else view.setUint32(at, (value as number) >>> 0, true);
    }
  }
}

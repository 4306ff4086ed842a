import { copyParameters, type AnnealJob, type Backend, type DeviceInfo, type Parameters } from './backend/backend.js';
import { createBackend } from './backend/create.js';
import { MAX_EXACT_UNITS } from './backend/exact-partition.js';
import type { GpuOptions } from './gpu-options.js';
import { InvalidArgumentError } from './errors.js';
import { aisLogPartition, baseRateBiases, checkBetas, DEFAULT_AIS_BETAS, DEFAULT_AIS_RUNS, reverseAisLogPartition } from './evaluation/ais.js';
import { flipOneUnit, pseudoLikelihood, reconstructionError, type ReconstructionError } from './evaluation/metrics.js';
import { checkFitOptions, checkLabels, type FitHistory, type FitOptions } from './fit-options.js';
import { daydream, gibbsStep, inpaint, type Draws } from './gibbs.js';
import { columnMeans, initialParameters, logOdds, withLabels, withLogVariance, withOffsets } from './init.js';
import { mean, softmaxRows } from './math.js';
import { checkOneHot, checkValues, toMatrix, type Matrix, type MatrixInput } from './matrix.js';
import { checkRowSource, isRowSource, type RowSource } from './data/row-source.js';
import { rowsFromSource, rowsInMemory, rowsOfPixels } from './fit-rows.js';
import { defaultChunkRows } from './backend/chunked-epoch.js';
import { isPixelMatrix, toPixelMatrix, type PixelMatrix } from './pixels.js';
import { ModelRecord } from './model-record.js';
import { OperationQueue } from './operation-queue.js';
import { nonNegativeInteger, oneOf, optionsObject, positiveInteger, resolveOptions, softmaxGroup, type DeviceChoice, type RbmOptions, type ResolvedOptions } from './options.js';
import { currentPlatform, modelFiles, type Platform } from './platform/platform.js';
import { checkMemory, checkModelResources } from './memory.js';
import { Phase, philoxUniforms } from './rng/stream.js';
import { checkState, type History, type ModelState } from './state.js';
import { saveRecord, train } from './training.js';

export interface DaydreamOptions {
  /** Independent chains, one row each (default 1). */
  readonly chains?: number;
  /** Return the last step's probabilities P(v | h) instead of sampled states (smoother pictures). */
  readonly probabilities?: boolean;
  /** Where the chains start (one row each) instead of uniform noise. */
  readonly start?: MatrixInput;
}

export interface LogPartitionOptions {
  /**
   * 'exact' sums over the smaller layer; 'ais' (annealed importance sampling) errs low on log Z,
   * so high on the log-likelihood; 'reverse-ais' errs high on log Z and needs `data` to start
   * its chains: the two bracket the truth.
   */
  readonly method: 'exact' | 'ais' | 'reverse-ais';
  /** AIS runs (default 100). */
  readonly runs?: number;
  /** AIS inverse temperatures: a count spaced evenly from 0 to 1 (default 10,000), or the list. */
  readonly betas?: number | readonly number[];
  /**
   * Rows whose means give the base-rate model (default: the data of the model's first fit, or a
   * uniform base), and, for reverse AIS, where its chains start (required).
   */
  readonly data?: MatrixInput;
}

export interface PartitionEstimate {
  readonly method: 'exact' | 'ais' | 'reverse-ais';
  readonly logZ: number;
  /** AIS: log Z of the mean weight ∓ 3 standard errors; exact: logZ itself. */
  readonly lower: number;
  readonly upper: number;
  /** Set when the interval is wider than WIDE_INTERVAL nats: the estimate needs more runs or inverse temperatures. */
  readonly warning?: string;
}

/** Softmax groups' base-rate logits for AIS: the log of each unit's mean (at least 10⁻³), or uniform without means. */
function softmaxBaseBias(mean: Float32Array | undefined, visible: number): Float32Array {
  return mean ? Float32Array.from(mean, (p) => Math.log(Math.max(p, 1e-3))) : new Float32Array(visible);
}

/** An AIS interval wider than this many nats is flagged in the estimate. */
export const WIDE_INTERVAL = 1;

export interface LoadOptions {
  readonly useGPU?: DeviceChoice;
  readonly gpu?: GpuOptions;
  readonly threads?: number;
}

/** Load options say where a model runs; what it is and how it trains come from the file or state. */
function loadOptions(options: LoadOptions): LoadOptions {
  return optionsObject('options', options, ['useGPU', 'gpu', 'threads'],
    "; a model's training options come with it (to change them, edit state.config and use RBM.fromState)");
}


/**
 * A Bernoulli–Bernoulli Restricted Boltzmann Machine. Defaults reproduce simple_rbm;
 * every method is async because the model may live on a GPU. The class checks arguments and
 * runs operations one at a time; training is in training.ts, sampling in gibbs.ts, the
 * arithmetic in the backend it was created with.
 */
export class RBM {
  private readonly backend: Promise<Backend>;
  private readonly queue = new OperationQueue();
  private readonly record: ModelRecord;
  private readonly draws: Draws;
  /** What the model was created on: where its backend came from, and its memory limit. */
  private readonly platform: Platform;

  constructor(options: RbmOptions) {
    const config = resolveOptions(options);
    this.platform = currentPlatform();
    checkModelResources(config, this.platform.cores, this.platform.memoryBytes);
    const { visible, hidden, seed, initScale, initDistribution } = config;
    const plain = initialParameters(visible, hidden, seed, initScale, initDistribution);
    const init = config.centering
      ? withOffsets(plain)
      : config.visibleType === 'gaussian'
        ? withLogVariance(plain)
        : config.labels > 0
          ? withLabels(plain, config.labels, seed, initScale, initDistribution)
          : plain;
    this.record = new ModelRecord(config, init);
    this.draws = (phase) => this.record.nextDraw(phase);
    this.backend = createBackend(config, this.platform).then(async (b) => {
      await b.setParameters(init);
      return b;
    });
    // The rejection reaches the caller through the first method that needs the backend.
    this.backend.catch(() => {});
  }

  /** Reads a model file written by save() (validating all of it) into a new model. Node only. */
  static async load(path: string, options: LoadOptions = {}): Promise<RBM> {
    const o = loadOptions(options);
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'expected a file path');
    return RBM.fromState(await modelFiles(currentPlatform(), 'RBM.load').readModel(path), o);
  }

  /** A new model holding `state` (from getState() or decodeModel()). */
  static async fromState(state: ModelState, options: LoadOptions = {}): Promise<RBM> {
    const o = loadOptions(options);
    const checked = checkState(state);
    const rbm = new RBM({ ...checked.config, ...o });
    await rbm.setState(checked);
    return rbm;
  }

  /** The options the model was built with, defaults filled in. */
  get options(): ResolvedOptions {
    return this.record.config;
  }

  get visible(): number {
    return this.record.config.visible;
  }

  get hidden(): number {
    return this.record.config.hidden;
  }

  /** Every epoch trained so far, across `fit` calls. */
  get history(): History {
    return this.record.history;
  }

  /** Epochs trained so far; also the next epoch's position in the random stream. */
  get epochsTrained(): number {
    return this.record.epochsTrained;
  }

  /**
   * Trains with contrastive divergence (CD-k or persistent, as the options say) and resolves
   * to this call's learning curve, which is also appended to `history`. Bad arguments are
   * rejected before anything changes.
   */
  async fit(x: MatrixInput | PixelMatrix | RowSource, options: FitOptions): Promise<FitHistory> {
    const source = isRowSource(x) ? x : undefined;
    if (source) checkRowSource(source, 'x', this.visible);
    const pixels = !source && isPixelMatrix(x) ? toPixelMatrix(x, 'x', this.visible) : undefined;
    const data = source || pixels ? undefined : this.visibleData(x as MatrixInput, 'x');
    const rows = source?.rows ?? pixels?.rows ?? data!.rows;
    const o = checkFitOptions(options, rows);
    if (o.chunkRows !== undefined && !source) throw new InvalidArgumentError('chunkRows', 'applies to rows read from a RowSource (openIdxSource); these rows are in memory');
    const chunkRows = o.chunkRows ?? defaultChunkRows(this.visible, o.batchSize);
    const labels = checkLabels(o.labels, rows, this.record.config.labels);
    const validation = o.validation === undefined ? undefined : this.visibleData(o.validation, 'validation');
    if (o.metrics.length > 0) this.withoutLabels('metrics');
    for (const metric of ['crossEntropy', 'pseudoLikelihood'] as const) {
      if (this.record.config.visibleType !== 'binary' && o.metrics.includes(metric)) throw new InvalidArgumentError('metrics', `'${metric}' applies to binary visible units only`);
    }
    if (o.metrics.includes('freeEnergyGap') && !validation) {
      throw new InvalidArgumentError('metrics', "'freeEnergyGap' compares with held-out rows: give them as validation");
    }
    if (o.metrics.includes('logLikelihood') && Math.min(this.visible, this.hidden) > MAX_EXACT_UNITS) {
      throw new InvalidArgumentError('metrics', `'logLikelihood' per epoch needs exact log Z: a layer of at most ${MAX_EXACT_UNITS} units`);
    }
    // Float32 rows: ours and the backend's copy; from a source, or from 8-bit rows (ours) in chunks: the chunk
    // training, the next one read, and the backend's copy.
    const chunkBytes = 3 * Math.min(chunkRows, rows) * this.visible * 4;
    const heldBytes = data ? data.data.byteLength * 2 : chunkBytes + (pixels?.pixels.byteLength ?? 0);
    checkMemory('x', `training on ${rows} rows of ${this.visible} values`, heldBytes + (validation?.data.byteLength ?? 0) * 2, this.platform.memoryBytes);
    return this.exclusive(async () => {
      // Before anything changes: a checkpoint that cannot be written must not cost an epoch.
      if (o.checkpoint !== undefined) await modelFiles(this.platform, 'checkpoint').checkWritable(o.checkpoint);
      const check = (m: Matrix, argument: string) => this.checkVisibleRows(m, argument);
      const training = source
        ? await rowsFromSource(source, chunkRows, o.metricRows, this.gaussian, check)
        : pixels
          ? rowsOfPixels(pixels, o.metricRows, this.gaussian, softmaxGroup(this.record.config.visibleType) ? check : undefined)
          : rowsInMemory(data!, this.gaussian);
      return train(this.record, await this.backend, training, validation, o, this.platform, labels);
    });
  }

  /** P(h = 1 | v): sklearn's transform, simple_rbm's get_hidden. */
  async expectHidden(v: MatrixInput): Promise<Matrix> {
    this.withoutLabels('expectHidden');
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => (await this.backend).propagate(m, 'hidden'));
  }

  /** Hidden states sampled from P(h | v). */
  async sampleHidden(v: MatrixInput): Promise<Matrix> {
    this.withoutLabels('sampleHidden');
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => (await this.backend).propagate(m, 'hidden', this.draws(Phase.inferHidden)));
  }

  /** P(v = 1 | h). */
  async expectVisible(h: MatrixInput): Promise<Matrix> {
    const m = toMatrix(h, 'h', { cols: this.hidden });
    return this.exclusive(async () => (await this.backend).propagate(m, 'visible'));
  }

  /** Visible states sampled from P(v | h). */
  async sampleVisible(h: MatrixInput): Promise<Matrix> {
    const m = toMatrix(h, 'h', { cols: this.hidden });
    return this.exclusive(async () => (await this.backend).propagate(m, 'visible', this.draws(Phase.inferVisible)));
  }

  /** Mean-field reconstruction σ(σ(v·W + c)·Wᵀ + b), as simple_rbm's reconstruct. */
  async reconstruct(v: MatrixInput): Promise<Matrix> {
    this.withoutLabels('reconstruct');
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => {
      const backend = await this.backend;
      return backend.propagate(await backend.propagate(m, 'hidden'), 'visible');
    });
  }

  /** One sampled Gibbs step v → h → v, as sklearn's gibbs. */
  async gibbs(v: MatrixInput): Promise<Matrix> {
    this.withoutLabels('gibbs');
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => gibbsStep(await this.backend, m, this.draws));
  }

  /**
   * Runs `steps` Gibbs steps from uniform noise (or `start`) on each of `chains` chains and
   * resolves to their final visible states, one row per chain (echen's daydream).
   */
  async daydream(steps: number, options: DaydreamOptions = {}): Promise<Matrix> {
    this.withoutLabels('daydream');
    nonNegativeInteger('steps', steps);
    const o = optionsObject('options', options, ['chains', 'probabilities', 'start']);
    if (o.probabilities !== undefined && typeof o.probabilities !== 'boolean') throw new InvalidArgumentError('probabilities', 'expected true or false');
    const start = o.start === undefined ? undefined : toMatrix(o.start, 'start', { cols: this.visible });
    const chains = start?.rows ?? positiveInteger('chains', o.chains ?? 1);
    this.checkRows('chains', `${chains} chains`, chains);
    const probabilities = o.probabilities === true;
    return this.exclusive(async () => daydream(await this.backend, this.draws, { steps, chains, visible: this.visible, start, probabilities }));
  }

  /** E(v, h) = −(v·W·hᵀ + b·v + c·h), one value per row pair. */
  async energy(v: MatrixInput, h: MatrixInput): Promise<Float64Array> {
    this.withoutLabels('energy');
    const mv = toMatrix(v, 'v', { cols: this.visible });
    const mh = toMatrix(h, 'h', { cols: this.hidden });
    if (mv.rows !== mh.rows) {
      throw new InvalidArgumentError('h', `has ${mh.rows} rows but v has ${mv.rows}; expected one h per v`);
    }
    return this.exclusive(async () => (await this.backend).energy(mv, mh));
  }

  /** F(v) = −b·v − Σ_j softplus(c_j + (v·W)_j), so that P(v) ∝ e^(−F(v)); one value per row. */
  async freeEnergy(v: MatrixInput): Promise<Float64Array> {
    this.withoutLabels('freeEnergy');
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => (await this.backend).freeEnergy(m));
  }

  /** Mean-field reconstruction error of `x`: mean squared, and cross-entropy in nats per example. */
  async reconstructionError(x: MatrixInput): Promise<ReconstructionError> {
    this.withoutLabels('reconstructionError');
    const m = this.visibleData(x, 'x');
    return reconstructionError(m, await this.reconstruct(m), this.record.config.visibleType === 'binary');
  }

  /**
   * scikit-learn's pseudo-likelihood (score_samples), one value per row: V·log σ(F(v̂) − F(v))
   * with v̂ the row with one unit flipped — chosen at random from the model's stream, from
   * `seed`'s stream (repeatable), or given by `flip` (one unit index per row).
   */
  async pseudoLikelihood(x: MatrixInput, options: { seed?: number; flip?: ArrayLike<number> } = {}): Promise<Float64Array> {
    this.withoutLabels('pseudoLikelihood');
    const o = optionsObject('options', options, ['seed', 'flip']);
    if (this.record.config.visibleType !== 'binary') throw new InvalidArgumentError('x', "the pseudo-likelihood flips binary units: it applies to visibleType: 'binary' only");
    const m = toMatrix(x, 'x', { cols: this.visible, unitInterval: true });
    let flip = o.flip;
    if (flip !== undefined) {
      if (flip.length !== m.rows || !Array.from(flip).every((j) => Number.isInteger(j) && j >= 0 && j < this.visible)) {
        throw new InvalidArgumentError('flip', `expected ${m.rows} unit indices in [0, ${this.visible})`);
      }
    } else {
      const seed = o.seed === undefined ? undefined : nonNegativeInteger('seed', o.seed);
      const u = new Float32Array(m.rows);
      const address = seed === undefined ? this.draws(Phase.pseudoLikelihood) : { seed, phase: Phase.pseudoLikelihood, epoch: 0, batch: 0 };
      philoxUniforms(address, m.rows, 1, u);
      flip = Array.from(u, (r) => Math.floor(r * this.visible));
    }
    const [free, flipped] = [await this.freeEnergy(m), await this.freeEnergy(flipOneUnit(m, flip))];
    return pseudoLikelihood(this.visible, free, flipped);
  }

  /** Mean free energy of held-out rows minus that of training rows: grows as the model overfits. */
  async freeEnergyGap(train: MatrixInput, heldOut: MatrixInput): Promise<number> {
    this.withoutLabels('freeEnergyGap');
    const a = toMatrix(train, 'train', { cols: this.visible });
    const b = toMatrix(heldOut, 'heldOut', { cols: this.visible });
    return mean(await this.freeEnergy(b)) - mean(await this.freeEnergy(a));
  }

  /**
   * log Z, the log partition function: 'exact' sums over every state of the smaller layer (up
   * to 24 units); 'ais' estimates it by annealed importance sampling from a base-rate model
   * (base rates from `data` when given), with a ±3σ interval.
   */
  async logPartition(options: LogPartitionOptions = { method: 'exact' }): Promise<PartitionEstimate> {
    this.withoutLabels('logPartition');
    const o = optionsObject('options', options, ['method', 'runs', 'betas', 'data']);
    const method = oneOf('method', o.method, ['exact', 'ais', 'reverse-ais']);
    if (method === 'exact') {
      for (const key of ['runs', 'betas', 'data'] as const) {
        if (o[key] !== undefined) throw new InvalidArgumentError(key, "applies to method: 'ais' or 'reverse-ais' only");
      }
      const logZ = await this.exclusive(async () => (await this.backend).logPartitionExact());
      return { method, logZ, lower: logZ, upper: logZ };
    }
    if (method === 'reverse-ais' && o.data === undefined) throw new InvalidArgumentError('data', "reverse AIS starts its chains at data rows: give them as data");
    const data = o.data === undefined ? undefined : this.visibleData(o.data, 'data');
    const runs = positiveInteger('runs', o.runs ?? DEFAULT_AIS_RUNS);
    const betas = checkBetas(o.betas ?? DEFAULT_AIS_BETAS);
    this.checkRows('runs', `${runs} AIS runs`, runs);
    const softmax = softmaxGroup(this.record.config.visibleType);
    const anneal = (job: AnnealJob) => this.exclusive(async () => (await this.backend).anneal(job));
    const ais = {
      runs,
      betas,
      // Base rates from `data`, else from the data the model first trained on, else uniform.
      baseBias: softmax
        ? softmaxBaseBias(data ? columnMeans(data.data, data.rows, this.visible) : this.record.dataMean, this.visible)
        : data ? baseRateBiases(data.data, data.rows, this.visible) : this.record.dataMean && Float32Array.from(this.record.dataMean, logOdds),
      seed: this.record.config.seed,
      ...(this.gaussian && { gaussian: { mean: this.record.parameters.visibleBias, logVariance: this.record.parameters.visibleLogVariance! } }),
      ...(softmax && { softmax }),
    };
    const estimate = method === 'ais' ? await aisLogPartition(anneal, this.visible, this.hidden, ais) : await reverseAisLogPartition(anneal, this.visible, this.hidden, data!, ais);
    const width = estimate.upper - estimate.lower;
    const warning = width > WIDE_INTERVAL
      ? `the ±3σ interval is ${Number.isFinite(width) ? `${width.toFixed(2)} nats` : 'unbounded'} wide: use more runs or more inverse temperatures`
      : undefined;
    return { method, logZ: estimate.logZ, lower: estimate.lower, upper: estimate.upper, ...(warning && { warning }) };
  }

  /**
   * Mean log-probability log p(v) = −F(v) − log Z of the rows of `x`, in nats per example,
   * with log Z from logPartition(options) (or `logZ` when already known).
   */
  async logLikelihood(x: MatrixInput, options: LogPartitionOptions & { logZ?: number } = { method: 'exact' }): Promise<number> {
    this.withoutLabels('logLikelihood');
    const { logZ: given, ...partition } = optionsObject('options', options, ['method', 'runs', 'betas', 'data', 'logZ']);
    if (given !== undefined && (typeof given !== 'number' || !Number.isFinite(given))) throw new InvalidArgumentError('logZ', `expected a finite number, got ${String(given)}`);
    const m = this.visibleData(x, 'x');
    const logZ = given ?? (await this.logPartition(partition as LogPartitionOptions)).logZ;
    return -mean(await this.freeEnergy(m)) - logZ;
  }

  /**
   * Fills in the units `mask` marks unknown (0; known units are 1) by Gibbs sampling with the
   * known units clamped to `x`, starting from 0; the last step gives the unknown units'
   * probabilities. Known units are returned exactly as given.
   */
  async inpaint(x: MatrixInput, mask: MatrixInput, options: { steps?: number } = {}): Promise<Matrix> {
    this.withoutLabels('inpaint');
    const o = optionsObject('options', options, ['steps']);
    const m = this.visibleData(x, 'x');
    const known = toMatrix(mask, 'mask', { cols: this.visible, unitInterval: true });
    if (known.rows !== m.rows) throw new InvalidArgumentError('mask', `has ${known.rows} rows but x has ${m.rows}`);
    if (!known.data.every((k) => k === 0 || k === 1)) throw new InvalidArgumentError('mask', 'expected 1 for known units and 0 for unknown ones');
    const steps = positiveInteger('steps', o.steps ?? 100);
    return this.exclusive(async () => inpaint(await this.backend, this.draws, m, known, steps));
  }

  /**
   * A model with a label layer: p(y | x) for each row (rows × C), computed exactly from the free
   * energies of (x, y): p(y | x) ∝ exp(d_y + Σ_j softplus(c_j + (x·W)_j + U_yj)).
   */
  async predictProba(x: MatrixInput): Promise<Matrix> {
    const classes = this.classes('predictProba');
    const m = this.visibleData(x, 'x');
    const scores = await this.exclusive(async () => (await this.backend).classScores(m));
    softmaxRows(scores, m.rows, classes);
    return { data: Float32Array.from(scores), rows: m.rows, cols: classes };
  }

  /** A model with a label layer: the most probable class of each row (the first on a tie). */
  async predict(x: MatrixInput): Promise<Uint32Array> {
    const p = await this.predictProba(x);
    return Uint32Array.from({ length: p.rows }, (_, r) => {
      let best = 0;
      for (let y = 1; y < p.cols; y++) if (p.data[r * p.cols + y] > p.data[r * p.cols + best]) best = y;
      return best;
    });
  }

  /** The model's classes; refuses `method` on a model without a label layer. */
  private classes(method: string): number {
    const classes = this.record.config.labels;
    if (classes === 0) throw new InvalidArgumentError('this', `${method} needs a label layer: create the model with labels: C and fit it with labels`);
    return classes;
  }

  /** Which backend the model runs on, and the device (the WebGPU adapter's description). */
  async device(): Promise<DeviceInfo> {
    return (await this.backend).info;
  }

  /** A copy of the weights, biases and momentum buffers. */
  async getParameters(): Promise<Parameters> {
    return this.exclusive(async () => copyParameters(this.record.parameters));
  }

  /** Replaces the weights, biases and momentum buffers; checks every length and value first. */
  async setParameters(p: Parameters): Promise<void> {
    const checked = checkState({ ...this.record.state(), parameters: p }).parameters;
    return this.exclusive(async () => {
      await (await this.backend).setParameters(checked);
      this.record.parameters = copyParameters(checked);
    });
  }

  /**
   * Everything needed to continue this model exactly: configuration, parameters and momentum,
   * history, the random stream's position and any epoch stopped part-way. Works after a GPU
   * failure too, returning the state of the last completed epoch.
   */
  async getState(): Promise<ModelState> {
    return this.exclusive(async () => this.record.state());
  }

  /** Restores a state from getState() or a model file: the same sizes, any training options. */
  async setState(state: ModelState): Promise<void> {
    const checked = checkState(state);
    for (const size of ['visible', 'hidden'] as const) {
      if (checked.config[size] !== this.record.config[size]) {
        throw new InvalidArgumentError(`state.config.${size}`, `is ${checked.config[size]} but this model has ${this.record.config[size]}`);
      }
    }
    return this.exclusive(async () => {
      await (await this.backend).setParameters(checked.parameters);
      this.record.apply(checked);
    });
  }

  /** Writes the model to a safetensors file, atomically (see the README for reading it in Python). Node only. */
  async save(path: string): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'expected a file path');
    return this.exclusive(() => saveRecord(modelFiles(this.platform, 'save'), path, this.record));
  }

  /** Frees the backend's memory (and the GPU device); the model is unusable afterwards. */
  async dispose(): Promise<void> {
    return this.exclusive(async () => {
      this.queue.close();
      // A backend that never started has nothing to free; its error was reported where it mattered.
      const backend = await this.backend.catch(() => undefined);
      await backend?.dispose();
    });
  }

  /**
   * Refuses a method that treats x alone as the model's visible layer on a model with a label
   * layer, whose hidden units depend on the label too (predict and predictProba marginalise it).
   */
  private withoutLabels(method: string): void {
    if (this.record.config.labels > 0) {
      throw new InvalidArgumentError('this', `${method} is not defined for a model with a label layer (its hidden units depend on the class): use predict or predictProba`);
    }
  }

  /** Whether the visible units are Gaussian (real-valued) rather than binary. */
  private get gaussian(): boolean {
    return this.record.config.visibleType === 'gaussian';
  }

  /**
   * Rows of visible data: values in [0, 1] for binary units, any finite value for Gaussian ones,
   * and for softmax groups each group one-hot or all zeros (missing).
   */
  private visibleData(x: MatrixInput, name: string): Matrix {
    const m = toMatrix(x, name, { cols: this.visible, unitInterval: !this.gaussian });
    this.checkVisibleRows(m, name);
    return m;
  }

  /** Refuses visible rows this model cannot train on: values outside [0, 1] (binary units), groups not one-hot (softmax). */
  private checkVisibleRows(m: Matrix, name: string): void {
    checkValues(m, name, !this.gaussian);
    const size = softmaxGroup(this.record.config.visibleType);
    if (size) checkOneHot(m, size, name);
  }

  /** Refuses an operation on `rows` rows whose working matrices would exceed the memory limit. */
  private checkRows(argument: string, what: string, rows: number): void {
    // The visible and hidden rows of each step, and the uniforms drawn to sample them.
    const bytes = 2 * rows * (this.visible + this.hidden) * 4;
    checkMemory(argument, what, bytes, this.platform.memoryBytes);
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    return this.queue.run(operation);
  }
}

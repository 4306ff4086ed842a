import { copyParameters, type AnnealJob, type Backend, type DeviceInfo, type Parameters } from './backend/backend.js';
import { createBackend } from './backend/create.js';
import { exactLimit } from './backend/exact-partition.js';
import type { GpuOptions } from './gpu-options.js';
import { InvalidArgumentError, NonNormalisableError } from './errors.js';
import { aisLogPartition, baseRateBiases, checkBetas, DEFAULT_AIS_BETAS, DEFAULT_AIS_RUNS, reverseAisLogPartition } from './evaluation/ais.js';
import { flipOneUnit, pseudoLikelihood, ReconstructionSums, type ReconstructionError } from './evaluation/metrics.js';
import { checkFitOptions, checkLabels, type FitHistory, type FitOptions } from './fit-options.js';
import { daydream, gibbsStep, inpaint, type Draws } from './gibbs.js';
import { initialModel, logOdds } from './init.js';
import { classScores, energies, freeEnergies, type ModelView } from './energies.js';
import type { ModelLayers } from './layers/layer.js';
import { modelLayers } from './layers/registry.js';
import { mean, softmaxRows } from './math.js';
import type { Matrix } from './matrix.js';
import { hiddenRule, mapRows, perRow, rowsInMemory, toRows, visibleRule, type Rows, type RowsInMemory, type RowsInput } from './data/rows.js';
import { defaultChunkRows } from './backend/chunked-epoch.js';
import { ModelRecord } from './model-record.js';
import { OperationQueue } from './operation-queue.js';
import { nonNegativeInteger, oneOf, optionsObject, positiveInteger, resolveOptions, softmaxGroup, type DeviceChoice, type RbmOptions, type ResolvedOptions } from './options.js';
import { currentPlatform, modelFiles, type Platform } from './platform/platform.js';
import { checkMemory, checkModelResources } from './memory.js';
import { Phase, philoxUniforms } from './rng/stream.js';
import { checkState, kindDifference, type History, type ModelState } from './state.js';
import { saveRecord, train } from './training.js';

export interface DaydreamOptions {
  /** Independent chains, one row each (default 1). */
  readonly chains?: number;
  /** Return the last step's probabilities P(v | h) instead of sampled states (smoother pictures). */
  readonly probabilities?: boolean;
  /** Where the chains start (one row each) instead of uniform noise. */
  readonly start?: RowsInMemory;
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
  readonly data?: RowsInput;
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

/** Why the sampling methods take rows in memory only. */
const SAMPLED_TOGETHER = 'its samples are drawn for all the rows at once';

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

  /** The model's unit types (docs/layers.md). */
  private readonly layers: ModelLayers;

  constructor(options: RbmOptions) {
    const config = resolveOptions(options);
    this.layers = modelLayers(config);
    this.platform = currentPlatform();
    checkModelResources(config, this.platform.cores, this.platform.memoryBytes);
    const init = initialModel(config);
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
  async fit(x: RowsInput, options: FitOptions): Promise<FitHistory> {
    const data = this.dataRows(x, 'x');
    const rows = data.rows;
    const o = checkFitOptions(options, rows);
    if (o.chunkRows !== undefined && data.resident) throw new InvalidArgumentError('chunkRows', 'applies to rows read from a RowSource (openIdxSource); these rows are in memory');
    const chunkRows = o.chunkRows ?? defaultChunkRows(this.visible, o.batchSize);
    const labels = checkLabels(o.labels, rows, this.record.config.labels);
    const validation = o.validation === undefined ? undefined : this.dataRows(o.validation, 'validation');
    if (o.metrics.length > 0) this.withoutLabels('metrics');
    for (const metric of ['crossEntropy', 'pseudoLikelihood'] as const) {
      if (this.record.config.visibleType !== 'binary' && o.metrics.includes(metric)) throw new InvalidArgumentError('metrics', `'${metric}' applies to binary visible units only`);
    }
    if (o.metrics.includes('freeEnergyGap') && !validation) {
      throw new InvalidArgumentError('metrics', "'freeEnergyGap' compares with held-out rows: give them as validation");
    }
    const { visibleType, hiddenType } = this.record.config;
    const exact = exactLimit(visibleType, hiddenType, this.visible, this.hidden);
    if (o.metrics.includes('logLikelihood') && exact) throw new InvalidArgumentError('metrics', `'logLikelihood' per epoch needs exact log Z, but ${exact}`);
    const heldBytes = data.trainingBytes(chunkRows) + (validation?.bytes ?? 0) * 2;
    checkMemory('x', `training on ${rows} rows of ${this.visible} values`, heldBytes, this.platform.memoryBytes);
    return this.exclusive(async () => {
      // Before anything changes: a checkpoint that cannot be written must not cost an epoch.
      if (o.checkpoint !== undefined) await modelFiles(this.platform, 'checkpoint').checkWritable(o.checkpoint);
      const training = await data.forTraining(chunkRows, o.metricRows, this.gaussian);
      // The metrics read the first metricRows rows of validation only.
      const held = await validation?.head(o.metricRows);
      return train(this.record, await this.backend, training, held, o, this.platform, labels);
    });
  }

  /** P(h = 1 | v): sklearn's transform, simple_rbm's get_hidden. A RowSource is read a chunk at a time. */
  async expectHidden(v: RowsInput): Promise<Matrix> {
    this.withoutLabels('expectHidden');
    const rows = this.visibleStates(v, 'v');
    return this.exclusive(async () => {
      const backend = await this.backend;
      return mapRows(rows, this.hidden, (m) => backend.propagate(m, 'hidden'));
    });
  }

  /** Hidden states sampled from P(h | v). */
  async sampleHidden(v: RowsInMemory): Promise<Matrix> {
    this.withoutLabels('sampleHidden');
    const m = this.statesInMemory(v, 'v', 'sampleHidden', SAMPLED_TOGETHER);
    return this.exclusive(async () => (await this.backend).propagate(m, 'hidden', this.draws(Phase.inferHidden)));
  }

  /** P(v = 1 | h). A RowSource is read a chunk at a time. */
  async expectVisible(h: RowsInput): Promise<Matrix> {
    const rows = toRows(h, 'h', hiddenRule(this.hidden, this.layers.hidden));
    return this.exclusive(async () => {
      const backend = await this.backend;
      return mapRows(rows, this.visible, (m) => backend.propagate(m, 'visible'));
    });
  }

  /** Visible states sampled from P(v | h). */
  async sampleVisible(h: RowsInMemory): Promise<Matrix> {
    const m = rowsInMemory(h, 'h', hiddenRule(this.hidden, this.layers.hidden), 'sampleVisible', SAMPLED_TOGETHER);
    return this.exclusive(async () => (await this.backend).propagate(m, 'visible', this.draws(Phase.inferVisible)));
  }

  /** Mean-field reconstruction σ(σ(v·W + c)·Wᵀ + b), as simple_rbm's reconstruct. A RowSource is read a chunk at a time. */
  async reconstruct(v: RowsInput): Promise<Matrix> {
    this.withoutLabels('reconstruct');
    const rows = this.visibleStates(v, 'v');
    return this.exclusive(async () => {
      const backend = await this.backend;
      return mapRows(rows, this.visible, async (m) => backend.propagate(await backend.propagate(m, 'hidden'), 'visible'));
    });
  }

  /** One sampled Gibbs step v → h → v, as sklearn's gibbs. */
  async gibbs(v: RowsInMemory): Promise<Matrix> {
    this.withoutLabels('gibbs');
    const m = this.statesInMemory(v, 'v', 'gibbs', SAMPLED_TOGETHER);
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
    const start = o.start === undefined ? undefined : this.statesInMemory(o.start, 'start', 'daydream', 'each row starts a chain, and the chains run together');
    const chains = start?.rows ?? positiveInteger('chains', o.chains ?? 1);
    this.checkRows('chains', `${chains} chains`, chains);
    const probabilities = o.probabilities === true;
    return this.exclusive(async () => daydream(await this.backend, this.draws, { steps, chains, visible: this.visible, start, probabilities }));
  }

  /** E(v, h) = −(v·W·hᵀ + b·v + c·h), one value per row pair. */
  async energy(v: RowsInMemory, h: RowsInMemory): Promise<Float64Array> {
    this.withoutLabels('energy');
    const paired = 'its rows pair with those of the other layer';
    const mv = this.statesInMemory(v, 'v', 'energy', paired);
    const mh = rowsInMemory(h, 'h', hiddenRule(this.hidden, this.layers.hidden), 'energy', paired);
    if (mv.rows !== mh.rows) {
      throw new InvalidArgumentError('h', `has ${mh.rows} rows but v has ${mv.rows}; expected one h per v`);
    }
    return this.exclusive(async () => energies(await this.view(), mv, mh));
  }

  /** F(v) = −b·v − Σ_j softplus(c_j + (v·W)_j), so that P(v) ∝ e^(−F(v)); one value per row. A RowSource is read a chunk at a time. */
  async freeEnergy(v: RowsInput): Promise<Float64Array> {
    this.withoutLabels('freeEnergy');
    return this.freeEnergies(this.visibleStates(v, 'v'));
  }

  /** Mean-field reconstruction error of `x`: mean squared, and cross-entropy in nats per example. A RowSource is read a chunk at a time. */
  async reconstructionError(x: RowsInput): Promise<ReconstructionError> {
    this.withoutLabels('reconstructionError');
    const rows = this.dataRows(x, 'x');
    const sums = new ReconstructionSums(this.record.config.visibleType === 'binary');
    return this.exclusive(async () => {
      const backend = await this.backend;
      await rows.forEachChunk(async (m) => sums.add(m, await backend.propagate(await backend.propagate(m, 'hidden'), 'visible')));
      return sums.result();
    });
  }

  /**
   * scikit-learn's pseudo-likelihood (score_samples), one value per row: V·log σ(F(v̂) − F(v))
   * with v̂ the row with one unit flipped — chosen at random from the model's stream, from
   * `seed`'s stream (repeatable), or given by `flip` (one unit index per row).
   */
  async pseudoLikelihood(x: RowsInput, options: { seed?: number; flip?: ArrayLike<number> } = {}): Promise<Float64Array> {
    this.withoutLabels('pseudoLikelihood');
    const o = optionsObject('options', options, ['seed', 'flip']);
    if (this.record.config.visibleType !== 'binary') throw new InvalidArgumentError('x', "the pseudo-likelihood flips binary units: it applies to visibleType: 'binary' only");
    const rows = this.dataRows(x, 'x');
    let flip = o.flip;
    if (flip !== undefined) {
      if (flip.length !== rows.rows || !Array.from(flip).every((j) => Number.isInteger(j) && j >= 0 && j < this.visible)) {
        throw new InvalidArgumentError('flip', `expected ${rows.rows} unit indices in [0, ${this.visible})`);
      }
    } else {
      const seed = o.seed === undefined ? undefined : nonNegativeInteger('seed', o.seed);
      const u = new Float32Array(rows.rows);
      const address = seed === undefined ? this.draws(Phase.pseudoLikelihood) : { seed, phase: Phase.pseudoLikelihood, epoch: 0, batch: 0 };
      philoxUniforms(address, rows.rows, 1, u);
      flip = Array.from(u, (r) => Math.floor(r * this.visible));
    }
    const flips = Array.from(flip);
    return this.exclusive(async () => {
      const model = await this.view();
      return perRow(rows, async (m, first) => {
        const flipped = flipOneUnit(m, flips.slice(first, first + m.rows));
        return pseudoLikelihood(this.visible, await freeEnergies(model, m), await freeEnergies(model, flipped));
      });
    });
  }

  /** Mean free energy of held-out rows minus that of training rows: grows as the model overfits. RowSources are read a chunk at a time. */
  async freeEnergyGap(train: RowsInput, heldOut: RowsInput): Promise<number> {
    this.withoutLabels('freeEnergyGap');
    const a = this.dataRows(train, 'train');
    const b = this.dataRows(heldOut, 'heldOut');
    return mean(await this.freeEnergies(b)) - mean(await this.freeEnergies(a));
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
    const data = o.data === undefined ? undefined : this.dataRows(o.data, 'data');
    const runs = positiveInteger('runs', o.runs ?? DEFAULT_AIS_RUNS);
    const betas = checkBetas(o.betas ?? DEFAULT_AIS_BETAS);
    this.checkRows('runs', `${runs} AIS runs`, runs);
    const softmax = softmaxGroup(this.record.config.visibleType);
    const anneal = (job: AnnealJob) => this.exclusive(async () => (await this.backend).anneal(job));
    const sums = await data?.columnSums();
    const ais = {
      runs,
      betas,
      // Base rates from `data`, else from the data the model first trained on, else uniform.
      baseBias: softmax
        ? softmaxBaseBias(sums ? Float32Array.from(sums, (s) => s / data!.rows) : this.record.dataMean, this.visible)
        : sums ? baseRateBiases(sums, data!.rows) : this.record.dataMean && Float32Array.from(this.record.dataMean, logOdds),
      seed: this.record.config.seed,
      hiddenLogPartition: this.layers.hidden.baseLogPartition(this.record.parameters),
      ...(this.gaussian && { gaussian: { mean: this.record.parameters.visibleBias, logVariance: this.record.parameters.visibleLogVariance! } }),
      ...(softmax && { softmax }),
    };
    // Reverse AIS starts its runs at the first rows (cycling through them if there are fewer).
    const estimate = method === 'ais' ? await aisLogPartition(anneal, this.visible, this.hidden, ais) : await reverseAisLogPartition(anneal, this.visible, this.hidden, await data!.head(runs), ais);
    if (Number.isNaN(estimate.logZ) || estimate.logZ === Infinity) {
      throw new NonNormalisableError(
        `${method === 'ais' ? 'AIS' : 'reverse AIS'} found no finite log Z (its chains' log weights are not finite): this model has no finite normaliser ` +
          `(Gaussian visible units with Gaussian or ReLU hidden units need diag(γ) − Wᵀ·diag(1/σ²)·W positive definite; docs/layers.md)`,
      );
    }
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
  async logLikelihood(x: RowsInput, options: LogPartitionOptions & { logZ?: number } = { method: 'exact' }): Promise<number> {
    this.withoutLabels('logLikelihood');
    const { logZ: given, ...partition } = optionsObject('options', options, ['method', 'runs', 'betas', 'data', 'logZ']);
    if (given !== undefined && (typeof given !== 'number' || !Number.isFinite(given))) throw new InvalidArgumentError('logZ', `expected a finite number, got ${String(given)}`);
    const rows = this.dataRows(x, 'x');
    const logZ = given ?? (await this.logPartition(partition as LogPartitionOptions)).logZ;
    return -mean(await this.freeEnergies(rows)) - logZ;
  }

  /**
   * Fills in the units `mask` marks unknown (0; known units are 1) by Gibbs sampling with the
   * known units clamped to `x`, starting from 0; the last step gives the unknown units'
   * probabilities. Known units are returned exactly as given.
   */
  async inpaint(x: RowsInMemory, mask: RowsInMemory, options: { steps?: number } = {}): Promise<Matrix> {
    this.withoutLabels('inpaint');
    const o = optionsObject('options', options, ['steps']);
    const together = 'its chains run together';
    const m = rowsInMemory(x, 'x', visibleRule(this.visible, this.layers.visible, true), 'inpaint', together);
    const known = rowsInMemory(mask, 'mask', { cols: this.visible, domain: 'unit' }, 'inpaint', together);
    if (known.rows !== m.rows) throw new InvalidArgumentError('mask', `has ${known.rows} rows but x has ${m.rows}`);
    if (!known.data.every((k) => k === 0 || k === 1)) throw new InvalidArgumentError('mask', 'expected 1 for known units and 0 for unknown ones');
    const steps = positiveInteger('steps', o.steps ?? 100);
    return this.exclusive(async () => inpaint(await this.backend, this.draws, m, known, steps));
  }

  /**
   * A model with a label layer: p(y | x) for each row (rows × C), computed exactly from the free
   * energies of (x, y): p(y | x) ∝ exp(d_y + Σ_j softplus(c_j + (x·W)_j + U_yj)).
   */
  async predictProba(x: RowsInput): Promise<Matrix> {
    const classes = this.classes('predictProba');
    const rows = this.dataRows(x, 'x');
    const scores = await this.exclusive(async () => {
      const model = await this.view();
      return perRow(rows, (m) => classScores(model, m));
    });
    softmaxRows(scores, rows.rows, classes);
    return { data: Float32Array.from(scores), rows: rows.rows, cols: classes };
  }

  /** A model with a label layer: the most probable class of each row (the first on a tie). */
  async predict(x: RowsInput): Promise<Uint32Array> {
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
    const difference = kindDifference(this.record.config, checked.config);
    if (difference) {
      const [field, theirs, ours] = difference;
      throw new InvalidArgumentError(`state.config.${field}`, `is ${theirs} but this model has ${ours} (RBM.fromState makes a model of the state's kind)`);
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
  private dataRows(x: RowsInput, name: string): Rows {
    return toRows(x, name, visibleRule(this.visible, this.layers.visible, true));
  }

  /** Visible states or means: values in [0, 1] for binary and softmax units, any finite value for Gaussian ones. */
  private visibleStates(x: RowsInput, name: string): Rows {
    return toRows(x, name, visibleRule(this.visible, this.layers.visible, false));
  }

  /** visibleStates for `method`, which uses every row at once (`why`): float32 rows in memory. */
  private statesInMemory(x: RowsInMemory, name: string, method: string, why: string): Matrix {
    return rowsInMemory(x, name, visibleRule(this.visible, this.layers.visible, false), method, why);
  }

  /** The free energy of every row, a chunk at a time where the rows are read in chunks. */
  private freeEnergies(rows: Rows): Promise<Float64Array> {
    return this.exclusive(async () => {
      const model = await this.view();
      return perRow(rows, (m) => freeEnergies(model, m));
    });
  }

  /** The backend, the layers and the parameters the host holds: what energies are computed from. */
  private async view(): Promise<ModelView> {
    return { backend: await this.backend, layers: this.layers, parameters: this.record.parameters };
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

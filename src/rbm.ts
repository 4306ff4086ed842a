import { copyParameters, type Backend, type DeviceInfo, type EpochResult, type Parameters, type ResidentData, type TrainingRule } from './backend/backend.js';
import { createBackend } from './backend/create.js';
import type { GpuOptions } from './backend/webgpu/gpu.js';
import { batchStarts } from './batches.js';
import { InvalidArgumentError, NonFiniteError, RbmError, TrainingInterruptedError } from './errors.js';
import { initialParameters } from './init.js';
import { matrix, toMatrix, type Matrix, type MatrixInput } from './matrix.js';
import {
  nonNegativeInteger,
  oneOf,
  positiveInteger,
  resolveOptions,
  type DeviceChoice,
  type RbmOptions,
  type ResolvedOptions,
} from './options.js';
import { Phase, permutation, philoxUniforms, type DrawAddress } from './rng/stream.js';
import { checkFitOptions, type CheckedFitOptions, type EpochMetrics, type FitHistory, type FitOptions, type MetricName } from './fit-options.js';
import { flipOneUnit, mean, pseudoLikelihood, reconstructionError, type ReconstructionError } from './evaluation/metrics.js';
import { aisLogPartition, baseRateBiases, MAX_EXACT_UNITS } from './evaluation/partition.js';
import { checkState, configOf, type EpochProgress, type History, type ModelState, type RunInfo } from './state.js';

export interface DaydreamOptions {
  /** Independent chains, one row each (default 1). */
  readonly chains?: number;
  /** Return the last step's probabilities P(v | h) instead of sampled states (smoother pictures). */
  readonly probabilities?: boolean;
  /** Where the chains start (one row each) instead of uniform noise. */
  readonly start?: MatrixInput;
}

export interface LogPartitionOptions {
  readonly method: 'exact' | 'ais';
  /** AIS runs (default 100). */
  readonly runs?: number;
  /** AIS inverse temperatures: a count spaced evenly from 0 to 1 (default 10,000), or the list. */
  readonly betas?: number | readonly number[];
  /** Data whose pixel means give AIS's base-rate model (default: a uniform base). */
  readonly data?: MatrixInput;
}

export interface PartitionEstimate {
  readonly method: 'exact' | 'ais';
  readonly logZ: number;
  /** AIS: log Z of the mean weight ∓ 3 standard errors; exact: logZ itself. */
  readonly lower: number;
  readonly upper: number;
}

export interface LoadOptions {
  readonly useGPU?: DeviceChoice;
  readonly gpu?: GpuOptions;
  readonly threads?: number;
}

/** The model's state as the host last saw it complete: what getState() returns and save() writes. */
interface HostState {
  parameters: Parameters;
  history: History;
  progress: EpochProgress | undefined;
  run: RunInfo | undefined;
}

/**
 * A Bernoulli–Bernoulli Restricted Boltzmann Machine. Defaults reproduce simple_rbm;
 * every method is async because the model may live on a GPU.
 */
export class RBM {
  private config: ResolvedOptions;
  private readonly backend: Promise<Backend>;
  private queue: Promise<unknown> = Promise.resolve();
  private inferenceDraws = 0;
  private disposed = false;
  /** Updated after every completed epoch, so a failed device loses nothing that finished. */
  private host: HostState;

  constructor(options: RbmOptions) {
    this.config = resolveOptions(options);
    const { visible, hidden, seed, initScale, useGPU, gpu, threads } = this.config;
    const init = initialParameters(visible, hidden, seed, initScale);
    this.host = { parameters: init, history: { epoch: [], klDivergence: [] }, progress: undefined, run: undefined };
    this.backend = createBackend(useGPU, visible, hidden, gpu, threads).then(async (b) => {
      await b.setParameters(init);
      return b;
    });
    // The rejection reaches the caller through the first method that needs the backend.
    this.backend.catch(() => {});
  }

  /** Reads a model file written by save() (validating all of it) into a new model. Node only. */
  static async load(path: string, options: LoadOptions = {}): Promise<RBM> {
    const { readModelFile } = await import('./io/model-store.js');
    return RBM.fromState(await readModelFile(path), options);
  }

  /** A new model holding `state` (from getState() or decodeModel()). */
  static async fromState(state: ModelState, options: LoadOptions = {}): Promise<RBM> {
    const checked = checkState(state);
    const rbm = new RBM({ ...checked.config, ...options });
    await rbm.setState(checked);
    return rbm;
  }

  /** The options the model was built with, defaults filled in. */
  get options(): ResolvedOptions {
    return this.config;
  }

  get visible(): number {
    return this.config.visible;
  }

  get hidden(): number {
    return this.config.hidden;
  }

  /** Every epoch trained so far, across `fit` calls. */
  get history(): History {
    return this.host.history;
  }

  /** Epochs trained so far; also the next epoch's position in the random stream. */
  get epochsTrained(): number {
    return this.host.history.epoch.length;
  }

  /**
   * Trains with CD-1 and resolves to this call's learning curve, which is also appended to
   * `history`. Bad arguments are rejected before anything changes.
   */
  async fit(x: MatrixInput, options: FitOptions): Promise<FitHistory> {
    const data = toMatrix(x, 'x', { cols: this.visible, unitInterval: true });
    const o = checkFitOptions(options, data.rows);
    const validation = o.validation === undefined ? undefined : toMatrix(o.validation, 'validation', { cols: this.visible, unitInterval: true });
    if (o.metrics.includes('freeEnergyGap') && !validation) {
      throw new InvalidArgumentError('metrics', "'freeEnergyGap' compares with held-out rows: give them as validation");
    }
    if (o.metrics.includes('logLikelihood') && Math.min(this.visible, this.hidden) > MAX_EXACT_UNITS) {
      throw new InvalidArgumentError('metrics', `'logLikelihood' per epoch needs exact log Z: a layer of at most ${MAX_EXACT_UNITS} units`);
    }
    return this.exclusive(async () => {
      const backend = await this.backend;
      const resumed = o.resumeFrom === undefined ? undefined : await this.readCheckpoint(o.resumeFrom);
      const progress = resumed ? resumed.progress : this.host.progress;
      if (progress && (progress.rows !== data.rows || progress.batchSize !== o.batchSize)) {
        throw new InvalidArgumentError(
          'batchSize',
          `the model stopped part-way through an epoch of ${progress.rows} rows in batches of ${progress.batchSize}; ` +
            `continue it with the same data and batch size (got ${data.rows} rows, batch size ${o.batchSize})`,
        );
      }
      if (resumed) await this.applyState(backend, resumed);
      const startEpoch = resumed?.run?.startEpoch ?? this.epochsTrained;
      this.host.run = o.checkpoint === undefined ? undefined : { startEpoch, epochs: o.epochs };
      const result: { epoch: number[]; klDivergence: number[]; metrics?: Partial<Record<MetricName, number[]>> } = { epoch: [], klDivergence: [] };
      if (o.metrics.length > 0) result.metrics = Object.fromEntries(o.metrics.map((name) => [name, []]));
      if (o.verbose) o.log(backend.banner);
      const resident = await backend.upload(data);
      try {
        while (this.epochsTrained < startEpoch + o.epochs) {
          if (o.signal?.aborted) await this.interrupt(o, o.signal.reason);
          const done = await this.trainEpoch(backend, resident, data.rows, o, startEpoch);
          for (const h of [this.host.history, result]) {
            h.epoch.push(done.epoch);
            h.klDivergence.push(done.klDivergence);
          }
          const e = done.epoch - startEpoch;
          if (o.verbose) o.log(`Epoch [${e}/${o.epochs}], KL Divergence: ${done.klDivergence.toFixed(4)}`);
          const metrics = o.metrics.length > 0 ? await this.epochMetrics(backend, o, data, validation) : undefined;
          if (metrics) {
            for (const [name, value] of Object.entries(metrics)) result.metrics![name as MetricName]!.push(value);
            if (o.verbose) o.log(`  ${Object.entries(metrics).map(([name, value]) => `${name} ${value.toFixed(4)}`).join(', ')}`);
          }
          o.onEpoch?.({ epoch: e, epochs: o.epochs, klDivergence: done.klDivergence, seconds: done.seconds, deviceSeconds: done.deviceSeconds, metrics });
          const last = this.epochsTrained === startEpoch + o.epochs;
          if (o.checkpoint !== undefined && (e % o.checkpointEvery === 0 || last)) await this.save(o.checkpoint, false);
        }
      } finally {
        resident.release();
      }
      return result;
    });
  }

  /** P(h = 1 | v): sklearn's transform, simple_rbm's get_hidden. */
  async expectHidden(v: MatrixInput): Promise<Matrix> {
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => (await this.backend).propagate(m, 'hidden'));
  }

  /** Hidden states sampled from P(h | v). */
  async sampleHidden(v: MatrixInput): Promise<Matrix> {
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => (await this.backend).propagate(m, 'hidden', this.nextDraw(Phase.inferHidden)));
  }

  /** P(v = 1 | h). */
  async expectVisible(h: MatrixInput): Promise<Matrix> {
    const m = toMatrix(h, 'h', { cols: this.hidden });
    return this.exclusive(async () => (await this.backend).propagate(m, 'visible'));
  }

  /** Visible states sampled from P(v | h). */
  async sampleVisible(h: MatrixInput): Promise<Matrix> {
    const m = toMatrix(h, 'h', { cols: this.hidden });
    return this.exclusive(async () => (await this.backend).propagate(m, 'visible', this.nextDraw(Phase.inferVisible)));
  }

  /** Mean-field reconstruction σ(σ(v·W + c)·Wᵀ + b), as simple_rbm's reconstruct. */
  async reconstruct(v: MatrixInput): Promise<Matrix> {
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => {
      const backend = await this.backend;
      return backend.propagate(await backend.propagate(m, 'hidden'), 'visible');
    });
  }

  /** One sampled Gibbs step v → h → v, as sklearn's gibbs. */
  async gibbs(v: MatrixInput): Promise<Matrix> {
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => this.gibbsStep(await this.backend, m));
  }

  /**
   * Runs `steps` Gibbs steps from uniform noise (or `start`) on each of `chains` chains and
   * resolves to their final visible states, one row per chain (echen's daydream).
   */
  async daydream(steps: number, options: DaydreamOptions = {}): Promise<Matrix> {
    nonNegativeInteger('steps', steps);
    const start = options.start === undefined ? undefined : toMatrix(options.start, 'start', { cols: this.visible });
    const chains = start?.rows ?? positiveInteger('chains', options.chains ?? 1);
    return this.exclusive(async () => {
      const backend = await this.backend;
      let v = start ?? matrix(chains, this.visible);
      if (!start) philoxUniforms(this.nextDraw(Phase.inferVisible), chains, this.visible, v.data);
      for (let s = 0; s < steps; s++) {
        const last = s === steps - 1 && options.probabilities === true;
        v = last ? await backend.propagate(await backend.propagate(v, 'hidden', this.nextDraw(Phase.inferHidden)), 'visible') : await this.gibbsStep(backend, v);
      }
      return v;
    });
  }

  /** E(v, h) = −(v·W·hᵀ + b·v + c·h), one value per row pair. */
  async energy(v: MatrixInput, h: MatrixInput): Promise<Float64Array> {
    const mv = toMatrix(v, 'v', { cols: this.visible });
    const mh = toMatrix(h, 'h', { cols: this.hidden });
    if (mv.rows !== mh.rows) {
      throw new InvalidArgumentError('h', `has ${mh.rows} rows but v has ${mv.rows}; expected one h per v`);
    }
    return this.exclusive(async () => (await this.backend).energy(mv, mh));
  }

  /** F(v) = −b·v − Σ_j softplus(c_j + (v·W)_j), so that P(v) ∝ e^(−F(v)); one value per row. */
  async freeEnergy(v: MatrixInput): Promise<Float64Array> {
    const m = toMatrix(v, 'v', { cols: this.visible });
    return this.exclusive(async () => (await this.backend).freeEnergy(m));
  }

  /** Mean-field reconstruction error of `x`: mean squared, and cross-entropy in nats per example. */
  async reconstructionError(x: MatrixInput): Promise<ReconstructionError> {
    const m = toMatrix(x, 'x', { cols: this.visible, unitInterval: true });
    return reconstructionError(m, await this.reconstruct(m));
  }

  /**
   * scikit-learn's pseudo-likelihood (score_samples), one value per row: V·log σ(F(v̂) − F(v))
   * with v̂ the row with one unit flipped — chosen at random from the model's stream, from
   * `seed`'s stream (repeatable), or given by `flip` (one unit index per row).
   */
  async pseudoLikelihood(x: MatrixInput, options: { seed?: number; flip?: ArrayLike<number> } = {}): Promise<Float64Array> {
    const m = toMatrix(x, 'x', { cols: this.visible, unitInterval: true });
    let flip = options.flip;
    if (flip !== undefined) {
      if (flip.length !== m.rows || !Array.from(flip).every((j) => Number.isInteger(j) && j >= 0 && j < this.visible)) {
        throw new InvalidArgumentError('flip', `expected ${m.rows} unit indices in [0, ${this.visible})`);
      }
    } else {
      const seed = options.seed === undefined ? undefined : nonNegativeInteger('seed', options.seed);
      const u = new Float32Array(m.rows);
      const address = seed === undefined ? this.nextDraw(Phase.pseudoLikelihood) : { seed, phase: Phase.pseudoLikelihood, epoch: 0, batch: 0 };
      philoxUniforms(address, m.rows, 1, u);
      flip = Array.from(u, (r) => Math.floor(r * this.visible));
    }
    const [free, flipped] = [await this.freeEnergy(m), await this.freeEnergy(flipOneUnit(m, flip))];
    return pseudoLikelihood(this.visible, free, flipped);
  }

  /** Mean free energy of held-out rows minus that of training rows: grows as the model overfits. */
  async freeEnergyGap(train: MatrixInput, heldOut: MatrixInput): Promise<number> {
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
    const method = oneOf('method', options.method, ['exact', 'ais']);
    const data = options.data === undefined ? undefined : toMatrix(options.data, 'data', { cols: this.visible, unitInterval: true });
    if (method === 'exact') {
      const logZ = await this.exclusive(async () => (await this.backend).logPartitionExact());
      return { method, logZ, lower: logZ, upper: logZ };
    }
    const p = await this.getParameters();
    const estimate = await aisLogPartition(p, this.visible, this.hidden, {
      runs: options.runs === undefined ? undefined : positiveInteger('runs', options.runs),
      betas: options.betas,
      baseBias: data && baseRateBiases(data.data, data.rows, this.visible),
      seed: this.config.seed,
    });
    return { method, ...estimate };
  }

  /**
   * Mean log-probability log p(v) = −F(v) − log Z of the rows of `x`, in nats per example,
   * with log Z from logPartition(options) (or `logZ` when already known).
   */
  async logLikelihood(x: MatrixInput, options: LogPartitionOptions & { logZ?: number } = { method: 'exact' }): Promise<number> {
    const m = toMatrix(x, 'x', { cols: this.visible, unitInterval: true });
    const logZ = options.logZ ?? (await this.logPartition(options)).logZ;
    return -mean(await this.freeEnergy(m)) - logZ;
  }

  /**
   * Fills in the units `mask` marks unknown (0; known units are 1) by Gibbs sampling with the
   * known units clamped to `x`, starting from 0; the last step gives the unknown units'
   * probabilities.
   * Known units are returned exactly as given.
   */
  async inpaint(x: MatrixInput, mask: MatrixInput, options: { steps?: number } = {}): Promise<Matrix> {
    const m = toMatrix(x, 'x', { cols: this.visible, unitInterval: true });
    const known = toMatrix(mask, 'mask', { cols: this.visible, unitInterval: true });
    if (known.rows !== m.rows) throw new InvalidArgumentError('mask', `has ${known.rows} rows but x has ${m.rows}`);
    if (!known.data.every((k) => k === 0 || k === 1)) throw new InvalidArgumentError('mask', 'expected 1 for known units and 0 for unknown ones');
    const steps = positiveInteger('steps', options.steps ?? 100);
    const clamp = (v: Matrix) => {
      for (let k = 0; k < v.data.length; k++) if (known.data[k] === 1) v.data[k] = m.data[k];
      return v;
    };
    return this.exclusive(async () => {
      const backend = await this.backend;
      // Unknown units start off (0): the first hidden states then answer to the known units
      // alone. (Starting from noise lets models whose chains fall silent never recover.)
      let v = clamp(matrix(m.rows, this.visible));
      for (let s = 1; s < steps; s++) v = clamp(await this.gibbsStep(backend, v));
      const h = await backend.propagate(v, 'hidden', this.nextDraw(Phase.inferHidden));
      return clamp(await backend.propagate(h, 'visible'));
    });
  }

  /** Which backend the model runs on, and the device (the WebGPU adapter's description). */
  async device(): Promise<DeviceInfo> {
    return (await this.backend).info;
  }

  /** A copy of the weights, biases and momentum buffers. */
  async getParameters(): Promise<Parameters> {
    return this.exclusive(async () => copyParameters(this.host.parameters));
  }

  /** Replaces the weights, biases and momentum buffers; checks every length and value first. */
  async setParameters(p: Parameters): Promise<void> {
    const checked = checkState({ ...this.currentState(), parameters: p }).parameters;
    return this.exclusive(async () => {
      await (await this.backend).setParameters(checked);
      this.host.parameters = copyParameters(checked);
    });
  }

  /**
   * Everything needed to continue this model exactly: configuration, parameters and momentum,
   * history, the random stream's position and any epoch stopped part-way. Works after a GPU
   * failure too, returning the state of the last completed epoch.
   */
  async getState(): Promise<ModelState> {
    return this.exclusive(async () => this.currentState());
  }

  /** Restores a state from getState() or a model file: the same sizes, any training options. */
  async setState(state: ModelState): Promise<void> {
    const checked = checkState(state);
    for (const size of ['visible', 'hidden'] as const) {
      if (checked.config[size] !== this.config[size]) {
        throw new InvalidArgumentError(`state.config.${size}`, `is ${checked.config[size]} but this model has ${this.config[size]}`);
      }
    }
    return this.exclusive(async () => this.applyState(await this.backend, checked));
  }

  /** Writes the model to a safetensors file, atomically (see the README for reading it in Python). Node only. */
  async save(path: string, queued = true): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path', 'expected a file path');
    const write = async () => {
      const { writeModelFile } = await import('./io/model-store.js');
      await writeModelFile(path, this.currentState());
    };
    return queued ? this.exclusive(write) : write();
  }

  /** Frees the backend's memory (and the GPU device); the model is unusable afterwards. */
  async dispose(): Promise<void> {
    return this.exclusive(async () => {
      this.disposed = true;
      await (await this.backend).dispose();
    });
  }

  /** One epoch (or the rest of one stopped part-way); rejects when stopped or diverged. */
  private async trainEpoch(backend: Backend, resident: ResidentData, rows: number, o: CheckedFitOptions, startEpoch: number) {
    const began = performance.now();
    const epoch = this.epochsTrained;
    const earlier = this.host.progress?.klDivergence ?? [];
    const starts = batchStarts(rows, o.batchSize);
    const batches = starts.length - 1;
    const shown = epoch + 1 - startEpoch;
    let result: EpochResult;
    try {
      result = await backend.trainEpoch(resident, {
        order: permutation(rows, this.config.seed, epoch),
        batchStarts: starts,
        seed: this.config.seed,
        epoch,
        rule: this.rule(epoch),
        firstBatch: earlier.length,
        signal: o.signal,
        onBatch: o.onBatch && ((b) => o.onBatch!({ epoch: shown, batch: b + 1, batches })),
      });
    } catch (error) {
      // Whatever the device did to its copy, the model goes on from the last completed epoch.
      await backend.setParameters(this.host.parameters).catch(() => {});
      throw error;
    }
    this.host.parameters = result.parameters;
    const kl = [...earlier, ...result.klDivergence];
    if (result.nonFiniteBatch !== undefined) {
      throw new NonFiniteError(
        epoch + 1,
        result.nonFiniteBatch + 1,
        `training diverged: epoch ${epoch + 1}, batch ${result.nonFiniteBatch + 1} produced a non-finite KL divergence or parameter ` +
          `(is the learning rate of ${this.config.learningRate} too high?); the model keeps its parameters from before that epoch`,
      );
    }
    if (result.stopped) {
      this.host.progress = { batchesDone: kl.length, klDivergence: kl, rows, batchSize: o.batchSize };
      await this.interrupt(o, o.signal?.reason);
    }
    this.host.progress = undefined;
    return {
      epoch: epoch + 1,
      klDivergence: kl.reduce((s, v) => s + v, 0) / kl.length,
      seconds: (performance.now() - began) / 1000,
      deviceSeconds: result.deviceSeconds,
    };
  }

  /** The metrics FitOptions.metrics asks for, from inside fit (so through the backend directly). */
  private async epochMetrics(backend: Backend, o: CheckedFitOptions, data: Matrix, validation: Matrix | undefined): Promise<EpochMetrics> {
    const rows = (m: Matrix) => {
      const n = Math.min(m.rows, o.metricRows);
      return { data: m.data.subarray(0, n * m.cols), rows: n, cols: m.cols };
    };
    const x = rows(validation ?? data);
    const out: EpochMetrics = {};
    if (o.metrics.includes('reconstructionError') || o.metrics.includes('crossEntropy')) {
      const error = reconstructionError(x, await backend.propagate(await backend.propagate(x, 'hidden'), 'visible'));
      if (o.metrics.includes('reconstructionError')) out.reconstructionError = error.meanSquared;
      if (o.metrics.includes('crossEntropy')) out.crossEntropy = error.crossEntropy;
    }
    if (o.metrics.includes('pseudoLikelihood')) {
      const u = new Float32Array(x.rows);
      philoxUniforms({ seed: this.config.seed, phase: Phase.pseudoLikelihood, epoch: 0, batch: 0 }, x.rows, 1, u);
      const flip = Array.from(u, (r) => Math.floor(r * this.visible));
      out.pseudoLikelihood = mean(pseudoLikelihood(this.visible, await backend.freeEnergy(x), await backend.freeEnergy(flipOneUnit(x, flip))));
    }
    if (o.metrics.includes('freeEnergyGap') && validation) {
      out.freeEnergyGap = mean(await backend.freeEnergy(rows(validation))) - mean(await backend.freeEnergy(rows(data)));
    }
    if (o.metrics.includes('logLikelihood')) {
      const logZ = await backend.logPartitionExact();
      out.logLikelihood = -mean(await backend.freeEnergy(x)) - logZ;
    }
    return out;
  }

  /** Saves the checkpoint, if any, and rejects the fit. */
  private async interrupt(o: CheckedFitOptions, reason: unknown): Promise<never> {
    if (o.checkpoint !== undefined) await this.save(o.checkpoint, false);
    const where = this.host.progress
      ? `after batch ${this.host.progress.batchesDone} of epoch ${this.epochsTrained + 1}`
      : `after epoch ${this.epochsTrained}`;
    const saved = o.checkpoint === undefined ? '' : `; saved to ${o.checkpoint}`;
    throw new TrainingInterruptedError(`training was stopped ${where}${saved}`, { cause: reason });
  }

  private async readCheckpoint(path: string): Promise<ModelState> {
    const { readModelFile } = await import('./io/model-store.js');
    const state = await readModelFile(path);
    for (const size of ['visible', 'hidden'] as const) {
      if (state.config[size] !== this.config[size]) {
        throw new InvalidArgumentError('resumeFrom', `${path} holds a model with ${size} = ${state.config[size]}; this model has ${this.config[size]}`);
      }
    }
    return state;
  }

  private currentState(): ModelState {
    const { parameters, history, progress, run } = this.host;
    return {
      config: configOf(this.config),
      parameters: copyParameters(parameters),
      history: { epoch: [...history.epoch], klDivergence: [...history.klDivergence] },
      inferenceDraws: this.inferenceDraws,
      progress: progress && { ...progress, klDivergence: [...progress.klDivergence] },
      run,
    };
  }

  private async applyState(backend: Backend, state: ModelState): Promise<void> {
    await backend.setParameters(state.parameters);
    this.config = { ...this.config, ...state.config };
    this.inferenceDraws = state.inferenceDraws;
    this.host = {
      parameters: copyParameters(state.parameters),
      history: { epoch: [...state.history.epoch], klDivergence: [...state.history.klDivergence] },
      progress: state.progress && { ...state.progress, klDivergence: [...state.progress.klDivergence] },
      run: state.run,
    };
  }

  /** The training rule for `epoch` (0-based), the momentum taken from the schedule if any. */
  private rule(epoch: number): TrainingRule {
    const { learningRate, statistics, gradient, cdSteps, persistent, weightDecay, momentumSchedule } = this.config;
    let momentum = this.config.momentum;
    for (const step of momentumSchedule) if (step.epoch <= epoch + 1) momentum = step.momentum;
    return { learningRate, momentum, statistics, gradient, cdSteps, persistent, weightDecay };
  }

  private nextDraw(phase: Phase): DrawAddress {
    return { seed: this.config.seed, phase, epoch: this.inferenceDraws++, batch: 0 };
  }

  private async gibbsStep(backend: Backend, v: Matrix): Promise<Matrix> {
    const h = await backend.propagate(v, 'hidden', this.nextDraw(Phase.inferHidden));
    return backend.propagate(h, 'visible', this.nextDraw(Phase.inferVisible));
  }

  /** Runs operations one at a time, in call order, so none sees another's half-done work. */
  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const guarded = () => {
      if (this.disposed) throw new RbmError('DISPOSED', 'this model has been disposed');
      return operation();
    };
    const run = this.queue.then(guarded, guarded);
    this.queue = run.catch(() => {});
    return run;
  }
}

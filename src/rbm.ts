import type { Backend, DeviceInfo, Parameters, TrainingRule } from './backend/backend.js';
import { createBackend } from './backend/create.js';
import { batchStarts } from './batches.js';
import { InvalidArgumentError } from './errors.js';
import { initialParameters } from './init.js';
import { matrix, toMatrix, type Matrix, type MatrixInput } from './matrix.js';
import { nonNegativeInteger, positiveInteger, resolveOptions, type RbmOptions, type ResolvedOptions } from './options.js';
import { Phase, permutation, philoxUniforms, type DrawAddress } from './rng/stream.js';

/** The learning curve: one entry per epoch trained. */
export interface History {
  readonly epoch: number[];
  readonly klDivergence: number[];
}

export interface EpochReport {
  /** 1-based within this `fit` call. */
  readonly epoch: number;
  readonly epochs: number;
  readonly klDivergence: number;
  /** Wall-clock time of the epoch. */
  readonly seconds: number;
  /** Time the GPU spent in the epoch's kernels, when it can measure it (timestamp queries). */
  readonly deviceSeconds?: number;
}

export interface FitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Print simple_rbm's lines (default true). */
  readonly verbose?: boolean;
  /** Called after every epoch. */
  readonly onEpoch?: (report: EpochReport) => void;
  /** Where verbose lines go (default console.log). */
  readonly log?: (line: string) => void;
}

export interface DaydreamOptions {
  /** Independent chains, one row each (default 1). */
  readonly chains?: number;
}

/**
 * A Bernoulli–Bernoulli Restricted Boltzmann Machine. Defaults reproduce simple_rbm;
 * every method is async because the model may live on a GPU.
 */
export class RBM {
  readonly options: ResolvedOptions;
  /** Every epoch trained so far, across `fit` calls. */
  readonly history: History = { epoch: [], klDivergence: [] };
  private readonly backend: Promise<Backend>;
  private queue: Promise<unknown> = Promise.resolve();
  private inferenceDraws = 0;

  constructor(options: RbmOptions) {
    this.options = resolveOptions(options);
    const { visible, hidden, seed, initScale, useGPU, gpu } = this.options;
    const init = initialParameters(visible, hidden, seed, initScale);
    this.backend = createBackend(useGPU, visible, hidden, gpu).then(async (b) => {
      await b.setParameters(init);
      return b;
    });
    // The rejection reaches the caller through the first method that needs the backend.
    this.backend.catch(() => {});
  }

  get visible(): number {
    return this.options.visible;
  }

  get hidden(): number {
    return this.options.hidden;
  }

  /** Epochs trained so far; also the next epoch's position in the random stream. */
  get epochsTrained(): number {
    return this.history.epoch.length;
  }

  /**
   * Trains with CD-1 and resolves to this call's learning curve, which is also appended to
   * `history`. Bad arguments are rejected before anything changes.
   */
  async fit(x: MatrixInput, options: FitOptions): Promise<History> {
    const data = toMatrix(x, 'x', { cols: this.visible, unitInterval: true });
    const { epochs, batchSize, verbose, onEpoch, log } = this.fitOptions(options, data.rows);
    return this.exclusive(async () => {
      const backend = await this.backend;
      const resident = await backend.upload(data);
      const result: History = { epoch: [], klDivergence: [] };
      const starts = batchStarts(data.rows, batchSize);
      if (verbose) log(backend.banner);
      try {
        for (let e = 1; e <= epochs; e++) {
          const began = performance.now();
          const { klDivergence: kl, deviceSeconds } = await backend.trainEpoch(resident, {
            order: permutation(data.rows, this.options.seed, this.epochsTrained),
            batchStarts: starts,
            seed: this.options.seed,
            epoch: this.epochsTrained,
            rule: this.rule(),
          });
          const klDivergence = kl.reduce((s, v) => s + v, 0) / kl.length;
          const trained = this.epochsTrained + 1;
          for (const h of [this.history, result]) {
            h.epoch.push(trained);
            h.klDivergence.push(klDivergence);
          }
          if (verbose) log(`Epoch [${e}/${epochs}], KL Divergence: ${klDivergence.toFixed(4)}`);
          onEpoch?.({ epoch: e, epochs, klDivergence, seconds: (performance.now() - began) / 1000, deviceSeconds });
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
   * Runs `steps` Gibbs steps from uniform noise on each of `chains` chains and resolves to
   * their final visible states, one row per chain (echen's daydream).
   */
  async daydream(steps: number, options: DaydreamOptions = {}): Promise<Matrix> {
    nonNegativeInteger('steps', steps);
    const chains = positiveInteger('chains', options.chains ?? 1);
    return this.exclusive(async () => {
      const backend = await this.backend;
      let v = matrix(chains, this.visible);
      philoxUniforms(this.nextDraw(Phase.inferVisible), chains, this.visible, v.data);
      for (let s = 0; s < steps; s++) v = await this.gibbsStep(backend, v);
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

  /** Which backend the model runs on, and the device (the WebGPU adapter's description). */
  async device(): Promise<DeviceInfo> {
    return (await this.backend).info;
  }

  /** A copy of the weights, biases and momentum buffers. */
  async getParameters(): Promise<Parameters> {
    return this.exclusive(async () => (await this.backend).getParameters());
  }

  /** Replaces the weights, biases and momentum buffers; checks every length and value first. */
  async setParameters(p: Parameters): Promise<void> {
    const { visible: V, hidden: H } = this;
    const expected: [keyof Parameters, number][] = [
      ['weights', V * H],
      ['visibleBias', V],
      ['hiddenBias', H],
      ['weightVelocity', V * H],
      ['visibleBiasVelocity', V],
      ['hiddenBiasVelocity', H],
    ];
    for (const [name, length] of expected) {
      const a = p?.[name];
      if (!(a instanceof Float32Array) || a.length !== length) {
        throw new InvalidArgumentError(name, `expected a Float32Array of length ${length}`);
      }
      const bad = a.findIndex((value) => !Number.isFinite(value));
      if (bad >= 0) throw new InvalidArgumentError(name, `element ${bad} is ${a[bad]}; expected a finite number`);
    }
    return this.exclusive(async () => (await this.backend).setParameters(p));
  }

  /** Frees the backend's memory (and the GPU device); the model is unusable afterwards. */
  async dispose(): Promise<void> {
    return this.exclusive(async () => (await this.backend).dispose());
  }

  private fitOptions(options: FitOptions, rows: number) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError('options', 'expected { epochs, batchSize }');
    }
    const epochs = nonNegativeInteger('epochs', options.epochs);
    const batchSize = positiveInteger('batchSize', options.batchSize);
    if (batchSize > rows) {
      throw new InvalidArgumentError('batchSize', `is ${batchSize} but x has only ${rows} rows`);
    }
    const verbose = options.verbose ?? true;
    if (typeof verbose !== 'boolean') throw new InvalidArgumentError('verbose', 'expected true or false');
    for (const name of ['onEpoch', 'log'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') {
        throw new InvalidArgumentError(name, 'expected a function');
      }
    }
    return { epochs, batchSize, verbose, onEpoch: options.onEpoch, log: options.log ?? console.log };
  }

  private rule(): TrainingRule {
    const { learningRate, momentum, statistics, gradient } = this.options;
    return { learningRate, momentum, statistics, gradient };
  }

  private nextDraw(phase: Phase): DrawAddress {
    return { seed: this.options.seed, phase, epoch: this.inferenceDraws++, batch: 0 };
  }

  private async gibbsStep(backend: Backend, v: Matrix): Promise<Matrix> {
    const h = await backend.propagate(v, 'hidden', this.nextDraw(Phase.inferHidden));
    return backend.propagate(h, 'visible', this.nextDraw(Phase.inferVisible));
  }

  /** Runs operations one at a time, in call order, so none sees another's half-done work. */
  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation, operation);
    this.queue = run.catch(() => {});
    return run;
  }
}

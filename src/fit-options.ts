/** What fit accepts and reports, and the checks of its options (before anything changes). */
import { InvalidArgumentError } from './errors.js';
import type { RowsInput } from './data/rows.js';
import { checkKeys, nonNegativeInteger, oneOf, positiveInteger } from './options.js';
import type { History } from './state.js';

export interface EpochReport {
  /** 1-based within this `fit` call (continuing the count when resuming). */
  readonly epoch: number;
  readonly epochs: number;
  readonly klDivergence: number;
  /** Wall-clock time of the epoch. */
  readonly seconds: number;
  /** Time the GPU spent in the epoch's kernels, when it can measure it (timestamp queries). */
  readonly deviceSeconds?: number;
  /** Parallel tempering: the fraction of offered swaps between neighbouring temperatures accepted in the epoch. */
  readonly swapRate?: number;
  /** The metrics asked for with FitOptions.metrics, after this epoch. */
  readonly metrics?: EpochMetrics;
}

/** What FitOptions.metrics can ask for after every epoch. */
export type MetricName = 'reconstructionError' | 'crossEntropy' | 'pseudoLikelihood' | 'freeEnergyGap' | 'logLikelihood';
export type EpochMetrics = Partial<Record<MetricName, number>>;

/** fit's result: the learning curve of this call, and the metrics asked for, epoch by epoch. */
export interface FitHistory extends History {
  readonly metrics?: Partial<Record<MetricName, number[]>>;
}

export interface BatchReport {
  /** The epoch in progress, 1-based within this `fit` call. */
  readonly epoch: number;
  /** Batches of it done so far, and in all. */
  readonly batch: number;
  readonly batches: number;
}

export interface FitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Print simple_rbm's lines (default true). */
  readonly verbose?: boolean;
  /** Called after every epoch. */
  readonly onEpoch?: (report: EpochReport) => void;
  /**
   * Called after every batch (for progress bars). On the GPU this makes each batch a
   * submission of its own, which costs a little speed.
   */
  readonly onBatch?: (report: BatchReport) => void;
  /** Where verbose lines go (default console.log). */
  readonly log?: (line: string) => void;
  /** Save the model to this file (atomically) every `checkpointEvery` epochs, at the end, and when aborted. Node only. */
  readonly checkpoint?: string;
  /** Default 1. */
  readonly checkpointEvery?: number;
  /**
   * Continue the run saved in this checkpoint: load it, then train until the run it belongs to
   * has `epochs` epochs. Node only.
   */
  readonly resumeFrom?: string;
  /** Stops training at the end of the current batch; fit then rejects with TrainingInterruptedError. */
  readonly signal?: AbortSignal;
  /**
   * Computed after every epoch on up to `metricRows` rows (default 1,000) of x, or of
   * `validation` where given: reconstruction MSE, cross-entropy (nats per example),
   * pseudo-likelihood (mean), free-energy gap (validation − x; needs `validation`), and
   * log-likelihood (exact; needs a layer of at most 24 units).
   */
  readonly metrics?: readonly MetricName[];
  /** Held-out rows for the metrics, of any kind fit takes (of a RowSource, only the first metricRows are read). */
  readonly validation?: RowsInput;
  readonly metricRows?: number;
  /** A model with a label layer: each row's class, an integer from 0 to labels − 1 (required there, refused elsewhere). */
  readonly labels?: ArrayLike<number>;
  /**
   * Rows read from a RowSource (openIdxSource): how many are read and uploaded at a time, in
   * whole batches (default: 8 MiB of float32 values, at least one batch).
   */
  readonly chunkRows?: number;
}

const FIT_OPTION_KEYS: readonly (keyof FitOptions)[] = [
  'epochs', 'batchSize', 'verbose', 'onEpoch', 'onBatch', 'log', 'checkpoint', 'checkpointEvery', 'resumeFrom', 'signal',
  'metrics', 'validation', 'metricRows', 'labels', 'chunkRows',
];

/**
 * Class labels for `rows` rows of a model with `classes` classes (0: no label layer, where any
 * labels are refused), copied into a Uint32Array.
 */
export function checkLabels(labels: unknown, rows: number, classes: number, argument = 'labels'): Uint32Array | undefined {
  if (classes === 0) {
    if (labels !== undefined) throw new InvalidArgumentError(argument, 'this model has no label layer (create it with labels: C to train a classifier)');
    return undefined;
  }
  if (labels === undefined) throw new InvalidArgumentError(argument, `this model has a label layer of ${classes} classes: give each row's class`);
  const list = labels as ArrayLike<unknown>;
  if (labels === null || typeof labels !== 'object' || typeof list.length !== 'number') throw new InvalidArgumentError(argument, 'expected an array of class indices');
  if (list.length !== rows) throw new InvalidArgumentError(argument, `has ${list.length} entries but x has ${rows} rows`);
  const out = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    const y = list[r];
    if (typeof y !== 'number' || !Number.isInteger(y) || y < 0 || y >= classes) throw new InvalidArgumentError(argument, `entry ${r} is ${String(y)}; expected an integer class from 0 to ${classes - 1}`);
    out[r] = y;
  }
  return out;
}

export function checkFitOptions(options: FitOptions, rows: number) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'expected { epochs, batchSize }');
  }
  checkKeys('options', options, FIT_OPTION_KEYS);
  const epochs = nonNegativeInteger('epochs', options.epochs);
  const batchSize = positiveInteger('batchSize', options.batchSize);
  if (batchSize > rows) {
    throw new InvalidArgumentError('batchSize', `is ${batchSize} but x has only ${rows} rows`);
  }
  const verbose = options.verbose ?? true;
  if (typeof verbose !== 'boolean') throw new InvalidArgumentError('verbose', 'expected true or false');
  for (const name of ['onEpoch', 'onBatch', 'log'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new InvalidArgumentError(name, 'expected a function');
    }
  }
  for (const name of ['checkpoint', 'resumeFrom'] as const) {
    const path = options[name];
    if (path !== undefined && (typeof path !== 'string' || path.length === 0)) {
      throw new InvalidArgumentError(name, 'expected a file path');
    }
  }
  const checkpointEvery = positiveInteger('checkpointEvery', options.checkpointEvery ?? 1);
  const metrics = options.metrics ?? [];
  if (!Array.isArray(metrics)) throw new InvalidArgumentError('metrics', 'expected an array of metric names');
  for (const name of metrics) oneOf('metrics', name, METRICS);
  const metricRows = positiveInteger('metricRows', options.metricRows ?? 1000);
  const signal = options.signal;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
    throw new InvalidArgumentError('signal', 'expected an AbortSignal');
  }
  return {
    epochs,
    batchSize,
    verbose,
    onEpoch: options.onEpoch,
    onBatch: options.onBatch,
    log: options.log ?? console.log,
    checkpoint: options.checkpoint,
    checkpointEvery,
    resumeFrom: options.resumeFrom,
    signal,
    metrics: metrics as readonly MetricName[],
    validation: options.validation,
    metricRows,
    labels: options.labels,
    chunkRows: options.chunkRows === undefined ? undefined : positiveInteger('chunkRows', options.chunkRows),
  };
}

export type CheckedFitOptions = ReturnType<typeof checkFitOptions>;

const METRICS: readonly MetricName[] = ['reconstructionError', 'crossEntropy', 'pseudoLikelihood', 'freeEnergyGap', 'logLikelihood'];

import type { Backend, EpochPlan, EpochResult } from './backend/backend.js';
import { batchStarts, largestBatch } from './batches.js';
import { DivergenceError, InvalidArgumentError, NonFiniteError, TrainingInterruptedError } from './errors.js';
import { epochMetrics } from './evaluation/epoch-metrics.js';
import { modelLayers } from './layers/registry.js';
import type { CheckedFitOptions, FitHistory, MetricName } from './fit-options.js';
import type { Matrix } from './matrix.js';
import type { ModelRecord } from './model-record.js';
import { parametersFromData } from './init.js';
import { chunkedEpoch } from './backend/chunked-epoch.js';
import type { TrainingRows } from './data/rows.js';
import { permutation } from './rng/stream.js';
import { kindDifference, type ModelState } from './state.js';
import { modelFiles, type ModelFiles, type Platform } from './platform/platform.js';
import { lossName, type VisibleType } from './options.js';

/**
 * An epoch whose KL divergence exceeds this many nats per visible unit has diverged: the model
 * then gives each unit of its own reconstructions a probability below e^−20 on average, where
 * an untrained one gives about ½ (ln 2 ≈ 0.69 nats).
 */
export const MAX_PLAUSIBLE_KL = 20;

/** Writes the record's state to a model file, atomically, through the platform's files (Node's). */
export async function saveRecord(files: ModelFiles, path: string, record: ModelRecord): Promise<void> {
  await files.writeModel(path, record.state());
}

/**
 * The training loop behind RBM.fit: resumes from a checkpoint if asked, trains epoch after
 * epoch through the backend, prints simple_rbm's lines, computes the asked-for metrics, and
 * saves checkpoints. `record` advances after every completed epoch, so a failure keeps every
 * epoch that finished.
 */
export async function train(record: ModelRecord, backend: Backend, data: TrainingRows, validation: Matrix | undefined, o: CheckedFitOptions, platform: Platform, labels?: Uint32Array): Promise<FitHistory> {
  // Checkpoints and resume read and write files: the platform's (Node's), refused in a page.
  const files = () => modelFiles(platform, o.resumeFrom !== undefined ? 'resumeFrom' : 'checkpoint');
  const { rows } = data;
  const resumed = o.resumeFrom === undefined ? undefined : await readCheckpoint(files(), o.resumeFrom, record);
  const progress = resumed ? resumed.progress : record.progress;
  if (progress && (progress.rows !== rows || progress.batchSize !== o.batchSize)) {
    throw new InvalidArgumentError(
      'batchSize',
      `the model stopped part-way through an epoch of ${progress.rows} rows in batches of ${progress.batchSize}; ` +
        `continue it with the same data and batch size (got ${rows} rows, batch size ${o.batchSize})`,
    );
  }
  if (resumed) {
    await backend.setParameters(resumed.parameters);
    record.apply(resumed);
  }
  if (record.dataMean === undefined) await startFromData(record, backend, data);
  const startEpoch = resumed?.run?.startEpoch ?? record.epochsTrained;
  record.run = o.checkpoint === undefined ? undefined : { startEpoch, epochs: o.epochs };
  const result: { epoch: number[]; klDivergence: number[]; metrics?: Partial<Record<MetricName, number[]>> } = { epoch: [], klDivergence: [] };
  if (o.metrics.length > 0) result.metrics = Object.fromEntries(o.metrics.map((name) => [name, []]));
  if (o.verbose) o.log(backend.banner);
  if (o.verbose && record.config.visibleType === 'gaussian') o.log(GAUSSIAN_LOSS_NOTE);
  // Rows in memory are uploaded once; a source's are read and uploaded a chunk at a time.
  const resident = data.resident && (await backend.upload(data.resident, labels));
  const runEpoch = resident
    ? (plan: EpochPlan) => backend.trainEpoch(resident, plan)
    : (plan: EpochPlan) => chunkedEpoch(backend, plan, data.chunkRows, data.head.cols, record.parameters, data.read!, labels);
  try {
    while (record.epochsTrained < startEpoch + o.epochs) {
      if (o.signal?.aborted) await interrupt(files, record, o, o.signal.reason);
      const done = await trainEpoch(record, backend, runEpoch, rows, o, startEpoch, files);
      for (const h of [record.history, result]) {
        h.epoch.push(done.epoch);
        h.klDivergence.push(done.klDivergence);
      }
      const e = done.epoch - startEpoch;
      if (o.verbose) o.log(`Epoch [${e}/${o.epochs}], ${epochLossName(record.config)}: ${done.klDivergence.toFixed(4)}`);
      if (o.verbose && done.swapRate !== undefined) o.log(`  parallel tempering: swap rate ${done.swapRate.toFixed(3)}`);
      const metrics = o.metrics.length > 0 ? await epochMetrics({ backend, layers: modelLayers(record.config), parameters: record.parameters }, record.config.seed, record.config.visibleType === 'binary', o, data.head, validation) : undefined;
      if (metrics) {
        for (const [name, value] of Object.entries(metrics)) result.metrics![name as MetricName]!.push(value);
        if (o.verbose) o.log(`  ${Object.entries(metrics).map(([name, value]) => `${name} ${value.toFixed(4)}`).join(', ')}`);
      }
      o.onEpoch?.({ epoch: e, epochs: o.epochs, klDivergence: done.klDivergence, seconds: done.seconds, deviceSeconds: done.deviceSeconds, swapRate: done.swapRate, metrics });
      const last = record.epochsTrained === startEpoch + o.epochs;
      if (o.checkpoint !== undefined && (e % o.checkpointEvery === 0 || last)) await saveRecord(files(), o.checkpoint, record);
    }
  } finally {
    resident?.release();
  }
  return result;
}

/**
 * At a model's first fit: records the data's visible means (AIS's base rates) and, before any
 * epoch, starts the biases (and a centred model's offsets) from them as the options say.
 */
async function startFromData(record: ModelRecord, backend: Backend, data: TrainingRows): Promise<void> {
  const { mean, variance } = await data.statistics();
  if (record.epochsTrained === 0 && !record.progress) {
    const start = parametersFromData(record.parameters, mean, record.config, variance);
    if (start !== record.parameters) {
      await backend.setParameters(start);
      record.parameters = start;
    }
  }
  record.dataMean = mean;
}

/** One epoch (or the rest of one stopped part-way); rejects when stopped or diverged. */
async function trainEpoch(record: ModelRecord, backend: Backend, runEpoch: (plan: EpochPlan) => Promise<EpochResult>, rows: number, o: CheckedFitOptions, startEpoch: number, files: () => ModelFiles) {
  const began = performance.now();
  const epoch = record.epochsTrained;
  const earlier = record.progress?.klDivergence ?? [];
  const starts = batchStarts(rows, o.batchSize);
  const batches = starts.length - 1;
  const shown = epoch + 1 - startEpoch;
  const { seed } = record.config;
  let result: EpochResult;
  try {
    result = await runEpoch({
      order: permutation(rows, seed, epoch),
      batchStarts: starts,
      largestBatch: largestBatch(starts),
      seed,
      epoch,
      rule: record.rule(epoch),
      firstBatch: earlier.length,
      signal: o.signal,
      onBatch: o.onBatch && ((b) => o.onBatch!({ epoch: shown, batch: b + 1, batches })),
    });
  } catch (error) {
    // Whatever the device did to its copy, the model goes on from the last completed epoch.
    await backend.setParameters(record.parameters).catch(() => {});
    throw error;
  }
  const before = record.parameters;
  record.parameters = result.parameters;
  const kl = [...earlier, ...result.losses];
  if (result.nonFiniteBatch !== undefined) {
    throw new NonFiniteError(
      epoch + 1,
      result.nonFiniteBatch + 1,
      `training diverged: epoch ${epoch + 1}, batch ${result.nonFiniteBatch + 1} produced a non-finite KL divergence or parameter ` +
        `(is the learning rate of ${record.config.learningRate} too high?); the model keeps its parameters from before that epoch`,
    );
  }
  if (result.stopped) {
    record.progress = { batchesDone: kl.length, klDivergence: kl, rows, batchSize: o.batchSize };
    await interrupt(files, record, o, o.signal?.reason);
  }
  const klDivergence = kl.reduce((s, v) => s + v, 0) / kl.length;
  if (record.config.visibleType === 'binary' && record.config.labels === 0 && klDivergence > MAX_PLAUSIBLE_KL) {
    await backend.setParameters(before);
    record.parameters = before;
    throw new DivergenceError(
      epoch + 1,
      klDivergence,
      `training diverged: epoch ${epoch + 1}'s KL divergence is ${klDivergence.toPrecision(3)} nats per unit, above ${MAX_PLAUSIBLE_KL} ` +
        `(is the learning rate of ${record.config.learningRate} too high?); the model keeps its parameters from before that epoch`,
    );
  }
  record.progress = undefined;
  return {
    epoch: epoch + 1,
    klDivergence,
    seconds: (performance.now() - began) / 1000,
    deviceSeconds: result.deviceSeconds,
    swapRate: result.swaps && result.swaps.accepted / Math.max(1, result.swaps.tried),
  };
}

/** The loss's name in fit's epoch lines: simple_rbm's "KL Divergence" unless the model reports another. */
function epochLossName(config: { visibleType: VisibleType; labels: number }): string {
  const name = lossName(config.visibleType, config.labels);
  return name === 'KL divergence' ? 'KL Divergence' : name[0].toUpperCase() + name.slice(1);
}

/** What a Gaussian model's fit prints after the banner: its epoch lines report another loss. */
export const GAUSSIAN_LOSS_NOTE = "# Gaussian visible units: each epoch reports the reconstruction's mean squared error (the KL divergence applies to binary units only).";

/** Saves the checkpoint, if any, and rejects the fit. */
async function interrupt(files: () => ModelFiles, record: ModelRecord, o: CheckedFitOptions, reason: unknown): Promise<never> {
  if (o.checkpoint !== undefined) await saveRecord(files(), o.checkpoint, record);
  const where = record.progress
    ? `after batch ${record.progress.batchesDone} of epoch ${record.epochsTrained + 1}`
    : `after epoch ${record.epochsTrained}`;
  const saved = o.checkpoint === undefined ? '' : `; saved to ${o.checkpoint}`;
  throw new TrainingInterruptedError(`training was stopped ${where}${saved}`, { cause: reason });
}

async function readCheckpoint(files: ModelFiles, path: string, record: ModelRecord): Promise<ModelState> {
  const state = await files.readModel(path);
  const difference = kindDifference(record.config, state.config);
  if (difference) {
    const [field, theirs, ours] = difference;
    throw new InvalidArgumentError('resumeFrom', `${path} holds a model with ${field} = ${theirs}; this model has ${ours}`);
  }
  return state;
}

import { expectedIn, inDomain } from './layers/layer.js';
import { ALL_TENSORS, describeHidden, describeType, HIDDEN_LAYERS, modelTensors, unitTypesOwning } from './layers/registry.js';
import { arraysOf, type ParameterName, type Parameters, type TensorSpec } from './parameters.js';
import { InvalidArgumentError } from './errors.js';
import { resolveOptions, type ResolvedOptions } from './options.js';

/** The options that define a model (not how it runs): what a model file stores. */
export type ModelConfig = Omit<ResolvedOptions, 'useGPU' | 'gpu' | 'threads'>;

/** The learning curve: one entry per epoch trained. */
export interface History {
  readonly epoch: number[];
  readonly klDivergence: number[];
}

/** An epoch that stopped part-way (an aborted fit), so that training can continue exactly. */
export interface EpochProgress {
  /** Batches of the epoch already trained. */
  readonly batchesDone: number;
  /** Their KL values, in batch order. */
  readonly klDivergence: number[];
  /** The epoch's data size and batch size: a continuation must use the same. */
  readonly rows: number;
  readonly batchSize: number;
}

/** Where a `fit` with a checkpoint began and how many epochs it asked for, so resumeFrom can finish it. */
export interface RunInfo {
  readonly startEpoch: number;
  readonly epochs: number;
}

/** Inference draws are addressed by a 32-bit counter word: a model may make this many. */
export const MAX_INFERENCE_DRAWS = 2 ** 32 - 1;

/** Everything needed to continue a model exactly: what save() writes and load() reads. */
export interface ModelState {
  readonly config: ModelConfig;
  readonly parameters: Parameters;
  readonly history: History;
  /** Sampling calls made outside training: their position in the random stream. */
  readonly inferenceDraws: number;
  readonly progress?: EpochProgress;
  readonly run?: RunInfo;
  /** The visible means of the data the model first trained on: AIS's base rates. */
  readonly dataMean?: Float32Array;
}

export function configOf(options: ResolvedOptions): ModelConfig {
  const { useGPU: _useGPU, gpu: _gpu, threads: _threads, ...config } = options;
  return config;
}

type Fail = (field: string, message: string) => never;

const argumentFailure: Fail = (field, message) => {
  throw new InvalidArgumentError(field, message);
};

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function count(v: unknown, field: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(field, `expected a non-negative integer, got ${String(v)}`);
  return v as number;
}

function finiteArray(v: unknown, field: string, fail: Fail): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail(field, 'expected an array of finite numbers');
  }
  return v as number[];
}

/** Checks a configuration, with the same rules as the RBM constructor. */
export function checkConfig(v: unknown, fail: Fail = argumentFailure): ModelConfig {
  if (!isObject(v)) fail('config', 'expected an object');
  try {
    return configOf(resolveOptions(v as unknown as ModelConfig));
  } catch (error) {
    if (error instanceof InvalidArgumentError) fail(`config.${error.argument}`, error.message.slice(error.argument.length + 2));
    throw error;
  }
}

/** Who has a tensor, in the words of an error: the model kinds that bring it. */
function ownerWords(spec: TensorSpec): string {
  if (spec.owner === 'centring') return 'a centred model has offsets';
  if (spec.owner === 'labels') return 'a model with labels has a label layer';
  return `a model with ${unitTypesOwning(spec).join(' or ')} has ${spec.field}`;
}

/** Checks every array the configuration implies (the schema: src/parameters.ts and the layers) for its length and finiteness, and refuses arrays it does not. */
export function checkParameters(p: unknown, config: ModelConfig, fail: Fail = argumentFailure): Parameters {
  if (!isObject(p)) fail('parameters', 'expected an object');
  const given = p as Record<string, unknown>;
  const { visible, hidden, labels } = config;
  const specs = modelTensors(config);
  const present = new Set(specs.flatMap((spec) => [spec.field, ...(spec.velocity ? [spec.velocity.field] : [])]));
  for (const spec of ALL_TENSORS) {
    for (const field of [spec.field, ...(spec.velocity ? [spec.velocity.field] : [])]) {
      if (!present.has(field) && given[field] !== undefined) fail(field, `only ${ownerWords(spec)}`);
      if (present.has(field) && given[field] === undefined) fail(field, missingWords(spec, config));
    }
  }
  const expected = arraysOf(specs, { V: visible, H: hidden, C: labels }).map(({ field, length }) => [field, length] as [ParameterName, number]);
  const minimum = new Map(specs.filter((spec) => spec.minimum !== undefined).map((spec) => [spec.field, spec.minimum!]));
  const chains = given.hiddenChains;
  if (chains !== undefined) {
    if (!(chains instanceof Float32Array) || chains.length % hidden !== 0) {
      fail('hiddenChains', `expected a Float32Array of whole rows of ${hidden} hidden states`);
    }
    expected.push(['hiddenChains', (chains as Float32Array).length]);
    // States the hidden units can take: a chain outside them is no state of this model.
    const { domain } = HIDDEN_LAYERS[config.hiddenType]();
    const k = (chains as Float32Array).findIndex((v) => Number.isFinite(v) && !inDomain(v, domain));
    if (k >= 0) fail('hiddenChains', `element ${k} is ${(chains as Float32Array)[k]}; expected ${expectedIn(domain)}, a state of ${config.hiddenType} hidden units`);
  }
  for (const [name, length] of expected) {
    const a = given[name];
    if (!(a instanceof Float32Array) || a.length !== length) fail(name, `expected a Float32Array of length ${length}`);
    const values = a as Float32Array;
    for (let k = 0; k < values.length; k++) {
      if (!Number.isFinite(values[k])) fail(name, `element ${k} is ${values[k]}; expected a finite number`);
      const least = minimum.get(name);
      if (least !== undefined && !(values[k] >= least)) fail(name, `element ${k} is ${values[k]}; expected at least ${least} (the floor training keeps it at)`);
    }
  }
  return p as unknown as Parameters;
}

/** Why a model of this configuration needs a tensor it was not given. */
function missingWords(spec: TensorSpec, config: ModelConfig): string {
  if (spec.owner === 'centring') return 'a centred model needs its offsets';
  if (spec.owner === 'labels') return `a model with ${config.labels} labels needs labelWeights, labelBias and their velocities`;
  const types = spec.owner === 'visible' ? `${describeType(config.visibleType)} visible units` : `${describeHidden(config.hiddenType)} hidden units`;
  return `a model with ${types} needs ${spec.field}${spec.velocity ? ` and ${spec.velocity.field}` : ''}`;
}

export function checkHistory(v: unknown, fail: Fail = argumentFailure): History {
  if (!isObject(v)) fail('history', 'expected { epoch, klDivergence }');
  const h = v as Record<string, unknown>;
  const epoch = finiteArray(h.epoch, 'history.epoch', fail);
  const kl = finiteArray(h.klDivergence, 'history.klDivergence', fail);
  if (epoch.length !== kl.length) fail('history', `has ${epoch.length} epochs but ${kl.length} KL values`);
  epoch.forEach((e, i) => {
    if (e !== i + 1) fail('history.epoch', `entry ${i} is ${e}; expected ${i + 1}`);
  });
  return { epoch: [...epoch], klDivergence: [...kl] };
}

export function checkProgress(v: unknown, fail: Fail = argumentFailure): EpochProgress | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) fail('progress', 'expected an object');
  const p = v as Record<string, unknown>;
  const batchesDone = count(p.batchesDone, 'progress.batchesDone', fail);
  const klDivergence = finiteArray(p.klDivergence, 'progress.klDivergence', fail);
  const rows = count(p.rows, 'progress.rows', fail);
  const batchSize = count(p.batchSize, 'progress.batchSize', fail);
  if (klDivergence.length !== batchesDone) fail('progress', `has ${batchesDone} batches done but ${klDivergence.length} KL values`);
  if (batchSize < 1 || batchSize > rows || batchesDone < 1 || batchesDone >= Math.floor(rows / batchSize)) {
    fail('progress', `${batchesDone} batches done is not part of an epoch of ${rows} rows in batches of ${batchSize}`);
  }
  return { batchesDone, klDivergence: [...klDivergence], rows, batchSize };
}

export function checkRun(v: unknown, fail: Fail = argumentFailure): RunInfo | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) fail('run', 'expected an object');
  const r = v as Record<string, unknown>;
  return { startEpoch: count(r.startEpoch, 'run.startEpoch', fail), epochs: count(r.epochs, 'run.epochs', fail) };
}

function checkDataMean(v: unknown, visible: number, binary: boolean, fail: Fail): Float32Array | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof Float32Array) || v.length !== visible) fail('dataMean', `expected a Float32Array of length ${visible}`);
  const mean = v as Float32Array;
  for (let k = 0; k < mean.length; k++) {
    if (binary ? !(mean[k] >= 0 && mean[k] <= 1) : !Number.isFinite(mean[k])) fail('dataMean', `element ${k} is ${mean[k]}; expected ${binary ? 'a value in [0, 1]' : 'a finite number'}`);
  }
  return mean;
}

/** Checks a whole state; the first defect throws through `fail`. */
export function checkState(v: unknown, fail: Fail = argumentFailure): ModelState {
  if (!isObject(v)) fail('state', 'expected an object');
  const s = v as Record<string, unknown>;
  const config = checkConfig(s.config, fail);
  const parameters = checkParameters(s.parameters, config, fail);
  const history = checkHistory(s.history, fail);
  const inferenceDraws = count(s.inferenceDraws, 'inferenceDraws', fail);
  if (inferenceDraws > MAX_INFERENCE_DRAWS) fail('inferenceDraws', `expected at most ${MAX_INFERENCE_DRAWS}, got ${inferenceDraws}`);
  const progress = checkProgress(s.progress, fail);
  const run = checkRun(s.run, fail);
  if (run && run.startEpoch > history.epoch.length) {
    fail('run.startEpoch', `is ${run.startEpoch} but only ${history.epoch.length} epochs were trained`);
  }
  const dataMean = checkDataMean(s.dataMean, config.visible, config.visibleType !== 'gaussian', fail);
  return { config, parameters, history, inferenceDraws, progress, run, ...(dataMean && { dataMean }) };
}

/**
 * The first way `other` is a different kind of model than `config`, which a backend made for
 * `config` cannot hold: its sizes, unit types or label layer, as [field, other's value, this
 * model's]; undefined when the two are the same kind.
 */
export function kindDifference(config: ModelConfig, other: ModelConfig): [field: string, theirs: string, ours: string] | undefined {
  const show = (v: unknown) => JSON.stringify(v).replace(/"/g, "'");
  for (const field of ['visible', 'hidden', 'visibleType', 'hiddenType', 'labels'] as const) {
    if (show(other[field]) !== show(config[field])) return [field, show(other[field]), show(config[field])];
  }
  return undefined;
}

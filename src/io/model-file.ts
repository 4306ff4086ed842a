import { ALL_TENSORS } from '../layers/registry.js';
import { CHAINS_FILE, COUPLING, type Dims, type Parameters, type TensorSpec } from '../parameters.js';
import { DataFormatError, InvalidArgumentError } from '../errors.js';
import { checkState, type ModelState } from '../state.js';
import { decodeSafetensors, encodeSafetensors, excerpt, readFloat32, showShape } from './safetensors.js';

/** The format name written into every model file's metadata. */
export const MODEL_FORMAT = 'webgpu-rbm';
export const MODEL_FORMAT_VERSION = '1';

/** The tensors' arrays, then their velocities', each with its file name and spec (simple_rbm's order). */
function fileArrays(specs: readonly TensorSpec[]) {
  return [
    ...specs.map((spec) => ({ field: spec.field, file: spec.file, spec })),
    ...specs.flatMap((spec) => (spec.velocity ? [{ field: spec.velocity.field, file: spec.velocity.file, spec }] : [])),
  ];
}

/** The arrays every model file holds, named as simple_rbm's get_state() names them: W, the biases and their momentum. */
const REQUIRED = fileArrays(COUPLING);

/** The arrays only some models have (the schema's other tensors: a unit type's, centring's, a label layer's). */
const OPTIONAL = fileArrays(ALL_TENSORS.filter((spec) => !COUPLING.includes(spec)));

/** An array's shape for a model of these sizes. */
function shapeOf(spec: TensorSpec, dims: Dims): number[] {
  return spec.shape.map((d) => dims[d]);
}

/** The training data's visible means, recorded at the first fit (AIS's base rates). */
const DATA_MEAN = 'data_mean';

/**
 * Metadata that is small in every model file, and the most of it a file may hold (characters):
 * JSON.parse would otherwise build, from a long string, a large array only to refuse it.
 */
const SMALL_METADATA = { format: 64, version: 64, inferenceDraws: 64, run: 1024 } as const;

/**
 * A model as a safetensors file: six float32 arrays, everything else as JSON in the metadata.
 * Throws InvalidArgumentError, naming the field, for a state that load() would refuse.
 */
export function encodeModel(state: ModelState): Uint8Array {
  const { tensors, metadata } = modelEntries(state, '', 'state');
  return encodeSafetensors(tensors, { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, ...metadata });
}

/**
 * A stack of models (a deep belief network's layers, bottom first) as one safetensors file:
 * each layer's tensors and metadata as encodeModel writes them, named `layers.<i>.<name>`, and
 * the number of layers in the metadata's `layers`.
 */
export function encodeStack(states: readonly ModelState[]): Uint8Array {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  const metadata: Record<string, string> = { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, layers: String(states.length) };
  states.forEach((state, i) => {
    const layer = modelEntries(state, `layers.${i}.`, `layers[${i}]`);
    Object.assign(tensors, layer.tensors);
    Object.assign(metadata, layer.metadata);
  });
  return encodeSafetensors(tensors, metadata);
}

/** One model's tensors and metadata, each name after `prefix`; a state load() would refuse is an InvalidArgumentError naming `argument`. */
function modelEntries(state: ModelState, prefix: string, argument: string) {
  state = checkState(state, (field, message) => {
    throw new InvalidArgumentError(field === 'state' ? argument : `${argument}.${field}`, message);
  });
  const { visible: V, hidden: H, labels: C } = state.config;
  const dims = { V, H, C };
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const { field, file, spec } of [...REQUIRED, ...OPTIONAL]) {
    const values = state.parameters[field];
    if (values) tensors[prefix + file] = { shape: shapeOf(spec, dims), data: values };
  }
  const chains = state.parameters.hiddenChains;
  if (chains && chains.length > 0) tensors[prefix + CHAINS_FILE] = { shape: [chains.length / H, H], data: chains };
  if (state.dataMean) tensors[prefix + DATA_MEAN] = { shape: [V], data: state.dataMean };
  const metadata: Record<string, string> = {
    [`${prefix}config`]: JSON.stringify(state.config),
    [`${prefix}history`]: JSON.stringify(state.history),
    [`${prefix}inferenceDraws`]: JSON.stringify(state.inferenceDraws),
  };
  if (state.progress) metadata[`${prefix}progress`] = JSON.stringify(state.progress);
  if (state.run) metadata[`${prefix}run`] = JSON.stringify(state.run);
  return { tensors, metadata };
}

/**
 * Reads a model file, checking the container (decodeSafetensors), then that it is a model of
 * this library's format, that every array has the shape the configuration implies, and that
 * every value is finite. Never evaluates anything from the file. Throws DataFormatError
 * naming `source` and the defect, and InvalidArgumentError when `bytes` is not a Uint8Array.
 */
export function decodeModel(bytes: Uint8Array, source: string): ModelState {
  const file = openModelFile(bytes, source);
  if (file.metadata.layers !== undefined) {
    throw new DataFormatError(source, `is a stack of ${excerpt(file.metadata.layers)} models (a deep belief network): read it with DBN.load or decodeStack`);
  }
  return modelAt(file, '', source);
}

/** Reads a file encodeStack wrote: its layers' models, bottom first, each checked as decodeModel checks one. */
export function decodeStack(bytes: Uint8Array, source: string): ModelState[] {
  const file = openModelFile(bytes, source);
  const count = Number(file.metadata.layers);
  if (file.metadata.layers === undefined) throw new DataFormatError(source, 'is a single model, not a stack (a deep belief network): read it with RBM.load or decodeModel');
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_LAYERS) throw new DataFormatError(source, `has metadata 'layers' of ${JSON.stringify(excerpt(file.metadata.layers))}; expected 1 to ${MAX_LAYERS}`);
  return Array.from({ length: count }, (_, i) => modelAt(file, `layers.${i}.`, `${source} (layer ${i})`));
}

/** Whether a model file holds a stack of models (encodeStack's) rather than one (encodeModel's). */
export function isStack(bytes: Uint8Array, source: string): boolean {
  return openModelFile(bytes, source).metadata.layers !== undefined;
}

/** The most layers a stack file may declare. */
export const MAX_LAYERS = 64;

/** The container, checked to be this library's format and version. */
function openModelFile(bytes: Uint8Array, source: string) {
  const file = decodeSafetensors(bytes, source);
  const meta = file.metadata;
  const show = (text: string | undefined) => JSON.stringify(text === undefined ? text : excerpt(text));
  if (meta.format !== MODEL_FORMAT) throw new DataFormatError(source, `is not a ${MODEL_FORMAT} model file (metadata format is ${show(meta.format)})`);
  if (meta.version !== MODEL_FORMAT_VERSION) throw new DataFormatError(source, `has model format version ${show(meta.version)}; this library reads version ${MODEL_FORMAT_VERSION}`);
  return file;
}

/** The model whose tensors and metadata are named after `prefix` in `file`. */
function modelAt(file: ReturnType<typeof decodeSafetensors>, prefix: string, source: string): ModelState {
  const fail = (message: string): never => {
    throw new DataFormatError(source, message);
  };
  const meta = file.metadata;
  for (const [key, most] of Object.entries(SMALL_METADATA)) {
    const text = meta[prefix + key];
    if (text !== undefined && text.length > most) fail(`has metadata '${prefix + key}' of ${text.length} characters; at most ${most} are expected`);
  }
  const json = (key: string, required: boolean): unknown => {
    const text = meta[prefix + key];
    if (text === undefined) return required ? fail(`has no '${prefix + key}' in its metadata`) : undefined;
    try {
      return JSON.parse(text);
    } catch {
      return fail(`has metadata '${prefix + key}' that is not valid JSON`);
    }
  };
  const config = json('config', true) as { visible?: unknown; hidden?: unknown; labels?: unknown };
  const V = config?.visible;
  const H = config?.hidden;
  const C = config?.labels ?? 0;
  if (!Number.isSafeInteger(V) || !Number.isSafeInteger(H)) fail('has a config without integer visible and hidden sizes');
  if (!Number.isSafeInteger(C)) fail('has a config whose labels is not an integer number of classes');
  const dims = { V: V as number, H: H as number, C: C as number };
  const parameters: Partial<Record<keyof Parameters, Float32Array>> = {};
  const tensor = (name: string, shape: number[], required: boolean): Float32Array | undefined => {
    const entry = file.tensors.get(prefix + name);
    if (!entry) return required ? fail(`has no tensor '${prefix + name}'`) : undefined;
    if (entry.dtype !== 'F32') fail(`has tensor '${prefix + name}' of dtype ${entry.dtype}; expected F32`);
    if (entry.shape.join(',') !== shape.join(',')) fail(`has tensor '${prefix + name}' of shape ${showShape(entry.shape)}; its config implies [${shape.join(', ')}]`);
    return readFloat32(entry);
  };
  for (const { field, file, spec } of REQUIRED) parameters[field] = tensor(file, shapeOf(spec, dims), true);
  for (const { field, file, spec } of OPTIONAL) {
    const values = tensor(file, shapeOf(spec, dims), false);
    if (values) parameters[field] = values;
  }
  const dataMean = tensor(DATA_MEAN, [V as number], false);
  const chains = file.tensors.get(prefix + CHAINS_FILE);
  if (chains) {
    if (chains.dtype !== 'F32' || chains.shape.length !== 2 || chains.shape[1] !== H) {
      fail(`has tensor '${prefix + CHAINS_FILE}' of ${chains.dtype} ${showShape(chains.shape)}; expected F32 [n, ${H}]`);
    }
    parameters.hiddenChains = readFloat32(chains);
  }
  return checkState(
    {
      config,
      parameters,
      history: json('history', true),
      inferenceDraws: json('inferenceDraws', true),
      progress: json('progress', false),
      run: json('run', false),
      ...(dataMean && { dataMean }),
    },
    (field, message) => fail(`${field}: ${message}`),
  );
}

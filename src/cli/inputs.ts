import { DataFormatError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import type { PixelMatrix } from '../pixels.js';
import { asFloats, firstRowsOf } from '../data/rows.js';
import { DBN, RBM } from '../node.js';
import { readFileBytes } from '../data/files.js';
import { decodeModel, decodeStack, isStack } from '../io/model-file.js';
import { currentPlatform } from '../platform/platform.js';
import { required } from './cli.js';
import { isNamedSet, loadRows } from './data-source.js';
import { pathOption, type FileArgument } from './files.js';

/** --model FILE, required. */
export function modelArgument(value: string | undefined): FileArgument {
  return { flag: '--model', path: pathOption('model', required('model', value), ''), what: 'the model' };
}

/** A data option: a named data set, or a file (then also a FileArgument, for the path checks). */
export interface DataArgument {
  readonly spec: string;
  readonly file?: FileArgument;
}

/** A data option's value (or `fallback`); a file unless it names a data set. */
export function dataArgument(name: string, value: string | undefined, fallback: string): DataArgument {
  const spec = pathOption(name, value, fallback);
  return isNamedSet(spec) ? { spec } : { spec, file: { flag: `--${name}`, path: spec, what: 'the data' } };
}

/** The inputs among these that are files. */
export function files(...inputs: (FileArgument | DataArgument | undefined)[]): FileArgument[] {
  return inputs.flatMap((i) => (i === undefined ? [] : 'spec' in i ? (i.file ? [i.file] : []) : [i]));
}

/** Reads a data set for `rbm` (8-bit rows stay 8-bit; the model's methods take them): its rows must have one value per visible unit. */
export async function dataFor(rbm: RBM, data: DataArgument, model: FileArgument): Promise<Matrix | PixelMatrix> {
  const x = await loadRows(data.spec);
  if (x.cols !== rbm.visible) {
    throw new DataFormatError(data.spec, `has rows of ${x.cols} values, but the model ${model.path} has ${rbm.visible} visible units`);
  }
  return x;
}

/** The first `count` rows of a data set for `rbm`, as float32 values (to draw them). */
export async function firstRowsFor(rbm: RBM, data: DataArgument, model: FileArgument, count: number): Promise<Matrix> {
  return asFloats(firstRowsOf(await dataFor(rbm, data, model), count));
}

/** How much host memory the command may plan to use, in bytes (the platform's limit). */
export function memoryLimit(): number {
  return currentPlatform().memoryBytes;
}

/** Bytes of float32 matrices of `rows` rows holding `cols` values each. */
export function floatBytes(rows: number, cols: number): number {
  return 4 * rows * cols;
}

/**
 * A model file as the pictures commands read it: one RBM, or a deep belief network's stack
 * (then `rbm` is its bottom layer, whose weights face the data, and `stack` the whole DBN).
 */
export async function loadModelFile(path: string, useGPU = false): Promise<{ rbm: RBM; stack?: DBN }> {
  const bytes = await readFileBytes(path);
  if (!isStack(bytes, path)) return { rbm: await RBM.fromState(decodeModel(bytes, path), { useGPU }) };
  const stack = await DBN.fromStates(decodeStack(bytes, path), { useGPU });
  return { rbm: stack.layers[0], stack };
}

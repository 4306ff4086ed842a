import { DataFormatError, describe, InvalidArgumentError } from '../errors.js';
import { matrix, type Matrix } from '../matrix.js';
import { checkMemory } from '../memory.js';
import type { PixelMatrix } from '../pixels.js';
import { currentPlatform } from '../platform/platform.js';
import { checkBytes, checkMatrixMemory } from './idx.js';

export type NpyData = Float32Array | Float64Array | Uint8Array;

/** A NumPy array as a .npy file holds it: its shape and its values in C (row-major) order. */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly data: NpyData;
}

/** The 6 bytes every .npy file starts with: \x93NUMPY. */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** A header longer than this is refused unread (NumPy's own reader stops at 10,000 bytes). */
export const MAX_NPY_HEADER_BYTES = 65536;

/** The most dimensions a header may declare (NumPy's limit). */
const MAX_DIMS = 64;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface NpyType {
  readonly name: string;
  readonly bytes: number;
  readonly littleEndian: boolean;
  readonly make: (n: number) => NpyData;
}

const f4 = (n: number) => new Float32Array(n);
const f8 = (n: number) => new Float64Array(n);
const u1 = (n: number) => new Uint8Array(n);

const TYPES: Record<string, NpyType> = {
  '<f4': { name: 'float32', bytes: 4, littleEndian: true, make: f4 },
  '>f4': { name: 'float32', bytes: 4, littleEndian: false, make: f4 },
  '<f8': { name: 'float64', bytes: 8, littleEndian: true, make: f8 },
  '>f8': { name: 'float64', bytes: 8, littleEndian: false, make: f8 },
  '|u1': { name: 'uint8', bytes: 1, littleEndian: true, make: u1 },
  '<u1': { name: 'uint8', bytes: 1, littleEndian: true, make: u1 },
  '>u1': { name: 'uint8', bytes: 1, littleEndian: true, make: u1 },
};

/** What a .npy header declares, read before anything is allocated from it. */
export interface NpyLayout {
  readonly descr: string;
  readonly typeName: string;
  readonly shape: readonly number[];
  /** Bytes of magic, version, header length and header dict. */
  readonly header: number;
  readonly count: number;
  readonly valueBytes: number;
  /** count × valueBytes (not always a safe integer for a hostile shape). */
  readonly dataBytes: number;
}

/**
 * A look at the first bytes of a .npy file of `size` bytes before it is read: when they hold the
 * whole header, its declared size is checked against the file's and its memory against the limit.
 */
export function checkNpyHead(head: Uint8Array, size: number, source: string, decoding: NpyDecoding): void {
  if (head.length < 12) return;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const end = head[6] === 1 ? 10 + view.getUint16(8, true) : 12 + view.getUint32(8, true);
  if (end > head.length && end <= size) return;
  const layout = readNpyHeader(head, source);
  checkNpyLength(layout, size - layout.header, source);
  checkNpyMemory(source, layout, size, decoding);
}

/** Whether `bytes` start with the .npy magic string. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Reads a .npy header (versions 1.0, 2.0 and 3.0) from the first bytes of a file: magic,
 * version, header length and the header dict, parsed as data (never evaluated). Throws
 * DataFormatError naming `source`.
 */
export function readNpyHeader(bytes: Uint8Array, source: string): NpyLayout {
  if (!isNpy(bytes)) throw new DataFormatError(source, 'is not a .npy file (it does not start with \\x93NUMPY)');
  if (bytes.length < 10) throw new DataFormatError(source, `is truncated: ${bytes.length} bytes, shorter than a .npy header`);
  const [major, minor] = [bytes[6], bytes[7]];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw new DataFormatError(source, `is .npy format version ${major}.${minor}; versions 1.0, 2.0 and 3.0 are read`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) throw new DataFormatError(source, `is truncated: ${bytes.length} bytes, shorter than a .npy ${major}.0 header`);
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (length > MAX_NPY_HEADER_BYTES) throw new DataFormatError(source, `declares a .npy header of ${length} bytes; at most ${MAX_NPY_HEADER_BYTES} are read`);
  const header = start + length;
  if (bytes.length < header) throw new DataFormatError(source, `is truncated: its .npy header needs ${header} bytes, found ${bytes.length}`);
  const raw = bytes.subarray(start, header);
  const text = major === 3 ? new TextDecoder('utf-8', { fatal: false }).decode(raw) : latin1(raw);
  const dict = parseHeaderDict(text, source);
  return layoutOf(dict, header, source);
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

function layoutOf(dict: Map<string, PyValue>, header: number, source: string): NpyLayout {
  for (const key of ['descr', 'fortran_order', 'shape']) {
    if (!dict.has(key)) throw new DataFormatError(source, `has a .npy header without '${key}'`);
  }
  if (dict.size !== 3) throw new DataFormatError(source, `has a .npy header with keys other than 'descr', 'fortran_order' and 'shape'`);
  const descr = dict.get('descr');
  if (typeof descr !== 'string') throw new DataFormatError(source, 'has a structured or non-string dtype; only float32, float64 and uint8 arrays are read');
  const type = Object.hasOwn(TYPES, descr) ? TYPES[descr] : undefined;
  if (!type) throw new DataFormatError(source, `has dtype ${JSON.stringify(descr.slice(0, 20))}; only float32 ('<f4', '>f4'), float64 ('<f8', '>f8') and uint8 ('|u1') are read`);
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean') throw new DataFormatError(source, "has a .npy header whose 'fortran_order' is not True or False");
  if (fortran) throw new DataFormatError(source, 'is stored in Fortran (column-major) order; save it in C order (np.save(path, np.ascontiguousarray(a)))');
  const shape = dict.get('shape');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) {
    throw new DataFormatError(source, "has a .npy header whose 'shape' is not a tuple of integers");
  }
  if (shape.length > MAX_DIMS) throw new DataFormatError(source, `declares ${shape.length} dimensions; at most ${MAX_DIMS}`);
  const dims = shape as number[];
  const count = dims.reduce((a, b) => a * b, 1);
  return { descr, typeName: type.name, shape: dims, header, count, valueBytes: type.bytes, dataBytes: count * type.bytes };
}

/** Throws DataFormatError unless the header accounts for exactly `dataBytes` bytes after it. */
export function checkNpyLength(layout: NpyLayout, dataBytes: number, source: string): void {
  const expected = layout.dataBytes;
  if (expected === dataBytes) return;
  const what = expected > dataBytes ? 'truncated' : 'longer than its header says';
  const needed = Number.isSafeInteger(expected) ? String(expected) : `about ${expected.toPrecision(3)}`;
  throw new DataFormatError(source, `is ${what}: shape (${layout.shape.join(', ')}) of ${layout.typeName} needs ${needed} bytes of data, found ${dataBytes}`);
}

/**
 * Refuses an array whose reading would need more memory than the platform allows: `held`
 * bytes (the file), the values copied out of it, and the float32 matrix when there will be one.
 */
export function checkNpyMemory(source: string, layout: NpyLayout, held: number, { asMatrix = false, bytesAsPixels = false }: NpyDecoding): void {
  const matrix = asMatrix && !(bytesAsPixels && layout.valueBytes === 1);
  const bytes = held + layout.dataBytes + (matrix ? layout.count * 4 : 0);
  checkMemory(source, `its (${layout.shape.join(', ')}) ${layout.typeName} values`, bytes, currentPlatform().memoryBytes);
}

/**
 * Parses a .npy file's bytes (format 1.0, 2.0 or 3.0; dtypes float32, float64 and uint8 of
 * either byte order; C order). The header is checked against the bytes present, and the memory
 * the values need against the platform's limit, before anything is allocated. The values are
 * copied, in the host's byte order.
 */
export function parseNpy(bytes: Uint8Array, source = 'NPY data'): NpyArray {
  checkBytes('bytes', bytes);
  if (typeof source !== 'string') throw new InvalidArgumentError('source', `expected a string, got ${describe(source)}`);
  return decodeNpy(bytes, source);
}

export interface NpyDecoding {
  /** The values will become a float32 matrix: its memory counts too. */
  readonly asMatrix?: boolean;
  /** ... except uint8 values, which will stay 8-bit (npyToRows). */
  readonly bytesAsPixels?: boolean;
}

/** parseNpy without the argument checks, counting in its memory estimate what the values will become. */
export function decodeNpy(bytes: Uint8Array, source: string, decoding: NpyDecoding = {}): NpyArray {
  const layout = readNpyHeader(bytes.subarray(0, 12 + MAX_NPY_HEADER_BYTES), source);
  checkNpyLength(layout, bytes.length - layout.header, source);
  checkNpyMemory(source, layout, bytes.length, decoding);
  const type = TYPES[layout.descr];
  const body = bytes.subarray(layout.header);
  return { shape: layout.shape, data: type.littleEndian === LITTLE_ENDIAN_HOST || type.bytes === 1 ? copyValues(type, body) : swapValues(type, body, layout.count) };
}

/** Values in the host's byte order, copied as bytes (slice gives an aligned buffer of their own). */
function copyValues(type: NpyType, body: Uint8Array): NpyData {
  const buffer = body.slice().buffer;
  if (type.bytes === 1) return new Uint8Array(buffer);
  return type.bytes === 4 ? new Float32Array(buffer) : new Float64Array(buffer);
}

function swapValues(type: NpyType, body: Uint8Array, count: number): NpyData {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out = type.make(count);
  const little = type.littleEndian;
  if (type.bytes === 4) for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, little);
  else for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, little);
  return out;
}

/** The rows and columns of an array read as a matrix: the first dimension, the rest flattened (as for IDX). */
function matrixShape(npy: NpyArray, source: string): [number, number] {
  if (npy.shape.length === 0) throw new DataFormatError(source, 'holds a single value (shape ()); a matrix needs at least one dimension');
  const [rows, ...rest] = npy.shape;
  const cols = rest.reduce((a, b) => a * b, 1);
  if (rows === 0 || cols === 0) throw new DataFormatError(source, `holds no values (shape (${npy.shape.join(', ')}))`);
  return [rows, cols];
}

/**
 * An array as an N × (d1·d2…) float32 matrix: uint8 values divided by 255 (as idxToMatrix
 * scales bytes), float64 rounded to float32.
 */
export function npyToMatrix(npy: NpyArray, source = 'NPY data'): Matrix {
  const [rows, cols] = matrixShape(npy, source);
  checkMatrixMemory(source, rows, cols);
  const out = matrix(rows, cols);
  if (npy.data instanceof Uint8Array) for (let k = 0; k < out.data.length; k++) out.data[k] = npy.data[k] * (1 / 255);
  else out.data.set(npy.data);
  return out;
}

/** An array of uint8 values as 8-bit rows (value / 255); any other dtype as npyToMatrix gives it. */
export function npyToRows(npy: NpyArray, source: string): Matrix | PixelMatrix {
  if (!(npy.data instanceof Uint8Array)) return npyToMatrix(npy, source);
  const [rows, cols] = matrixShape(npy, source);
  return { pixels: npy.data, rows, cols };
}

/** The dtype we write for each kind of values (instanceof, so that a Node Buffer is uint8). */
const DESCR: readonly [new (n: number) => NpyData, string][] = [
  [Float32Array, '<f4'],
  [Float64Array, '<f8'],
  [Uint8Array, '|u1'],
];

/**
 * A .npy file's bytes (format 1.0, or 2.0 when the header needs it): a Matrix as float32 of
 * shape (rows, cols), a PixelMatrix as uint8, an NpyArray as its own dtype and shape; values
 * little-endian, in C order. NumPy's np.load reads it.
 */
export function encodeNpy(value: Matrix | PixelMatrix | NpyArray): Uint8Array {
  const { shape, data } = toNpyArray(value);
  const descr = DESCR.find(([Type]) => data instanceof Type)![1];
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  // The header, padded with spaces and ended by a newline, takes the data to a multiple of 64 bytes.
  const pad = (start: number) => Math.ceil((start + dict.length + 1) / 64) * 64 - start;
  const v1 = pad(10) <= 0xffff;
  const start = v1 ? 10 : 12;
  const padded = pad(start);
  const out = new Uint8Array(start + padded + data.byteLength);
  out.set(MAGIC);
  out[6] = v1 ? 1 : 2;
  const view = new DataView(out.buffer);
  if (v1) view.setUint16(8, padded, true);
  else view.setUint32(8, padded, true);
  for (let i = 0; i < padded - 1; i++) out[start + i] = i < dict.length ? dict.charCodeAt(i) : 0x20;
  out[start + padded - 1] = 0x0a;
  writeValues(data, out, start + padded);
  return out;
}

function writeValues(data: NpyData, out: Uint8Array, at: number): void {
  if (data instanceof Uint8Array || LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    return;
  }
  const view = new DataView(out.buffer, at);
  if (data instanceof Float32Array) for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  else for (let i = 0; i < data.length; i++) view.setFloat64(8 * i, data[i], true);
}

/** Checks what encodeNpy was given: an InvalidArgumentError naming the defect otherwise. */
function toNpyArray(value: unknown): NpyArray {
  const fail = (message: string): never => {
    throw new InvalidArgumentError('value', message);
  };
  if (value === null || typeof value !== 'object') return fail(`expected a Matrix, a PixelMatrix or { shape, data }, got ${describe(value)}`);
  const v = value as Record<string, unknown>;
  let shape: unknown = v.shape;
  let data: unknown = v.data;
  if ('pixels' in v) [shape, data] = [[v.rows, v.cols], v.pixels];
  else if (!('shape' in v)) shape = [v.rows, v.cols];
  if (!Array.isArray(shape) || shape.length > MAX_DIMS || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`shape: expected at most ${MAX_DIMS} non-negative integers (rows and cols for a matrix)`);
  }
  if (!DESCR.some(([Type]) => data instanceof Type)) fail(`data: expected a Float32Array, Float64Array or Uint8Array, got ${describe(data)}`);
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if ((data as NpyData).length !== count) fail(`data has ${(data as NpyData).length} values; shape (${(shape as number[]).join(', ')}) needs ${count}`);
  return { shape: shape as number[], data: data as NpyData };
}

// The header dict is a Python literal; these are the values it can hold that we parse.
type PyValue = string | number | boolean | null | PyValue[];

/** How deeply tuples and lists may nest in a header (a structured dtype's are shallow). */
const MAX_NESTING = 16;

/**
 * The header's dict literal ({'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }):
 * string keys; values strings, integers, True, False, None, tuples and lists. Anything else
 * is a DataFormatError.
 */
function parseHeaderDict(text: string, source: string): Map<string, PyValue> {
  let at = 0;
  const fail = (what: string): never => {
    const near = JSON.stringify(text.slice(at, at + 20));
    throw new DataFormatError(source, `has a .npy header that is not a Python dict literal: ${what} at character ${at} (near ${near})`);
  };
  const space = () => {
    while (at < text.length && ' \t\r\n'.includes(text[at])) at++;
  };
  const take = (c: string): boolean => {
    space();
    if (text[at] !== c) return false;
    at++;
    return true;
  };
  const string = (): string => {
    const quote = text[at++];
    const end = text.indexOf(quote, at);
    if (end < 0) fail('an unterminated string');
    const s = text.slice(at, end);
    if (s.includes('\\') || s.includes('\n')) fail('a string with escapes');
    at = end + 1;
    return s;
  };
  const sequence = (close: string, depth: number): PyValue[] => {
    const items: PyValue[] = [];
    while (!take(close)) {
      items.push(value(depth + 1));
      if (!take(',')) {
        if (take(close)) break;
        fail(`expected ',' or '${close}'`);
      }
    }
    return items;
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_NESTING) fail('too deep a nesting');
    space();
    const c = text[at];
    if (c === "'" || c === '"') return string();
    if (c === '(') return (at++, sequence(')', depth));
    if (c === '[') return (at++, sequence(']', depth));
    const word = /^(?:True|False|None|\d+L?)/.exec(text.slice(at, at + 32))?.[0];
    if (word === undefined) return fail('an unexpected value');
    at += word.length;
    if (word === 'True' || word === 'False') return word === 'True';
    if (word === 'None') return null;
    const n = Number(word.replace('L', ''));
    if (!Number.isSafeInteger(n)) fail(`the integer ${word.slice(0, 20)}, too large`);
    return n;
  };
  const dict = new Map<string, PyValue>();
  if (!take('{')) fail("expected '{'");
  while (!take('}')) {
    space();
    if (text[at] !== "'" && text[at] !== '"') fail('expected a string key');
    const key = string();
    if (dict.has(key)) fail(`the key '${key.slice(0, 20)}' twice`);
    if (!take(':')) fail("expected ':'");
    dict.set(key, value(0));
    if (!take(',')) {
      if (take('}')) break;
      fail("expected ',' or '}'");
    }
  }
  space();
  if (at !== text.length) fail('text after the dict');
  return dict;
}

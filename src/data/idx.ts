import { DataFormatError, describe, InvalidArgumentError } from '../errors.js';
import { matrix, type Matrix } from '../matrix.js';
import { checkMemory } from '../memory.js';
import { currentPlatform } from '../platform/platform.js';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** An IDX array (the format of the MNIST files): its dimensions and its values, row-major. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: IdxData;
}

interface IdxType {
  readonly name: string;
  readonly bytes: number;
  /** The values at `offset`; `copy` false lets a byte type share the buffer (one the caller owns). */
  read(view: DataView, offset: number, count: number, copy: boolean): IdxData;
}

function bigEndian<T extends IdxData>(
  name: string,
  bytes: number,
  make: (n: number) => T,
  get: (view: DataView, at: number) => number,
): IdxType {
  return {
    name,
    bytes,
    read(view, offset, count) {
      const out = make(count);
      for (let i = 0; i < count; i++) out[i] = get(view, offset + i * bytes);
      return out;
    },
  };
}

function bytewise(name: string, view: (buffer: ArrayBufferLike, offset: number, length: number) => Uint8Array | Int8Array): IdxType {
  return {
    name,
    bytes: 1,
    read(v, o, n, copy) {
      const values = view(v.buffer, v.byteOffset + o, n);
      return copy ? values.slice() : values;
    },
  };
}

const TYPES: Record<number, IdxType> = {
  0x08: bytewise('unsigned byte', (b, o, n) => new Uint8Array(b, o, n)),
  0x09: bytewise('signed byte', (b, o, n) => new Int8Array(b, o, n)),
  0x0b: bigEndian('short', 2, (n) => new Int16Array(n), (v, at) => v.getInt16(at)),
  0x0c: bigEndian('int', 4, (n) => new Int32Array(n), (v, at) => v.getInt32(at)),
  0x0d: bigEndian('float', 4, (n) => new Float32Array(n), (v, at) => v.getFloat32(at)),
  0x0e: bigEndian('double', 8, (n) => new Float64Array(n), (v, at) => v.getFloat64(at)),
};

/** `count` values of the IDX type with code `code` (as readIdxHeader accepted it) from the start of `bytes`, copied. */
export function idxValues(code: number, bytes: Uint8Array, count: number): IdxData {
  return TYPES[code].read(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, count, true);
}

/** The longest IDX header: 4 bytes of magic number and 255 dimensions of 4 bytes. */
export const MAX_IDX_HEADER_BYTES = 4 + 4 * 255;

/** What an IDX header declares, read before anything is allocated from it. */
export interface IdxLayout {
  readonly typeName: string;
  readonly dims: readonly number[];
  /** Bytes of header. */
  readonly header: number;
  readonly count: number;
  /** Bytes per value. */
  readonly valueBytes: number;
  /** Bytes of data (count × valueBytes), which follow the header. */
  readonly dataBytes: number;
}

/**
 * Reads an IDX header from the first bytes of a file (at least MAX_IDX_HEADER_BYTES of them
 * when the file is that long), checking the magic number, the type code and the dimension
 * count. Throws DataFormatError naming `source`.
 */
export function readIdxHeader(bytes: Uint8Array, source: string): IdxLayout {
  if (bytes.length < 4) throw new DataFormatError(source, `is ${bytes.length} bytes long; an IDX header needs at least 4`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(source, 'is not an IDX file (its first two bytes are not zero)');
  }
  const type = TYPES[bytes[2]];
  if (!type) throw new DataFormatError(source, `has unknown IDX type code 0x${bytes[2].toString(16)}`);
  const ndims = bytes[3];
  if (ndims === 0) throw new DataFormatError(source, 'declares zero dimensions');
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new DataFormatError(source, `is truncated: ${ndims} dimensions need a ${header}-byte header, file has ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d);
    dims.push(size);
    count *= size;
  }
  return { typeName: type.name, dims, header, count, valueBytes: type.bytes, dataBytes: count * type.bytes };
}

/** Throws DataFormatError unless the header accounts for exactly `dataBytes` bytes after it. */
export function checkIdxLength(layout: IdxLayout, dataBytes: number, source: string): void {
  const expected = layout.dataBytes;
  if (expected === dataBytes) return;
  const what = expected > dataBytes ? 'truncated' : 'longer than its header says';
  const needed = Number.isSafeInteger(expected) ? String(expected) : `about ${expected.toPrecision(3)}`;
  throw new DataFormatError(
    source,
    `is ${what}: dimensions ${layout.dims.join(' × ')} of ${layout.typeName} need ${needed} bytes of data, found ${dataBytes}`,
  );
}

/**
 * Parses an IDX file's bytes, checking the magic number, the type code, and that the
 * dimensions account for exactly the bytes present. Nothing is allocated from a size in the
 * header before it has been checked against the length of `bytes`. The values are copied.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  checkBytes('bytes', bytes);
  if (typeof source !== 'string') throw new InvalidArgumentError('source', `expected a string, got ${describe(source)}`);
  return decodeIdx(bytes, source, true);
}

/** parseIdx without the argument checks; `copy` false when the caller owns `bytes` (byte values then share them). */
export function decodeIdx(bytes: Uint8Array, source: string, copy: boolean): IdxArray {
  const layout = readIdxHeader(bytes, source);
  checkIdxLength(layout, bytes.length - layout.header, source);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { dims: layout.dims, data: TYPES[bytes[2]].read(view, layout.header, layout.count, copy) };
}

/**
 * Flattens an IDX array of N images (N × d1 × d2 …) into an N × (d1·d2…) matrix, dividing
 * unsigned bytes by 255 so pixels lie in [0, 1]. The matrix's memory is checked against the
 * platform's limit before it is allocated.
 */
export function idxToMatrix(idx: IdxArray, source = 'IDX data'): Matrix {
  if (typeof source !== 'string') throw new InvalidArgumentError('source', `expected a string, got ${describe(source)}`);
  checkIdxArray(idx);
  const [rows, ...rest] = idx.dims;
  const cols = rest.reduce((a, b) => a * b, 1);
  if (rows === 0 || cols === 0) throw new DataFormatError(source, `holds no values (dimensions ${idx.dims.join(' × ')})`);
  checkMatrixMemory(source, rows, cols);
  const out = matrix(rows, cols);
  const scale = idx.data instanceof Uint8Array ? 1 / 255 : 1;
  for (let k = 0; k < out.data.length; k++) out.data[k] = idx.data[k] * scale;
  return out;
}

/** The longest typed array JavaScript engines allocate (V8's limit, in elements). */
const MAX_ARRAY_LENGTH = 2 ** 32;

/**
 * Refuses, before it is allocated, a float32 matrix larger than the platform's memory limit
 * or than the longest typed array: an InvalidArgumentError naming `source`.
 */
export function checkMatrixMemory(source: string, rows: number, cols: number): void {
  const limit = Math.min(currentPlatform().memoryBytes, MAX_ARRAY_LENGTH * 4);
  checkMemory(source, `a ${rows} × ${cols} float32 matrix`, rows * cols * 4, limit);
}

const IDX_DATA_TYPES = [Uint8Array, Int8Array, Int16Array, Int32Array, Float32Array, Float64Array];

function checkIdxArray(idx: unknown): void {
  const fail = (message: string): never => {
    throw new InvalidArgumentError('idx', message);
  };
  if (idx === null || typeof idx !== 'object') fail(`expected { dims, data }, got ${describe(idx)}`);
  const { dims, data } = idx as Record<string, unknown>;
  if (!Array.isArray(dims) || dims.length === 0 || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail('dims: expected a non-empty array of non-negative integers');
  }
  if (!IDX_DATA_TYPES.some((Type) => data instanceof Type)) fail(`data: expected a typed array of an IDX type, got ${describe(data)}`);
  const count = (dims as number[]).reduce((a, b) => a * b, 1);
  if ((data as IdxData).length !== count) fail(`data: has ${(data as IdxData).length} values; dims ${(dims as number[]).join(' × ')} need ${count}`);
}

/**
 * Throws InvalidArgumentError naming `argument` unless `value` is a Uint8Array (a Node Buffer
 * is one) over ordinary memory: a SharedArrayBuffer could change while it is being checked.
 */
export function checkBytes(argument: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError(argument, `expected a Uint8Array of file bytes, got ${describe(value)}`);
  if (typeof SharedArrayBuffer !== 'undefined' && value.buffer instanceof SharedArrayBuffer) {
    throw new InvalidArgumentError(argument, 'is backed by a SharedArrayBuffer, which another thread could change while it is read; copy it into an ordinary Uint8Array first');
  }
}

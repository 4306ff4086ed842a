import { DataFormatError } from '../errors.js';
import { matrix, type Matrix } from '../matrix.js';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** An IDX array (the format of the MNIST files): its dimensions and its values, row-major. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: IdxData;
}

interface IdxType {
  readonly name: string;
  readonly bytes: number;
  read(view: DataView, offset: number, count: number): IdxData;
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

const TYPES: Record<number, IdxType> = {
  0x08: { name: 'unsigned byte', bytes: 1, read: (v, o, n) => new Uint8Array(v.buffer, v.byteOffset + o, n).slice() },
  0x09: { name: 'signed byte', bytes: 1, read: (v, o, n) => new Int8Array(v.buffer, v.byteOffset + o, n).slice() },
  0x0b: bigEndian('short', 2, (n) => new Int16Array(n), (v, at) => v.getInt16(at)),
  0x0c: bigEndian('int', 4, (n) => new Int32Array(n), (v, at) => v.getInt32(at)),
  0x0d: bigEndian('float', 4, (n) => new Float32Array(n), (v, at) => v.getFloat32(at)),
  0x0e: bigEndian('double', 8, (n) => new Float64Array(n), (v, at) => v.getFloat64(at)),
};

/**
 * Parses an IDX file's bytes, checking the magic number, the type code, and that the
 * dimensions account for exactly the bytes present. Nothing is allocated from a size in the
 * header before it has been checked against the length of `bytes`.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
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
  const expected = count * type.bytes;
  const actual = bytes.length - header;
  if (expected !== actual) {
    const what = expected > actual ? 'truncated' : 'longer than its header says';
    throw new DataFormatError(
      source,
      `is ${what}: dimensions ${dims.join(' × ')} of ${type.name} need ${expected} bytes of data, found ${actual}`,
    );
  }
  return { dims, data: type.read(view, header, count) };
}

/**
 * Flattens an IDX array of N images (N × d1 × d2 …) into an N × (d1·d2…) matrix, dividing
 * unsigned bytes by 255 so pixels lie in [0, 1].
 */
export function idxToMatrix(idx: IdxArray, source = 'IDX data'): Matrix {
  const [rows, ...rest] = idx.dims;
  const cols = rest.reduce((a, b) => a * b, 1);
  if (rows === 0 || cols === 0) throw new DataFormatError(source, `holds no values (dimensions ${idx.dims.join(' × ')})`);
  const out = matrix(rows, cols);
  const scale = idx.data instanceof Uint8Array ? 1 / 255 : 1;
  for (let k = 0; k < out.data.length; k++) out.data[k] = idx.data[k] * scale;
  return out;
}

import { checkBytes } from '../data/idx.js';
import { DataFormatError, describe, InvalidArgumentError } from '../errors.js';

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON naming
 * each tensor's dtype, shape and byte range in the data that follows, and the data.
 * `__metadata__` maps strings to strings.
 */

/** Bytes per element of every dtype the format defines. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1,
  U16: 2, I16: 2, F16: 2, BF16: 2,
  U32: 4, I32: 4, F32: 4,
  U64: 8, I64: 8, F64: 8,
};

/** The largest header accepted (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** The tensor's bytes, a view into the file. */
  readonly bytes: Uint8Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, TensorEntry>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Writes float32 tensors (little-endian) and string metadata. */
export function encodeSafetensors(tensors: Record<string, { shape: number[]; data: Float32Array }>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so that the data starts 8-byte aligned, as the reference writer does.
  const encoder = new TextEncoder();
  const length = encoder.encode(json).length;
  json += ' '.repeat((8 - (length % 8)) % 8);
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    const view = new DataView(out.buffer, at, t.data.byteLength);
    t.data.forEach((v, i) => view.setFloat32(i * 4, v, true));
    at += t.data.byteLength;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A string from the file for a message: a hostile file's megabyte-long name must not become a megabyte-long error. */
export function excerpt(text: string, length = 64): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

/** A value from the file for a message: short strings and numbers as JSON, anything larger by its type. */
function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(excerpt(value));
  return value !== null && typeof value === 'object' ? describe(value) : String(value);
}

/** A shape from the file for a message, its first dimensions only when it has many. */
export function showShape(shape: readonly unknown[]): string {
  return `[${shape.slice(0, 8).map((d) => excerpt(String(d), 24)).join(', ')}${shape.length > 8 ? `, … (${shape.length} dimensions)` : ''}]`;
}

/**
 * Parses and checks a safetensors file without trusting any of it: the header length against
 * the file, the JSON, every dtype, shape and byte range (in bounds, sized as the shape says,
 * contiguous and non-overlapping). Sizes from the header are compared with the file's length
 * before anything is allocated from them. Throws DataFormatError naming `source`.
 */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  checkBytes('bytes', bytes);
  if (typeof source !== 'string') throw new InvalidArgumentError('source', `expected a string, got ${describe(source)}`);
  const fail: (message: string) => never = (message) => {
    throw new DataFormatError(source, message);
  };
  if (bytes.length < 8) fail(`is ${bytes.length} bytes long; a safetensors file starts with an 8-byte header length`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) fail(`declares a ${declared}-byte header but only ${bytes.length - 8} bytes follow`);
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES) fail(`declares a ${headerLength}-byte header, above the ${MAX_HEADER_BYTES}-byte limit`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('has a header that is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('has a header that is not a JSON object');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`has a header that is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(header)) fail('has a header that is not a JSON object');
  const h = header as Record<string, unknown>;

  // No prototype: a key such as __proto__ or constructor is stored, not inherited or dropped.
  const metadata: Record<string, string> = Object.create(null);
  const rawMetadata = h.__metadata__;
  if (rawMetadata !== undefined) {
    if (!isObject(rawMetadata)) fail('has __metadata__ that is not an object');
    for (const [key, value] of Object.entries(rawMetadata as Record<string, unknown>)) {
      if (typeof value !== 'string') fail(`has __metadata__.${excerpt(key)} that is not a string`);
      metadata[key] = value as string;
    }
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const ranges: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, TensorEntry>();
  for (const [name, raw] of Object.entries(h)) {
    if (name === '__metadata__') continue;
    const what = `tensor '${excerpt(name)}'`;
    if (!isObject(raw)) fail(`${what} is not an object`);
    const entry = raw as Record<string, unknown>;
    const dtype = entry.dtype;
    // hasOwn: with `in`, a dtype of "toString" or "__proto__" would pass as a type.
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) fail(`${what} has unknown dtype ${showValue(dtype)}`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`${what} has a shape that is not a list of non-negative integers`);
    }
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`${what} has data_offsets that are not two non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) fail(`${what} has data_offsets [${begin}, ${end}] outside the ${dataLength} bytes of data`);
    let elements = 1;
    for (const d of shape as number[]) {
      elements *= d;
      if (elements * DTYPE_BYTES[dtype as string] > dataLength) fail(`${what} has shape ${showShape(shape)}, larger than the file`);
    }
    if (end - begin !== elements * DTYPE_BYTES[dtype as string]) {
      fail(`${what} has shape ${showShape(shape)} of ${dtype} (${elements * DTYPE_BYTES[dtype as string]} bytes) but data_offsets span ${end - begin} bytes`);
    }
    ranges.push({ name, begin, end });
    tensors.set(name, { dtype: dtype as string, shape: shape as number[], bytes: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const r of ranges) {
    if (r.begin < covered) fail(`tensor '${excerpt(r.name)}' overlaps another tensor's bytes`);
    if (r.begin > covered) fail(`has ${r.begin - covered} bytes before tensor '${excerpt(r.name)}' that belong to no tensor`);
    covered = r.end;
  }
  if (covered !== dataLength) fail(`has ${dataLength - covered} bytes after the last tensor that belong to no tensor`);
  return { tensors, metadata };
}

/** A float32 tensor's values (little-endian), copied out of the file. */
export function readFloat32(entry: TensorEntry): Float32Array {
  const view = new DataView(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength);
  const out = new Float32Array(entry.bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

import { constants as bufferConstants } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { constants, gunzipSync, type ZlibOptions } from 'node:zlib';
import { DataFormatError, describe, FileAccessError, InvalidArgumentError, RbmError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import type { PixelMatrix } from '../pixels.js';
import { checkMemory, formatBytes } from '../memory.js';
import { currentPlatform } from '../platform/platform.js';
import {
  checkBytes,
  checkIdxLength,
  decodeIdx,
  idxToMatrix,
  MAX_IDX_HEADER_BYTES,
  readIdxHeader,
  type IdxArray,
  type IdxLayout,
} from './idx.js';
import { checkNpyHead, decodeNpy, isNpy, npyToMatrix, npyToRows, type NpyDecoding } from './npy.js';
import { parseTextPieces } from './text.js';

/** Deflate's largest possible expansion: 258 bytes from a 2-bit code. */
const DEFLATE_MAX_RATIO = 1032;
/**
 * The most a probe for the start of gzip data may decompress: far more than one more byte of
 * input can add (DEFLATE_MAX_RATIO), so a search for the header cannot step over it.
 */
const HEAD_PROBE_BYTES = 64 * 1024;
/** Bytes of text decoded into one string at a time, well under V8's longest string (2^29 − 24 characters). */
export const TEXT_PIECE_BYTES = 2 ** 28;
/** Below this size Node may hand out slices of a shared pool, which must not be kept as views. */
const POOLED_BYTES = 64 * 1024;

/** Looks at a file's first bytes and its size before the whole file is read; throws to refuse it. */
export type FileInspector = (head: Uint8Array, size: number) => void;

/**
 * Reads a whole file. A regular file larger than the platform's memory limit is refused before
 * it is read (and `inspect`, when given, sees its first MAX_IDX_HEADER_BYTES first); a pipe or
 * device, whose size is unknown, is refused once it passes the limit. System errors become a
 * FileAccessError naming the path.
 */
export async function readFileBytes(path: string, inspect?: FileInspector): Promise<Uint8Array> {
  checkPath(path);
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw accessError(path, error);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new FileAccessError(path, 'is a folder, not a file');
    const limit = Math.min(currentPlatform().memoryBytes, bufferConstants.MAX_LENGTH);
    if (!info.isFile()) return await readStream(handle, path, limit);
    checkMemory(path, 'reading the file', info.size, limit);
    if (inspect) {
      const head = new Uint8Array(Math.min(info.size, MAX_IDX_HEADER_BYTES));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      inspect(head.subarray(0, bytesRead), info.size);
    }
    return await readRegular(handle, path, info.size);
  } catch (error) {
    throw accessError(path, error);
  } finally {
    await handle.close();
  }
}

export function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new InvalidArgumentError('path', `expected a file name, got ${typeof path === 'string' ? JSON.stringify(path.slice(0, 80)) : describe(path)}`);
  }
}

/** A regular file of `size` bytes; one that changes size while it is read is refused. */
async function readRegular(handle: FileHandle, path: string, size: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  let length = 0;
  while (length < size) {
    const { bytesRead } = await handle.read(bytes, length, size - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  const { bytesRead: more } = await handle.read(new Uint8Array(1), 0, 1, size);
  if (length !== size || more !== 0) throw new FileAccessError(path, 'changed size while it was being read; read it again once it is complete');
  return bytes;
}

/** A pipe or device, read until it ends or passes `limit`. */
async function readStream(handle: FileHandle, path: string, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = new Uint8Array(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    checkMemory(path, 'reading it', total, limit);
    chunks.push(chunk.subarray(0, bytesRead));
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** A system error as a FileAccessError naming `path` (the library's own errors pass through). */
export function accessError(path: string, error: unknown): RbmError {
  if (error instanceof RbmError) return error;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'is a folder, not a file',
    ENOTDIR: 'no such file (a part of its path is not a folder)',
    EACCES: 'no permission to read it',
    EPERM: 'no permission to read it',
    ELOOP: 'leads through a loop of symbolic links',
    ENAMETOOLONG: 'its name is too long',
  };
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new FileAccessError(path, reasons[code] ?? `could not be read (${(error as Error).message})`, { cause: error });
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function looksLikeIdx(bytes: Uint8Array): boolean {
  return isGzip(bytes) || (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0);
}

/**
 * readFileBytes's look at a file's head before reading it: a plain IDX file's header is checked
 * against the file's size and its values (as a float32 matrix when `asMatrix`) against the
 * memory limit. Gzip heads pass (their size is checked as they expand), and with `orText` so do
 * heads that are not IDX.
 */
function idxHeadCheck(path: string, asMatrix: boolean, orText: boolean, npy?: NpyDecoding): (head: Uint8Array, size: number) => void {
  return (head, size) => {
    if (npy && isNpy(head)) return checkNpyHead(head, size, path, npy);
    if (isGzip(head) || (orText && !looksLikeIdx(head))) return;
    const layout = readIdxHeader(head, path);
    checkIdxLength(layout, size - layout.header, path);
    checkIdxMemory(path, layout, 0, asMatrix);
  };
}

/**
 * Reads an IDX file, gzip-compressed or not (told apart by content, not by name). A plain
 * file's header is checked against its size, and the memory its values need against the
 * platform's limit, before the file is read.
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return readIdx(path, false);
}

/** readIdxFile, counting also, when `asMatrix`, the float32 matrix the values will become in the memory estimate. */
export async function readIdx(path: string, asMatrix: boolean): Promise<IdxArray> {
  const bytes = await readFileBytes(path, idxHeadCheck(path, asMatrix, false));
  return decodeIdxBytes(bytes, path, { asMatrix, owned: true });
}

export interface IdxDecoding {
  /** The values will become a float32 matrix: its memory counts too. */
  readonly asMatrix?: boolean;
  /** The caller gives `bytes` away, so byte values may share them instead of being copied. */
  readonly owned?: boolean;
}

/**
 * Parses IDX bytes, gunzipping them first if they are gzip data. For gzip, the header is read
 * from the start of the decompressed stream first; a declared size above what the compressed
 * bytes can hold is a DataFormatError, one above the platform's memory limit an
 * InvalidArgumentError stating both, and no more than the declared size is ever
 * decompressed (data beyond it is a DataFormatError).
 */
export function decodeIdxBytes(bytes: Uint8Array, source: string, { asMatrix = false, owned = false }: IdxDecoding = {}): IdxArray {
  checkBytes('bytes', bytes);
  if (typeof source !== 'string') throw new InvalidArgumentError('source', `expected a string, got ${describe(source)}`);
  if (!isGzip(bytes)) {
    const layout = readIdxHeader(bytes.subarray(0, MAX_IDX_HEADER_BYTES), source);
    checkIdxLength(layout, bytes.length - layout.header, source);
    checkIdxMemory(source, layout, 0, asMatrix);
    return decodeIdx(bytes, source, !owned || bytes.length < POOLED_BYTES);
  }
  const layout = readIdxHeader(gunzipHead(bytes, MAX_IDX_HEADER_BYTES, source), source);
  const total = layout.header + layout.dataBytes;
  if (total > bytes.length * DEFLATE_MAX_RATIO) {
    throw new DataFormatError(source, `declares ${describeBytes(total)} of IDX data (dimensions ${layout.dims.join(' × ')}), more than ${bytes.length} bytes of gzip data can hold`);
  }
  checkIdxMemory(source, layout, bytes.length, asMatrix);
  // Room for one byte more than declared, so that a longer stream is caught, in one buffer.
  checkMemory(source, 'its decompressed bytes in one buffer', total + 1, bufferConstants.MAX_LENGTH);
  const out = gunzip(bytes, source, { maxOutputLength: total, chunkSize: Math.max(constants.Z_MIN_CHUNK, total + 1) });
  if (!out) throw new DataFormatError(source, `is longer than its header says: it decompresses to more than the ${total} bytes its IDX header declares`);
  return decodeIdx(out, source, out.length < POOLED_BYTES);
}

function describeBytes(n: number): string {
  return Number.isSafeInteger(n) ? `${n} bytes` : `about ${n.toPrecision(3)} bytes`;
}

/**
 * Refuses IDX data whose reading would need more memory than the platform allows: `held`
 * bytes (the compressed file), the IDX bytes, values that are not bytes (converted to an
 * array of their own), and the float32 matrix when there will be one.
 */
function checkIdxMemory(source: string, layout: IdxLayout, held: number, asMatrix: boolean): void {
  const values = layout.valueBytes === 1 ? 0 : layout.dataBytes;
  const matrix = asMatrix ? layout.count * 4 : 0;
  const bytes = held + layout.header + layout.dataBytes + values + matrix;
  checkMemory(source, `its ${layout.dims.join(' × ')} ${layout.typeName} values`, bytes, currentPlatform().memoryBytes);
}

/** gunzipSync as a DataFormatError for bad data; undefined when the output would pass maxOutputLength. */
function gunzip(input: Uint8Array, source: string, options: ZlibOptions): Uint8Array | undefined {
  try {
    return gunzipSync(input, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw new DataFormatError(source, `is not valid gzip data (${(error as Error).message})`, { cause: error });
  }
}

/**
 * The first `wanted` bytes of gzip data (all of it when it is shorter), decompressing at most
 * HEAD_PROBE_BYTES at a time: a prefix of the input that yields them is found by doubling, and
 * by bisection when a prefix yields too much (a bomb right behind a start that yields little).
 */
function gunzipHead(bytes: Uint8Array, wanted: number, source: string): Uint8Array {
  const probe = (n: number) => gunzip(bytes.subarray(0, n), source, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HEAD_PROBE_BYTES });
  let short = 0;
  let long = 0;
  for (let n = Math.min(bytes.length, 256); ; n = Math.min(bytes.length, 2 * n)) {
    const out = probe(n);
    if (!out) {
      long = n;
      break;
    }
    if (out.length >= wanted) return out;
    // All of a short stream: decompressed again to the end, so that a truncated one is reported as such.
    if (n === bytes.length) return gunzip(bytes, source, { maxOutputLength: HEAD_PROBE_BYTES }) ?? out;
    short = n;
  }
  while (long - short > 1) {
    const n = Math.floor((short + long) / 2);
    const out = probe(n);
    if (!out) long = n;
    else if (out.length >= wanted) return out;
    else short = n;
  }
  // Unreachable for deflate data, where one more byte of input adds at most DEFLATE_MAX_RATIO bytes.
  throw new DataFormatError(source, 'is not valid gzip data (its start expands without limit)');
}

/**
 * Reads a data file as a matrix: NumPy's .npy or IDX (plain or .gz) when it starts like one
 * (unsigned bytes scaled to [0, 1]; the first dimension gives the rows, the rest is flattened),
 * otherwise whitespace- or comma-separated text (UTF-8). Files larger than the platform's
 * memory limit, and matrices that would be, are refused before they are read or allocated.
 */
export async function readMatrixFile(path: string): Promise<Matrix> {
  const asMatrix = { asMatrix: true };
  const bytes = await readFileBytes(path, idxHeadCheck(path, true, true, asMatrix));
  if (isNpy(bytes)) return npyToMatrix(decodeNpy(bytes, path, asMatrix), path);
  if (looksLikeIdx(bytes)) return idxToMatrix(decodeIdxBytes(bytes, path, { asMatrix: true, owned: true }), path);
  return parseTextPieces(decodeText(bytes, path), path);
}

/**
 * readMatrixFile for training: an IDX or .npy file of unsigned bytes gives its rows as 8-bit
 * pixels (value / 255, as readMatrixFile scales them, in a quarter of the memory); any other
 * file gives what readMatrixFile gives.
 */
export async function readTrainingFile(path: string): Promise<Matrix | PixelMatrix> {
  const npy = { asMatrix: true, bytesAsPixels: true };
  const bytes = await readFileBytes(path, idxHeadCheck(path, false, true, npy));
  if (isNpy(bytes)) return npyToRows(decodeNpy(bytes, path, npy), path);
  if (!looksLikeIdx(bytes)) return parseTextPieces(decodeText(bytes, path), path);
  const idx = decodeIdxBytes(bytes, path, { owned: true });
  if (!(idx.data instanceof Uint8Array)) return idxToMatrix(idx, path);
  const [rows, ...rest] = idx.dims;
  const cols = rest.reduce((a, b) => a * b, 1);
  if (rows === 0 || cols === 0) throw new DataFormatError(path, `holds no values (dimensions ${idx.dims.join(' × ')})`);
  return { pixels: idx.data, rows, cols };
}

/**
 * UTF-8 text as strings of whole lines, each from at most `pieceBytes` bytes (a file can be
 * longer than the longest JavaScript string). A leading byte-order mark is dropped; UTF-16 is
 * refused.
 */
export function decodeText(bytes: Uint8Array, source: string, pieceBytes = TEXT_PIECE_BYTES): string[] {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new DataFormatError(source, 'is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8');
  }
  const decoder = new TextDecoder();
  const pieces: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = pieceEnd(bytes, start, pieceBytes, source);
    pieces.push(decoder.decode(bytes.subarray(start, end), { stream: end < bytes.length }));
    start = end;
  }
  return pieces;
}

/** Where the piece of text from `start` ends: after its last line break within `pieceBytes`. */
function pieceEnd(bytes: Uint8Array, start: number, pieceBytes: number, source: string): number {
  if (bytes.length - start <= pieceBytes) return bytes.length;
  const window = bytes.subarray(start, start + pieceBytes);
  const lf = window.lastIndexOf(0x0a);
  if (lf >= 0) return start + lf + 1;
  const cr = window.lastIndexOf(0x0d);
  // A \r\n across the window's end stays together, or it would count as two line breaks.
  if (cr >= 0) return start + cr + (bytes[start + cr + 1] === 0x0a ? 2 : 1);
  throw new DataFormatError(source, `has a line longer than ${formatBytes(pieceBytes)}`);
}

/**
 * Reads class labels, one per row: an IDX file of one dimension (plain or .gz), or text with
 * one non-negative integer per line. Throws DataFormatError naming the first bad entry.
 */
export async function readLabelFile(path: string): Promise<Uint32Array> {
  const bytes = await readFileBytes(path, idxHeadCheck(path, false, true));
  let values: ArrayLike<number>;
  if (looksLikeIdx(bytes)) {
    const idx = decodeIdxBytes(bytes, path, { asMatrix: false, owned: true });
    if (idx.dims.length !== 1) throw new DataFormatError(path, `holds an IDX array of shape [${idx.dims.join(', ')}]; labels are one dimension`);
    values = idx.data as ArrayLike<number>;
  } else {
    const m = parseTextPieces(decodeText(bytes, path), path);
    if (m.cols !== 1) throw new DataFormatError(path, `has ${m.cols} values a line; labels are one integer a line`);
    values = m.data;
  }
  const labels = new Uint32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const y = values[k];
    if (!(Number.isInteger(y) && y >= 0 && y < 2 ** 32)) throw new DataFormatError(path, `label ${k + 1} is ${y}; expected a non-negative integer`);
    labels[k] = y;
  }
  return labels;
}

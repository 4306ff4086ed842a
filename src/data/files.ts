import { readFile } from 'node:fs/promises';
import { constants, gunzipSync, type ZlibOptions } from 'node:zlib';
import { DataFormatError, FileAccessError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { idxToMatrix, parseIdx, type IdxArray } from './idx.js';
import { parseTextMatrix } from './text.js';

/** Decompressed files larger than this are refused rather than allocated. */
const MAX_DECOMPRESSED_BYTES = 2 ** 31 - 1;
/** Deflate's largest possible expansion: 258 bytes from a 2-bit code. */
const DEFLATE_MAX_RATIO = 1032;

/** Reads a whole file, turning system errors into a FileAccessError that names the path. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : String(error);
    throw new FileAccessError(path, reason, { cause: error });
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads an IDX file, gzip-compressed or not (told apart by content, not by name). */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return decodeIdxBytes(await readFileBytes(path), path);
}

/**
 * Parses IDX bytes, gunzipping them first if they are gzip data. The decompressed size is
 * capped at what the IDX header declares, so a small file cannot make it allocate more than
 * its own header admits to.
 */
export function decodeIdxBytes(bytes: Uint8Array, source: string): IdxArray {
  if (!isGzip(bytes)) return parseIdx(bytes, source);
  const gunzip = (input: Uint8Array, options: ZlibOptions) => {
    try {
      return new Uint8Array(gunzipSync(input, options));
    } catch (error) {
      const tooLong = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      throw new DataFormatError(
        source,
        tooLong ? 'decompresses to more bytes than its IDX header declares' : `is not valid gzip data (${(error as Error).message})`,
        { cause: error },
      );
    }
  };
  // A header of at most 1,024 bytes comes out of the first 4 KiB of deflate data, which can
  // expand at most DEFLATE_MAX_RATIO times.
  const head = bytes.subarray(0, 4096);
  const prefix = gunzip(head, { finishFlush: constants.Z_SYNC_FLUSH, chunkSize: 1024, maxOutputLength: head.length * DEFLATE_MAX_RATIO });
  const declared = Math.max(1, Math.min(declaredIdxBytes(prefix), MAX_DECOMPRESSED_BYTES, bytes.length * DEFLATE_MAX_RATIO));
  // zlib's working chunks stay small next to the file and to what its header admits to.
  const chunkSize = Math.max(constants.Z_MIN_CHUNK, Math.min(declared, bytes.length * 4, 64 * 1024));
  return parseIdx(gunzip(bytes, { maxOutputLength: declared, chunkSize }), source);
}

/** The total length an IDX header says its file has (Infinity when it cannot be read). */
function declaredIdxBytes(prefix: Uint8Array): number {
  const sizes: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };
  if (prefix.length < 4 || !(prefix[2] in sizes)) return 4;
  const ndims = prefix[3];
  const header = 4 + 4 * ndims;
  if (prefix.length < header) return header;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  let count = 1;
  for (let d = 0; d < ndims; d++) count *= view.getUint32(4 + 4 * d);
  return header + count * sizes[prefix[2]];
}

/**
 * Reads a data file as a matrix: IDX (plain or .gz; unsigned bytes scaled to [0, 1]) when it
 * starts like one, otherwise whitespace- or comma-separated text.
 */
export async function readMatrixFile(path: string): Promise<Matrix> {
  const bytes = await readFileBytes(path);
  if (isGzip(bytes) || (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0)) {
    return idxToMatrix(await readIdxFile(path), path);
  }
  return parseTextMatrix(new TextDecoder().decode(bytes), path);
}

import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataFormatError, FileAccessError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { idxToMatrix, parseIdx, type IdxArray } from './idx.js';
import { parseTextMatrix } from './text.js';

/** Decompressed files larger than this are refused rather than allocated. */
const MAX_DECOMPRESSED_BYTES = 2 ** 31 - 1;

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
  let bytes = await readFileBytes(path);
  if (isGzip(bytes)) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES }));
    } catch (error) {
      throw new DataFormatError(path, `is not valid gzip data (${(error as Error).message})`, { cause: error });
    }
  }
  return parseIdx(bytes, path);
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

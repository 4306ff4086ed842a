import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DataFormatError, FileAccessError, InvalidArgumentError } from '../errors.js';
import { matrix, type Matrix } from '../matrix.js';
import { accessError, checkPath, isGzip } from './files.js';
import { isNpy } from './npy.js';
import { checkIdxLength, idxValues, MAX_IDX_HEADER_BYTES, readIdxHeader } from './idx.js';
import type { RowSource } from './row-source.js';
import { PIXEL_VALUES } from '../pixels.js';

/** Rows of consecutive indices are read with one call, up to this many bytes. */
const MAX_RUN_BYTES = 1 << 20;


/**
 * Opens a plain (not gzip-compressed) IDX file for training straight from disk: `fit` reads
 * its rows a chunk of batches at a time, so the file may be larger than memory. Rows are the
 * first dimension, the rest flattened; unsigned bytes are divided by 255 as readMatrixFile
 * does. The header is checked against the file's size now, and the size again at every read
 * (a file changed since it was opened is a DataFormatError). Nothing stays open between reads.
 */
export async function openIdxSource(path: string): Promise<RowSource> {
  checkPath(path);
  const fd = openFile(path);
  let head: Uint8Array;
  let size: number;
  try {
    const info = fstatSync(fd);
    if (info.isDirectory()) throw new FileAccessError(path, 'is a folder, not a file');
    if (!info.isFile()) throw new FileAccessError(path, 'is not a regular file; training from disk reads its rows in any order');
    size = info.size;
    head = new Uint8Array(Math.min(size, MAX_IDX_HEADER_BYTES));
    head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } catch (error) {
    throw accessError(path, error);
  } finally {
    closeSync(fd);
  }
  if (isGzip(head)) throw new DataFormatError(path, 'is gzip-compressed; training from disk reads a plain IDX file (gunzip it first)');
  if (isNpy(head)) throw new DataFormatError(path, 'is a NumPy .npy file; training from disk reads a plain IDX file (read it into memory instead: no --stream)');
  const layout = readIdxHeader(head, path);
  checkIdxLength(layout, size - layout.header, path);
  const [rows, ...rest] = layout.dims;
  const cols = rest.reduce((a, b) => a * b, 1);
  if (rows === 0 || cols === 0) throw new DataFormatError(path, `holds no rows (dimensions ${layout.dims.join(' × ')})`);
  return new IdxSource(path, rows, cols, head[2], layout.header, layout.valueBytes, size);
}

function openFile(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    throw accessError(path, error);
  }
}

class IdxSource implements RowSource {
  constructor(
    readonly name: string,
    readonly rows: number,
    readonly cols: number,
    private readonly code: number,
    private readonly header: number,
    private readonly valueBytes: number,
    private readonly size: number,
  ) {}

  async read(indices: Uint32Array, into?: Matrix): Promise<Matrix> {
    const out = into ?? matrix(indices.length, this.cols);
    if (out.rows !== indices.length || out.cols !== this.cols || out.data.length !== out.rows * out.cols) {
      throw new InvalidArgumentError('into', `expected a ${indices.length} × ${this.cols} matrix for ${indices.length} rows`);
    }
    for (const index of indices) {
      if (index >= this.rows) throw new InvalidArgumentError('indices', `row ${index} is past the last row (${this.rows - 1}) of ${this.name}`);
    }
    // In file order, so that neighbouring rows are read together.
    const byIndex = Uint32Array.from(indices.keys()).sort((a, b) => indices[a] - indices[b]);
    const rowBytes = this.cols * this.valueBytes;
    const maxRun = Math.max(1, Math.floor(MAX_RUN_BYTES / rowBytes));
    const buffer = new Uint8Array(maxRun * rowBytes);
    const fd = openFile(this.name);
    try {
      if (fstatSync(fd).size !== this.size) throw new DataFormatError(this.name, `changed size since it was opened for training (was ${this.size} bytes)`);
      for (let k = 0; k < byIndex.length; ) {
        const first = indices[byIndex[k]];
        let end = k + 1;
        while (end < byIndex.length && indices[byIndex[end]] - first === end - k && end - k < maxRun) end++;
        const bytes = (end - k) * rowBytes;
        const got = readSync(fd, buffer, 0, bytes, this.header + first * rowBytes);
        if (got !== bytes) throw new DataFormatError(this.name, `changed since it was opened for training (a read at row ${first} came up short)`);
        for (let r = k; r < end; r++) this.decode(buffer.subarray((r - k) * rowBytes, (r - k + 1) * rowBytes), out.data.subarray(byIndex[r] * this.cols));
        k = end;
      }
    } finally {
      closeSync(fd);
    }
    return out;
  }

  private decode(bytes: Uint8Array, into: Float32Array): void {
    if (this.valueBytes === 1 && this.code === 0x08) {
      for (let i = 0; i < this.cols; i++) into[i] = PIXEL_VALUES[bytes[i]];
      return;
    }
    into.set(idxValues(this.code, bytes, this.cols));
  }
}

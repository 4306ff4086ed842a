import { InvalidArgumentError } from '../errors.js';
import type { Matrix } from '../matrix.js';

/**
 * Training rows read on demand instead of held in memory. `fit` reads them a chunk of whole
 * batches at a time, in the epoch's shuffled order, so a data set larger than memory trains
 * with the same batches and random stream as the same rows in memory (src/data/idx-source.ts
 * reads an IDX file this way; any object of this shape will do).
 */
export interface RowSource {
  readonly rows: number;
  readonly cols: number;
  /**
   * The rows at `indices`, in that order (each index below `rows`), as float32 values: in
   * `into` when it is given (a matrix of indices.length × cols that the caller reuses), or in a
   * matrix of the source's own.
   */
  read(indices: Uint32Array, into?: Matrix): Promise<Matrix>;
  /** Names the rows in messages (an IDX source: its path). */
  readonly name?: string;
}

/** Whether `x` is a RowSource rather than rows in memory. */
export function isRowSource(x: unknown): x is RowSource {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && typeof (x as RowSource).read === 'function';
}

/**
 * Reads `indices` from `source`, into the front of `buffer` when one is given, and checks that
 * it gave a Matrix of that many rows.
 */
export async function readRows(source: RowSource, indices: Uint32Array, argument: string, buffer?: Float32Array): Promise<Matrix> {
  const into = buffer && { data: buffer.subarray(0, indices.length * source.cols), rows: indices.length, cols: source.cols };
  const m = await source.read(indices, into);
  if (m === null || typeof m !== 'object' || !(m.data instanceof Float32Array) || m.rows !== indices.length || m.cols !== source.cols || m.data.length !== m.rows * m.cols) {
    throw new InvalidArgumentError(argument, `read(${indices.length} indices) must give a Matrix of ${indices.length} × ${source.cols} float32 values`);
  }
  return m;
}

/** The indices first, first + 1, …, first + count − 1. */
export function consecutive(first: number, count: number): Uint32Array {
  return Uint32Array.from({ length: count }, (_, k) => first + k);
}

/** A dense row-major matrix of float32 values. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** Float32 rows: a Matrix, or an array of rows of numbers (src/data/rows.ts lists every kind of rows the models take). */
export type MatrixInput = Matrix | readonly (readonly number[])[];

export function matrix(rows: number, cols: number, data: Float32Array = new Float32Array(rows * cols)): Matrix {
  return { data, rows, cols };
}

/** Row `i` of `m`, as a view that shares its memory. */
export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Converts a matrix as plain nested arrays back from a Matrix. */
export function toArrays(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(row(m, i)));
}

/** The first `count` rows of m (all of them if fewer), without copying. */
export function firstRows(m: Matrix, count: number): Matrix {
  const rows = Math.min(count, m.rows);
  return { data: m.data.subarray(0, rows * m.cols), rows, cols: m.cols };
}

import { InvalidArgumentError } from './errors.js';

/** A dense row-major matrix of float32 values. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** What every method that takes rows of data accepts. */
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

export interface MatrixRequirements {
  /** The number of columns the matrix must have. */
  readonly cols: number;
  /** Whether every value must lie in [0, 1] (unit states or probabilities). */
  readonly unitInterval?: boolean;
}

/**
 * Checks `input` and returns it as a Matrix of its own: a Matrix is copied, so that a caller
 * changing its array after the call (while the model's queue has not reached it) changes
 * nothing. Throws InvalidArgumentError naming `argument` and the first defect found.
 */
export function toMatrix(input: MatrixInput, argument: string, req: MatrixRequirements): Matrix {
  const m = Array.isArray(input) ? fromArrays(input, argument) : copyOf(checkShape(input as Matrix, argument));
  if (m.rows === 0) throw new InvalidArgumentError(argument, 'is empty; expected at least one row');
  if (m.cols !== req.cols) {
    throw new InvalidArgumentError(argument, `has ${m.cols} columns; expected ${req.cols}`);
  }
  checkValues(m, argument, req.unitInterval ?? false);
  return m;
}

function fromArrays(rows: readonly (readonly number[])[], argument: string): Matrix {
  const cols = rows.length > 0 && Array.isArray(rows[0]) ? rows[0].length : 0;
  const out = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (!Array.isArray(r)) throw new InvalidArgumentError(argument, `row ${i} is not an array`);
    if (r.length !== cols) {
      throw new InvalidArgumentError(argument, `row ${i} has ${r.length} values; row 0 has ${cols}`);
    }
    for (let j = 0; j < cols; j++) {
      const v = r[j];
      if (typeof v !== 'number') throw new InvalidArgumentError(argument, `row ${i}, column ${j} is not a number`);
      out[i * cols + j] = v;
    }
  });
  return { data: out, rows: rows.length, cols };
}

function copyOf(m: Matrix): Matrix {
  return { data: m.data.slice(), rows: m.rows, cols: m.cols };
}

function checkShape(m: Matrix, argument: string): Matrix {
  if (m === null || typeof m !== 'object') {
    throw new InvalidArgumentError(argument, 'expected a Matrix { data, rows, cols } or an array of rows');
  }
  if (!(m.data instanceof Float32Array)) {
    throw new InvalidArgumentError(argument, 'data must be a Float32Array');
  }
  if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 1) {
    throw new InvalidArgumentError(argument, `rows and cols must be non-negative integers (got ${m.rows} × ${m.cols})`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new InvalidArgumentError(
      argument,
      `data has ${m.data.length} values but rows × cols is ${m.rows} × ${m.cols} = ${m.rows * m.cols}`,
    );
  }
  return m;
}

export function checkValues(m: Matrix, argument: string, unitInterval: boolean): void {
  const d = m.data;
  for (let k = 0; k < d.length; k++) {
    const v = d[k];
    // One comparison per value on the fast path; NaN fails both forms.
    if (unitInterval ? v >= 0 && v <= 1 : Number.isFinite(v)) continue;
    const where = `row ${Math.floor(k / m.cols)}, column ${k % m.cols}`;
    if (!Number.isFinite(v)) throw new InvalidArgumentError(argument, `${where} is ${v}; expected a finite number`);
    throw new InvalidArgumentError(argument, `${where} is ${v}; expected a value in [0, 1]`);
  }
}

/**
 * Refuses rows whose groups of `size` values (softmax visible groups) are not one-hot (a single
 * 1, the rest 0) or all zeros (missing), naming the first bad row and group.
 */
export function checkOneHot(m: Matrix, size: number, argument: string): void {
  for (let at = 0; at < m.data.length; at += size) {
    let ones = 0;
    for (let k = 0; k < size; k++) {
      const v = m.data[at + k];
      if (v !== 0 && v !== 1) ones = Infinity;
      else ones += v;
    }
    if (ones > 1) {
      const [row, group] = [Math.floor(at / m.cols), (at % m.cols) / size];
      throw new InvalidArgumentError(argument, `row ${row}, softmax group ${group} is not one-hot: expected a single 1 among ${size} values of 0, or all zeros (missing)`);
    }
  }
}

/** The first `count` rows of m (all of them if fewer), without copying. */
export function firstRows(m: Matrix, count: number): Matrix {
  const rows = Math.min(count, m.rows);
  return { data: m.data.subarray(0, rows * m.cols), rows, cols: m.cols };
}

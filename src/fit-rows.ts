import { defaultChunkRows } from './backend/chunked-epoch.js';
import { consecutive, readRows, type RowSource } from './data/row-source.js';
import { columnMeans, columnVariances } from './init.js';
import type { Matrix } from './matrix.js';
import { PIXEL_VALUES, pixelRow, type PixelMatrix } from './pixels.js';
import type { TrainingRows } from './training.js';

/** Checks rows as fit checks them (value ranges, one-hot groups), throwing an InvalidArgumentError naming `argument`. */
export type RowCheck = (m: Matrix, argument: string) => void;

/** Float32 rows held in memory, as train takes them: the means (and a Gaussian model's variances) from all of them. */
export function rowsInMemory(x: Matrix, gaussian: boolean): TrainingRows {
  return { rows: x.rows, resident: x, head: x, chunkRows: x.rows, check: () => {}, statistics: () => statisticsOf(x.data, x.rows, x.cols, gaussian) };
}

/**
 * 8-bit rows held in memory and uploaded as they are. Their values lie in [0, 1], so only
 * `check` (given for a softmax model's one-hot groups) reads them all before training; the
 * statistics are summed from the pixels when first asked for, the same values in the same
 * order as from float32 rows.
 */
export function rowsOfPixels(x: PixelMatrix, headRows: number, gaussian: boolean, check?: RowCheck): TrainingRows {
  const chunkRows = defaultChunkRows(x.cols, 1);
  const buffer = new Float32Array(Math.min(chunkRows, x.rows) * x.cols);
  const rows = (first: number, count: number, into?: Float32Array): Matrix => {
    const out = into ? into.subarray(0, count * x.cols) : new Float32Array(count * x.cols);
    for (let r = 0; r < count; r++) pixelRow(x, first + r, out, r * x.cols);
    return { data: out, rows: count, cols: x.cols };
  };
  for (let first = 0; check && first < x.rows; first += chunkRows) {
    const count = Math.min(chunkRows, x.rows - first);
    check(rows(first, count, buffer), `x (rows ${first} to ${first + count - 1})`);
  }
  const head = rows(0, Math.min(headRows, x.rows));
  return { rows: x.rows, resident: x, head, chunkRows: x.rows, check: () => {}, statistics: () => statisticsOf(x.pixels, x.rows, x.cols, gaussian, PIXEL_VALUES) };
}

/** Column means, and variances for a Gaussian model (columnMeans, columnVariances). */
function statisticsOf(data: Float32Array | Uint8Array, rows: number, cols: number, gaussian: boolean, values?: Float32Array) {
  const mean = columnMeans(data, rows, cols, values);
  return { mean, variance: gaussian ? columnVariances(data, rows, cols, mean, values) : undefined };
}

/**
 * Rows read from `source`, as train takes them: first every row is read in order, a chunk at a
 * time, and checked (so bad values are refused before training changes anything) while the
 * column means are summed in float64 in row order, as columnMeans sums rows in memory; a
 * Gaussian model's variances take a second pass. The first `headRows` rows are kept for metrics.
 */
export async function rowsFromSource(source: RowSource, chunkRows: number, headRows: number, gaussian: boolean, check: RowCheck): Promise<TrainingRows> {
  const name = source.name ?? 'the row source';
  const scanned = await scan(source, chunkRows, headRows, gaussian, check);
  return {
    ...scanned,
    rows: source.rows,
    source,
    chunkRows,
    check: (m) => check(m, `x (rows of ${name} read again for an epoch; the source gave other values than at the start of fit)`),
  };
}

/** Reads every row of `source` in order, checking them, for their column statistics and first rows. */
async function scan(source: RowSource, chunkRows: number, headRows: number, gaussian: boolean, check: RowCheck): Promise<Pick<TrainingRows, 'head' | 'statistics'>> {
  const { rows, cols } = source;
  const name = source.name ?? 'the row source';
  const buffer = new Float32Array(Math.min(chunkRows, rows) * cols);
  const pass = async (visit: (chunk: Matrix) => void) => {
    for (let first = 0; first < rows; first += chunkRows) {
      const count = Math.min(chunkRows, rows - first);
      const chunk = await readRows(source, consecutive(first, count), 'x', buffer);
      check(chunk, `x (rows ${first} to ${first + count - 1} of ${name})`);
      visit(chunk);
    }
  };
  const sums = new Float64Array(cols);
  await pass((m) => {
    for (let r = 0; r < m.rows; r++) for (let i = 0; i < cols; i++) sums[i] += m.data[r * cols + i];
  });
  const mean = Float32Array.from(sums, (s) => s / rows);
  let variance: Float32Array | undefined;
  if (gaussian) {
    sums.fill(0);
    await pass((m) => {
      for (let r = 0; r < m.rows; r++) for (let i = 0; i < cols; i++) sums[i] += (m.data[r * cols + i] - mean[i]) ** 2;
    });
    variance = Float32Array.from(sums, (s) => s / rows);
  }
  const head = await readRows(source, consecutive(0, Math.min(headRows, rows)), 'x');
  return { head, statistics: () => ({ mean, variance }) };
}

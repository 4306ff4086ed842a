/**
 * The one door for rows of data. Every kind the models take (float32 rows as a Matrix or as
 * arrays of numbers, 8-bit rows, a RowSource read on demand) is recognised here, checked once
 * against a layer's rule, and read back as float32 values: all at once where they are float32
 * in memory, else a chunk at a time.
 */
import { defaultChunkRows, type ChunkReader } from '../backend/chunked-epoch.js';
import { describe, InvalidArgumentError } from '../errors.js';
import { firstRows, type Matrix, type MatrixInput } from '../matrix.js';
import { expectedIn, inDomain, type Domain, type HiddenLayer, type VisibleLayer } from '../layers/layer.js';
import { isPixelMatrix, pixelRow, type PixelMatrix } from '../pixels.js';
import { consecutive, isRowSource, readRows, type RowSource } from './row-source.js';

/** Every kind of rows the models take: float32 rows, 8-bit rows, or rows read on demand. */
export type RowsInput = MatrixInput | PixelMatrix | RowSource;

/** The kinds held in memory: what a method that uses every row at once takes. */
export type RowsInMemory = MatrixInput | PixelMatrix;

const IN_MEMORY = 'a Matrix { data, rows, cols }, an array of rows or a PixelMatrix { pixels, rows, cols }';
const ANY_KIND = 'a Matrix { data, rows, cols }, an array of rows, a PixelMatrix { pixels, rows, cols } or a RowSource';

/** What rows must be to stand for a layer's units. */
export interface RowRule {
  /** Values per row: the layer's units. */
  readonly cols: number;
  /** Where every value must lie (the layer's domain: docs/layers.md). */
  readonly domain: Domain;
  /** Each group of this many values one-hot or all zeros (missing): softmax units' data. */
  readonly oneHot?: number;
}

/**
 * What a model's visible rows must hold: values in its layer's domain ([0, 1] for binary and
 * softmax units, any finite value for Gaussian ones); rows of `data` (not states or means) also
 * have each softmax group one-hot or all zeros.
 */
export function visibleRule(visible: number, layer: VisibleLayer, data: boolean): RowRule {
  return { cols: visible, domain: layer.domain, ...(data && layer.groupSize !== undefined && { oneHot: layer.groupSize }) };
}

/** What rows of hidden units must hold: values in the layer's domain ([0, 1] for binary units' states or probabilities, [0, ∞) for ReLU units). */
export function hiddenRule(hidden: number, layer: HiddenLayer): RowRule {
  return { cols: hidden, domain: layer.domain };
}

/** The column means of rows, and a Gaussian model's column variances about them. */
export interface ColumnStatistics {
  readonly mean: Float32Array;
  readonly variance?: Float32Array;
}

/**
 * The rows fit trains on: held in memory and uploaded once (float32, or 8-bit pixels), or read
 * a chunk of batches at a time.
 */
export interface TrainingRows {
  readonly rows: number;
  readonly resident?: Matrix | PixelMatrix;
  /** Rows not held: reads those at `indices` (a chunk of an epoch's batches), checking them again. */
  readonly read?: ChunkReader;
  /** The first rows as float32 values (the metrics' rows). */
  readonly head: Matrix;
  /** Rows read a chunk at a time: the most read and uploaded at once (whole batches, at least one). */
  readonly chunkRows: number;
  /** Every row's column statistics (worked out when first asked for, for rows in memory). */
  readonly statistics: () => Promise<ColumnStatistics>;
}

/**
 * Rows checked against a layer's rule: how many, how wide, the memory they hold, and their
 * float32 values, all at once (float32 rows in memory) or a chunk at a time (8-bit rows and
 * sources, so that no float32 copy of all of them is made).
 */
export abstract class Rows {
  protected constructor(
    /** The argument that gave the rows, for messages. */
    readonly argument: string,
    readonly rows: number,
    readonly cols: number,
  ) {}

  /** Bytes of host memory the rows hold (a source: none). */
  abstract get bytes(): number;

  /** The rows fit uploads once, as they are held; undefined for a source. */
  abstract get resident(): Matrix | PixelMatrix | undefined;

  /** Rows first … first + count − 1 as float32 values, in `into` when given; a source's are checked as they are read. */
  abstract read(first: number, count: number, into?: Float32Array): Promise<Matrix>;

  /** Host bytes fit holds to train on these rows, reading `chunkRows` at a time where it reads in chunks. */
  abstract trainingBytes(chunkRows: number): number;

  /** The rows as fit trains on them, with the first `headRows` as float32 values for the metrics. */
  async forTraining(chunkRows: number, headRows: number, gaussian: boolean): Promise<TrainingRows> {
    const head = await this.head(headRows);
    let statistics: Promise<ColumnStatistics> | undefined;
    return { rows: this.rows, resident: this.resident, head, chunkRows: this.rows, statistics: () => (statistics ??= this.statistics(gaussian)) };
  }

  /** The first `count` rows (all, if fewer) as float32 values. */
  head(count: number): Promise<Matrix> {
    return this.read(0, Math.min(count, this.rows));
  }

  /**
   * Calls `visit` on the rows in order, `chunkRows` at a time, with the index of each chunk's
   * first row. A chunk is only valid until `visit` returns.
   */
  async forEachChunk(visit: (m: Matrix, first: number) => void | Promise<void>, chunkRows = defaultChunkRows(this.cols, 1)): Promise<void> {
    const buffer = new Float32Array(Math.min(chunkRows, this.rows) * this.cols);
    for (let first = 0; first < this.rows; first += chunkRows) {
      await visit(await this.read(first, Math.min(chunkRows, this.rows - first), buffer), first);
    }
  }

  /** The sum of each column in float64, row by row in order (so the same however the rows are held). */
  async columnSums(chunkRows?: number): Promise<Float64Array> {
    const sums = new Float64Array(this.cols);
    await this.forEachChunk((m) => {
      for (let r = 0; r < m.rows; r++) for (let i = 0; i < this.cols; i++) sums[i] += m.data[r * this.cols + i];
    }, chunkRows);
    return sums;
  }

  /** The column means and, for a Gaussian model, the column variances about them (a second pass), in float64. */
  async statistics(gaussian: boolean, chunkRows?: number): Promise<ColumnStatistics> {
    const mean = Float32Array.from(await this.columnSums(chunkRows), (s) => s / this.rows);
    if (!gaussian) return { mean };
    const sums = new Float64Array(this.cols);
    await this.forEachChunk((m) => {
      for (let r = 0; r < m.rows; r++) for (let i = 0; i < this.cols; i++) sums[i] += (m.data[r * this.cols + i] - mean[i]) ** 2;
    }, chunkRows);
    return { mean, variance: Float32Array.from(sums, (s) => s / this.rows) };
  }
}

/** Float32 rows in memory (a checked copy): read whole, as they are. */
class FloatRows extends Rows {
  constructor(
    argument: string,
    readonly matrix: Matrix,
  ) {
    super(argument, matrix.rows, matrix.cols);
  }

  get bytes(): number {
    return this.matrix.data.byteLength;
  }

  get resident(): Matrix {
    return this.matrix;
  }

  async read(first: number, count: number): Promise<Matrix> {
    return { data: this.matrix.data.subarray(first * this.cols, (first + count) * this.cols), rows: count, cols: this.cols };
  }

  /** Ours and the backend's copy. */
  trainingBytes(): number {
    return 2 * this.bytes;
  }

  override async forEachChunk(visit: (m: Matrix, first: number) => void | Promise<void>): Promise<void> {
    await visit(this.matrix, 0);
  }
}

/** 8-bit rows in memory (a checked copy), uploaded as they are and read as float32 a chunk at a time. */
class PixelRows extends Rows {
  constructor(
    argument: string,
    readonly pixels: PixelMatrix,
  ) {
    super(argument, pixels.rows, pixels.cols);
  }

  get bytes(): number {
    return this.pixels.pixels.byteLength;
  }

  get resident(): PixelMatrix {
    return this.pixels;
  }

  async read(first: number, count: number, into?: Float32Array): Promise<Matrix> {
    return expand(this.pixels, first, count, into);
  }

  /** Ours, and float32 chunks: the chunk training, the next one read, and the backend's copy. */
  trainingBytes(chunkRows: number): number {
    return 3 * Math.min(chunkRows, this.rows) * this.cols * 4 + this.bytes;
  }
}

/** Rows read from a RowSource on demand, each chunk checked against the rule as it is read. */
class SourceRows extends Rows {
  constructor(
    argument: string,
    private readonly source: RowSource,
    private readonly rule: RowRule,
  ) {
    super(argument, source.rows, source.cols);
  }

  get bytes(): number {
    return 0;
  }

  get resident(): undefined {
    return undefined;
  }

  private get name(): string {
    return this.source.name ?? 'the row source';
  }

  async read(first: number, count: number, into?: Float32Array): Promise<Matrix> {
    const m = await readRows(this.source, consecutive(first, count), this.argument, into);
    checkRule(m, `${this.argument} (rows ${first} to ${first + count - 1} of ${this.name})`, this.rule);
    return m;
  }

  /** Float32 chunks: the chunk training, the next one read, and the backend's copy. */
  trainingBytes(chunkRows: number): number {
    return 3 * Math.min(chunkRows, this.rows) * this.cols * 4;
  }

  /**
   * First every row is read in order, `chunkRows` at a time, and checked (so bad values are
   * refused before training changes anything) while the column statistics are summed; an
   * epoch then reads its chunks in its own order, and checks them again.
   */
  override async forTraining(chunkRows: number, headRows: number, gaussian: boolean): Promise<TrainingRows> {
    const statistics = await this.statistics(gaussian, chunkRows);
    const head = await this.head(headRows);
    const again = `${this.argument} (rows of ${this.name} read again for an epoch; the source gave other values than at the start of fit)`;
    const read: ChunkReader = async (indices, into) => {
      const m = await readRows(this.source, indices, this.argument, into);
      checkRule(m, again, this.rule);
      return m;
    };
    return { rows: this.rows, read, head, chunkRows, statistics: async () => statistics };
  }
}

/**
 * Recognises the kind of `input`, checks its shape against `rule` and, held in memory, every
 * value (a source's values are checked as they are read), copying rows in memory so that a
 * caller changing its array afterwards changes nothing. Throws InvalidArgumentError naming
 * `argument` and the first defect found.
 */
export function toRows(input: RowsInput, argument: string, rule: RowRule): Rows {
  if (isRowSource(input)) return new SourceRows(argument, checkSource(input, argument, rule.cols), rule);
  return inMemory(input, argument, rule, ANY_KIND);
}

/**
 * toRows for a method that uses every row at once, as float32 values: a RowSource is refused
 * with a message saying what `method` takes, and `why`.
 */
export function rowsInMemory(input: RowsInput, argument: string, rule: RowRule, method: string, why: string): Matrix {
  if (isRowSource(input)) throw new InvalidArgumentError(argument, `${method} takes rows in memory (${IN_MEMORY}), not a RowSource: ${why}`);
  const rows = inMemory(input, argument, rule, IN_MEMORY);
  return rows instanceof PixelRows ? expand(rows.pixels, 0, rows.rows) : rows.matrix;
}

function inMemory(input: MatrixInput | PixelMatrix, argument: string, rule: RowRule, kinds: string): FloatRows | PixelRows {
  if (isPixelMatrix(input)) return checkPixels(input, argument, rule);
  const m = Array.isArray(input) ? fromArrays(input, argument) : copyOf(checkShape(input as Matrix, argument, kinds));
  if (m.rows === 0) throw new InvalidArgumentError(argument, 'is empty; expected at least one row');
  if (m.cols !== rule.cols) throw new InvalidArgumentError(argument, `has ${m.cols} columns; expected ${rule.cols}`);
  checkRule(m, argument, rule);
  return new FloatRows(argument, m);
}

/** Refuses values the rule does not allow, naming `argument`, the row and the column (or group). */
function checkRule(m: Matrix, argument: string, rule: RowRule): void {
  checkValues(m, argument, rule.domain);
  if (rule.oneHot !== undefined) checkOneHot(m, rule.oneHot, argument);
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

function checkShape(m: Matrix, argument: string, kinds: string): Matrix {
  if (m === null || typeof m !== 'object') throw new InvalidArgumentError(argument, `expected ${kinds}`);
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

/** Checks 8-bit rows (their values lie in [0, 1]; softmax groups are checked a chunk at a time) and copies them. */
function checkPixels(x: PixelMatrix, argument: string, rule: RowRule): PixelRows {
  const { pixels, rows } = x;
  if (!(pixels instanceof Uint8Array)) throw new InvalidArgumentError(argument, `pixels must be a Uint8Array (got ${describe(pixels)})`);
  if (!Number.isSafeInteger(rows) || rows < 1) throw new InvalidArgumentError(argument, `rows must be a positive integer (got ${String(rows)})`);
  if (x.cols !== rule.cols) throw new InvalidArgumentError(argument, `has ${String(x.cols)} columns; expected ${rule.cols}`);
  if (pixels.length !== rows * rule.cols) throw new InvalidArgumentError(argument, `pixels has ${pixels.length} values; ${rows} rows of ${rule.cols} need ${rows * rule.cols}`);
  const copy = { pixels: pixels.slice(), rows, cols: rule.cols };
  const group = rule.oneHot;
  const chunkRows = defaultChunkRows(rule.cols, 1);
  const buffer = new Float32Array(Math.min(chunkRows, rows) * rule.cols);
  for (let first = 0; group !== undefined && first < rows; first += chunkRows) {
    const count = Math.min(chunkRows, rows - first);
    checkOneHot(expand(copy, first, count, buffer), group, `${argument} (rows ${first} to ${first + count - 1})`);
  }
  return new PixelRows(argument, copy);
}

/** Rows first … first + count − 1 of 8-bit rows as their float32 values, in `into` when given. */
function expand(p: PixelMatrix, first: number, count: number, into?: Float32Array): Matrix {
  const data = into ? into.subarray(0, count * p.cols) : new Float32Array(count * p.cols);
  for (let r = 0; r < count; r++) pixelRow(p, first + r, data, r * p.cols);
  return { data, rows: count, cols: p.cols };
}

/** Checks a RowSource's shape before it is read. */
function checkSource(x: RowSource, argument: string, cols: number): RowSource {
  const { rows } = x;
  if (!Number.isSafeInteger(rows) || rows < 1) throw new InvalidArgumentError(argument, `rows must be a positive integer (got ${describe(rows)} ${String(rows)})`);
  if (x.cols !== cols) throw new InvalidArgumentError(argument, `has ${String(x.cols)} columns; expected ${cols}`);
  return x;
}

function checkValues(m: Matrix, argument: string, domain: Domain): void {
  const d = m.data;
  for (let k = 0; k < d.length; k++) {
    const v = d[k];
    if (inDomain(v, domain)) continue;
    const where = `row ${Math.floor(k / m.cols)}, column ${k % m.cols}`;
    throw new InvalidArgumentError(argument, `${where} is ${v}; expected ${Number.isFinite(v) ? expectedIn(domain) : 'a finite number'}`);
  }
}

/**
 * Refuses rows whose groups of `size` values (softmax visible groups) are not one-hot (a single
 * 1, the rest 0) or all zeros (missing), naming the first bad row and group.
 */
function checkOneHot(m: Matrix, size: number, argument: string): void {
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

/**
 * `fn`'s per-row results for the rows, a chunk at a time where they are read in chunks, joined
 * in row order: the same as for all the rows at once, as each row's result depends on that row
 * alone. Rows held as float32 make one call.
 */
export async function perRow<T extends Float32Array | Float64Array>(rows: Rows, fn: (m: Matrix, first: number) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await rows.forEachChunk(async (m, first) => {
    const part = await fn(m, first);
    if (m.rows === rows.rows) {
      out = part;
      return;
    }
    const width = part.length / m.rows;
    out ??= new (part.constructor as new (length: number) => T)(rows.rows * width);
    out.set(part, first * width);
  });
  return out!;
}

/** perRow for a method that gives a matrix of `cols` values per row. */
export async function mapRows(rows: Rows, cols: number, fn: (m: Matrix, first: number) => Promise<Matrix>): Promise<Matrix> {
  return { data: await perRow(rows, async (m, first) => (await fn(m, first)).data), rows: rows.rows, cols };
}

/** The first `count` rows (all, if fewer) of rows in memory, of the same kind, sharing their memory. */
export function firstRowsOf<T extends Matrix | PixelMatrix>(x: T, count: number): T {
  if (!isPixelMatrix(x)) return firstRows(x as Matrix, count) as T;
  const rows = Math.min(count, x.rows);
  return { pixels: x.pixels.subarray(0, rows * x.cols), rows, cols: x.cols } as T;
}

/** Rows in memory as float32 values: a Matrix as it is, 8-bit rows as their values. */
export function asFloats(x: Matrix | PixelMatrix): Matrix {
  return isPixelMatrix(x) ? expand(x, 0, x.rows) : x;
}

import type { Matrix } from '../matrix.js';
import { pixelRow, type PixelMatrix } from '../pixels.js';
import type { Backend, EpochPlan, EpochResult, Parameters, ResidentData } from './backend.js';

/** A chunk of an epoch read or converted a chunk at a time is at most this many bytes of float32 values, unless one batch is more. */
export const CHUNK_BYTES = 8 * 2 ** 20;

/** The rows of a chunk by default: whole batches in CHUNK_BYTES, at least one batch. */
export function defaultChunkRows(cols: number, batchSize: number): number {
  return Math.max(batchSize, Math.floor(CHUNK_BYTES / (cols * 4)));
}

/** Gives the rows at `indices`, in that order, as float32 values in `into` (indices.length × cols). */
export type ChunkReader = (indices: Uint32Array, into: Float32Array) => Promise<Matrix>;

/**
 * Where each chunk of an epoch begins and ends, in batches: whole batches of `batchStarts` of
 * at most `chunkRows` rows together (at least one batch each), from `firstBatch`.
 */
export function chunkBatches(batchStarts: Uint32Array, firstBatch: number, chunkRows: number): [number, number][] {
  const batches = batchStarts.length - 1;
  const chunks: [number, number][] = [];
  for (let b0 = firstBatch; b0 < batches; ) {
    let b1 = b0 + 1;
    while (b1 < batches && batchStarts[b1 + 1] - batchStarts[b0] <= chunkRows) b1++;
    chunks.push([b0, b1]);
    b0 = b1;
  }
  return chunks;
}

/**
 * An epoch of `plan` trained a chunk of whole batches at a time, for rows that are not uploaded
 * whole (read from disk, or kept 8-bit on a backend whose kernels read float32): each chunk's
 * rows are read in the epoch's order (the next chunk's while one trains), uploaded, and trained
 * as the batches [b0, b1) of the same plan, so the batches and every draw are those of the whole
 * data set uploaded at once. A non-finite batch restores `before`, the parameters the epoch
 * started from.
 */
export async function chunkedEpoch(backend: Backend, plan: EpochPlan, chunkRows: number, cols: number, before: Parameters, read: ChunkReader, labels?: Uint32Array): Promise<EpochResult> {
  const chunks = chunkBatches(plan.batchStarts, plan.firstBatch, chunkRows);
  const indices = ([b0, b1]: [number, number]) => plan.order.subarray(plan.batchStarts[b0], plan.batchStarts[b1]);
  // Two buffers, one for the chunk training and one for the chunk being read.
  const buffers = [0, 1].map(() => new Float32Array(Math.min(chunkRows, plan.order.length) * cols));
  const readChunk = (k: number) => read(indices(chunks[k]), buffers[k % 2]);
  const losses: number[] = [];
  const swaps = { accepted: 0, tried: 0 };
  let deviceSeconds: number | undefined;
  let parameters = before;
  let next = chunks.length > 0 ? readChunk(0) : undefined;
  const ended = (stopped: boolean): EpochResult => ({ losses: Float64Array.from(losses), parameters, stopped, deviceSeconds, ...(plan.rule.parallelTempering && { swaps }) });
  for (let k = 0; k < chunks.length; k++) {
    const [b0, b1] = chunks[k];
    const x = await next!;
    next = k + 1 < chunks.length ? readChunk(k + 1) : undefined;
    // A chunk not reached (stopped, failed) must not leave its read's rejection unhandled.
    next?.catch(() => {});
    const base = plan.batchStarts[b0];
    const chunkPlan: EpochPlan = {
      ...plan,
      order: Uint32Array.from({ length: x.rows }, (_, r) => r),
      batchStarts: Uint32Array.from(plan.batchStarts.subarray(0, b1 + 1), (s, b) => (b <= b0 ? 0 : s - base)),
      firstBatch: b0,
    };
    const resident = await backend.upload(x, labels && Uint32Array.from(indices(chunks[k]), (r) => labels[r]));
    let result: EpochResult;
    try {
      result = await backend.trainEpoch(resident, chunkPlan);
    } finally {
      resident.release();
    }
    losses.push(...result.losses);
    if (result.swaps) [swaps.accepted, swaps.tried] = [swaps.accepted + result.swaps.accepted, swaps.tried + result.swaps.tried];
    if (result.deviceSeconds !== undefined) deviceSeconds = (deviceSeconds ?? 0) + result.deviceSeconds;
    if (result.nonFiniteBatch !== undefined) {
      await backend.setParameters(before);
      return { losses: Float64Array.from(losses), parameters: before, stopped: false, nonFiniteBatch: result.nonFiniteBatch };
    }
    parameters = result.parameters;
    if (result.stopped || (plan.signal?.aborted === true && k + 1 < chunks.length)) return ended(true);
  }
  return ended(false);
}

/**
 * 8-bit rows kept as they are by a backend whose kernels read float32 rows (the CPU backends):
 * trainPixels converts them a chunk at a time.
 */
export class HostPixels implements ResidentData {
  constructor(
    readonly x: PixelMatrix,
    readonly labels?: Uint32Array,
  ) {}
  get rows(): number {
    return this.x.rows;
  }
  get cols(): number {
    return this.x.cols;
  }
  release(): void {}
}

/** An epoch over 8-bit rows held by the host: chunkedEpoch over float32 chunks of them, from `before` (the backend's parameters now). */
export function trainPixels(backend: Backend, data: HostPixels, plan: EpochPlan, before: Parameters): Promise<EpochResult> {
  const { x } = data;
  const read = async (indices: Uint32Array, into: Float32Array): Promise<Matrix> => {
    indices.forEach((r, k) => pixelRow(x, r, into, k * x.cols));
    return { data: into.subarray(0, indices.length * x.cols), rows: indices.length, cols: x.cols };
  };
  return chunkedEpoch(backend, plan, defaultChunkRows(x.cols, plan.largestBatch), x.cols, before, read, data.labels);
}

import type { Matrix } from '../../matrix.js';
import type { ResidentData } from '../backend.js';
import { uniformBuffer, uploadFloats } from './buffers.js';
import { Chunk } from './uniforms.js';

/** A contiguous block of the data set's rows in one storage buffer. */
export interface DataChunk {
  readonly first: number;
  readonly rows: number;
  readonly buffer: GPUBuffer;
  /** The gather kernel's `Chunk` uniform. */
  readonly uniform: GPUBuffer;
}

/**
 * A data set uploaded once and kept on the GPU for training, split into chunks so that no
 * binding exceeds the device's maxStorageBufferBindingSize.
 */
export class GpuData implements ResidentData {
  readonly rows: number;
  readonly cols: number;
  readonly chunks: DataChunk[] = [];
  private released = false;

  constructor(device: GPUDevice, x: Matrix, maxBindingBytes: number) {
    this.rows = x.rows;
    this.cols = x.cols;
    const rowsPerChunk = Math.max(1, Math.floor(maxBindingBytes / (x.cols * 4)));
    for (let first = 0; first < x.rows; first += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, x.rows - first);
      const data = x.data.subarray(first * x.cols, (first + rows) * x.cols);
      this.chunks.push({
        first,
        rows,
        buffer: uploadFloats(device, `data rows ${first}..${first + rows - 1}`, data),
        uniform: uniformBuffer(device, 'chunk', Chunk, { first, rows, cols: x.cols }),
      });
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const c of this.chunks) {
      c.buffer.destroy();
      c.uniform.destroy();
    }
  }
}

/**
 * A data set resident on the GPU for training: its rows in chunks that fit a binding (float32
 * or 8-bit), and its labels.
 */
import type { Matrix } from '../../matrix.js';
import { isPixelMatrix, PIXEL_VALUES, type PixelMatrix } from '../../pixels.js';
import type { ResidentData } from '../backend.js';
import { InvalidArgumentError } from '../../errors.js';
import { createBuffer, uniformBuffer, uploadBytes, uploadFloats, Usage } from './buffers.js';
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
 * binding exceeds the device's maxStorageBufferBindingSize: float32 values, or 8-bit pixels
 * (four to a word) that gather-pixels.wgsl turns into float32 through `pixelValues`.
 */
export class GpuData implements ResidentData {
  readonly rows: number;
  readonly cols: number;
  readonly chunks: DataChunk[] = [];
  /** The rows' class labels (u32), when the data came with them. */
  readonly labels?: GPUBuffer;
  /** One more than the largest label: the fewest classes a label layer needs for these data. */
  readonly classesNeeded: number = 0;
  /** 8-bit data: PIXEL_VALUES, the float32 value of each pixel. */
  readonly pixelValues?: GPUBuffer;
  private released = false;

  constructor(device: GPUDevice, x: Matrix | PixelMatrix, maxBindingBytes: number, labels?: Uint32Array) {
    this.rows = x.rows;
    this.cols = x.cols;
    if (labels) {
      if (labels.length !== x.rows) throw new InvalidArgumentError('labels', `expected one label per row (${x.rows}), got ${labels.length}`);
      if (labels.length * 4 > maxBindingBytes) throw new InvalidArgumentError('labels', `${labels.length} labels exceed this GPU's ${maxBindingBytes}-byte binding limit`);
      this.classesNeeded = labels.reduce((top, y) => Math.max(top, y + 1), 0);
      this.labels = createBuffer(device, 'labels', labels.byteLength, Usage.storage);
      device.queue.writeBuffer(this.labels, 0, labels as Uint32Array<ArrayBuffer>);
    }
    const pixels = isPixelMatrix(x) ? x.pixels : undefined;
    if (pixels) this.pixelValues = uploadFloats(device, 'pixel values', PIXEL_VALUES);
    const valueBytes = pixels ? 1 : 4;
    const rowsPerChunk = Math.max(1, Math.floor(maxBindingBytes / (x.cols * valueBytes)));
    for (let first = 0; first < x.rows; first += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, x.rows - first);
      const label = `data rows ${first}..${first + rows - 1}`;
      this.chunks.push({
        first,
        rows,
        buffer: pixels
          ? uploadBytes(device, label, pixels.subarray(first * x.cols, (first + rows) * x.cols))
          : uploadFloats(device, label, (x as Matrix).data.subarray(first * x.cols, (first + rows) * x.cols)),
        uniform: uniformBuffer(device, 'chunk', Chunk, { first, rows, cols: x.cols }),
      });
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.labels?.destroy();
    this.pixelValues?.destroy();
    for (const c of this.chunks) {
      c.buffer.destroy();
      c.uniform.destroy();
    }
  }
}

/**
 * A dispatch, and the one way GPU work is encoded, submitted and read back: dispatches in one
 * compute pass, then copies of the buffers wanted into a staging buffer at the end of the same
 * command buffer, one submission, one map, the bytes copied out.
 */
import { GpuError } from '../../errors.js';
import { BufferUsage, MapMode } from './constants.js';

/** A pipeline, its group 0 and the workgroups along x, y and z. */
export type Dispatch = readonly [pipeline: GPUComputePipeline, group: GPUBindGroup, x: number, y: number, z?: number];

/** Group 1 of every dispatch in a pass: the per-step bind group, at `offset` when its layout is dynamic. */
export interface StepBind {
  readonly group: GPUBindGroup;
  readonly offset?: number;
}

/** Encodes `dispatches` into `pass`, in order. */
export function encodeDispatches(pass: GPUComputePassEncoder, dispatches: Iterable<Dispatch>): void {
  for (const [pipeline, group, x, y, z] of dispatches) {
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
  }
}

/** Binds `step` as group 1 (with its dynamic offset, if it has one). */
export function bindStep(pass: GPUComputePassEncoder, step: StepBind): void {
  if (step.offset === undefined) pass.setBindGroup(1, step.group);
  else pass.setBindGroup(1, step.group, [step.offset]);
}

/** `bytes` (a multiple of 4) of `buffer` from byte `offset`, to read back; readbacks name theirs. */
export interface Read {
  readonly buffer: GPUBuffer;
  readonly offset?: number;
  readonly bytes: number;
}

/** mapAsync for reading, turning a failure (such as a lost device) into a GpuError. */
export async function mapForReading(buffer: GPUBuffer): Promise<void> {
  try {
    await buffer.mapAsync(MapMode.READ);
  } catch (error) {
    throw new GpuError('device-lost', `could not read ${buffer.label} back from the GPU: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** A MAP_READ buffer for readbacks, kept between them (a trainer reads one back every epoch) and grown when one needs more. */
export class Staging {
  private buffer: GPUBuffer | undefined;

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
  ) {}

  /**
   * Appends copies of `reads` to `encoder`, submits it, and returns each read's bytes by name,
   * copied out of the mapped staging buffer.
   */
  async submit<R extends Readonly<Record<string, Read>>>(encoder: GPUCommandEncoder, reads: R): Promise<{ [K in keyof R]: ArrayBuffer }> {
    const entries = Object.entries(reads).filter(([, r]) => r !== undefined);
    const offsets: number[] = [];
    let total = 0;
    for (const [name, r] of entries) {
      if (r.bytes % 4 !== 0) throw new RangeError(`reading back ${name}: ${r.bytes} bytes of ${r.buffer.label}, not whole words`);
      offsets.push(total);
      total += r.bytes;
    }
    const staging = this.fit(total);
    entries.forEach(([, r], i) => {
      if (r.bytes > 0) encoder.copyBufferToBuffer(r.buffer, r.offset ?? 0, staging, offsets[i], r.bytes);
    });
    this.device.queue.submit([encoder.finish()]);
    await mapForReading(staging);
    try {
      const mapped = staging.getMappedRange(0, Math.max(4, total));
      return Object.fromEntries(entries.map(([name, r], i) => [name, mapped.slice(offsets[i], offsets[i] + r.bytes)])) as { [K in keyof R]: ArrayBuffer };
    } finally {
      staging.unmap();
    }
  }

  destroy(): void {
    this.buffer?.destroy();
    this.buffer = undefined;
  }

  private fit(bytes: number): GPUBuffer {
    if (!this.buffer || this.buffer.size < bytes) {
      this.buffer?.destroy();
      this.buffer = this.device.createBuffer({ label: this.label, size: Math.max(16, bytes), usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    }
    return this.buffer;
  }
}

/** Staging.submit with a staging buffer of its own, destroyed after. */
export async function submitAndRead<R extends Readonly<Record<string, Read>>>(device: GPUDevice, encoder: GPUCommandEncoder, reads: R, label = 'readback'): Promise<{ [K in keyof R]: ArrayBuffer }> {
  const staging = new Staging(device, label);
  try {
    return await staging.submit(encoder, reads);
  } finally {
    staging.destroy();
  }
}

/** `dispatches` in one pass (with group 1 bound once, when given), then `reads`: one submission. */
export function dispatchAndRead<R extends Readonly<Record<string, Read>>>(
  device: GPUDevice, label: string, dispatches: Iterable<Dispatch>, step: StepBind | undefined, reads: R,
): Promise<{ [K in keyof R]: ArrayBuffer }> {
  const encoder = device.createCommandEncoder({ label });
  const pass = encoder.beginComputePass({ label });
  if (step) bindStep(pass, step);
  encodeDispatches(pass, dispatches);
  pass.end();
  return submitAndRead(device, encoder, reads, `${label} readback`);
}

/** Copies `count` floats from `source` (at a byte offset) back to the host. */
export async function readFloats(device: GPUDevice, source: GPUBuffer, offset: number, count: number): Promise<Float32Array> {
  const { floats } = await submitAndRead(device, device.createCommandEncoder(), { floats: { buffer: source, offset, bytes: count * 4 } }, `${source.label} readback`);
  return new Float32Array(floats);
}

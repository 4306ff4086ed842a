/**
 * Buffers made and filled: storage and uniform buffers, uploads, the per-batch Steps packed for
 * dynamic offsets; and the error scopes every piece of GPU work runs in.
 */
import { BufferUsage } from './constants.js';
import { GpuError } from '../../errors.js';
import { UNIFORM_STRIDE } from './params.js';
import { Step, type Scalar, type StructValues, type UniformStruct, type ValuesOf } from './uniforms.js';

export const Usage = {
  storage: BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC,
  uniform: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
} as const;

/** WebGPU buffer sizes must be multiples of 4; bindings need at least 16 bytes. */
function padded(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 4) * 4);
}

export function createBuffer(device: GPUDevice, label: string, bytes: number, usage: number): GPUBuffer {
  return device.createBuffer({ label, size: padded(bytes), usage });
}

/** A storage buffer holding `data`. */
export function uploadFloats(device: GPUDevice, label: string, data: Float32Array): GPUBuffer {
  const buffer = device.createBuffer({ label, size: padded(data.byteLength), usage: Usage.storage, mappedAtCreation: true });
  new Float32Array(buffer.getMappedRange()).set(data);
  buffer.unmap();
  return buffer;
}

/** A storage buffer holding `bytes`, zero-padded to whole words. */
export function uploadBytes(device: GPUDevice, label: string, bytes: Uint8Array): GPUBuffer {
  const buffer = device.createBuffer({ label, size: padded(bytes.byteLength), usage: Usage.storage, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(bytes);
  buffer.unmap();
  return buffer;
}

/** A uniform buffer holding one `struct` with `values`. */
export function uniformBuffer<F extends Record<string, Scalar>>(
  device: GPUDevice,
  label: string,
  struct: UniformStruct<F>,
  values: StructValues<F>,
): GPUBuffer {
  const buffer = device.createBuffer({ label, size: struct.size, usage: Usage.uniform });
  device.queue.writeBuffer(buffer, 0, struct.pack(values));
  return buffer;
}

/** Steps packed UNIFORM_STRIDE bytes apart, for binding with dynamic offsets. */
export function packSteps(steps: readonly ValuesOf<typeof Step>[]): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(1, steps.length) * UNIFORM_STRIDE);
  steps.forEach((s, i) => Step.pack(s, bytes, i * UNIFORM_STRIDE));
  return bytes;
}

/** Error scopes are a per-device stack: work on one device (shared by several models) runs one at a time. */
const deviceQueues = new WeakMap<GPUDevice, Promise<unknown>>();

/**
 * Runs `work` inside validation, out-of-memory and internal error scopes and throws the first
 * error the GPU reported as a GpuError naming `what`.
 */
export function guarded<T>(device: GPUDevice, what: string, work: () => T | Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    device.pushErrorScope('internal');
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = { value: await work() };
    } catch (error) {
      outcome = { error };
    }
    const internal = await device.popErrorScope();
    const validation = await device.popErrorScope();
    const memory = await device.popErrorScope();
    if (memory) throw new GpuError('out-of-memory', `${what}: the GPU ran out of memory (${memory.message})`);
    if (validation) throw new GpuError('validation', `${what}: ${validation.message}`);
    if (internal) throw new GpuError('internal', `${what}: ${internal.message}`);
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
  const previous = deviceQueues.get(device) ?? Promise.resolve();
  const result = previous.then(run, run);
  deviceQueues.set(device, result.catch(() => {}));
  return result;
}

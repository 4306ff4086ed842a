import { BackendUnavailableError } from '../errors.js';
import type { DeviceChoice } from '../options.js';
import type { Backend } from './backend.js';
import { CpuBackend } from './cpu/cpu-backend.js';
import type { GpuOptions } from './webgpu/gpu.js';
import { WebGpuBackend } from './webgpu/webgpu-backend.js';

/**
 * The one place that chooses a backend: the CPU, the GPU (an error when there is none), or
 * for 'auto' the GPU when there is one, saying in the banner which it chose.
 */
export async function createBackend(
  useGPU: DeviceChoice,
  visible: number,
  hidden: number,
  gpu: GpuOptions,
): Promise<Backend> {
  if (useGPU === false) return new CpuBackend(visible, hidden);
  if (useGPU === true) return WebGpuBackend.create(visible, hidden, gpu);
  try {
    return await WebGpuBackend.create(visible, hidden, gpu);
  } catch (error) {
    if (!(error instanceof BackendUnavailableError)) throw error;
    return new CpuBackend(visible, hidden, `# useGPU: 'auto' found no WebGPU adapter (${error.message.split('. ')[0]}).`);
  }
}

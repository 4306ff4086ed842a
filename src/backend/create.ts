import { BackendUnavailableError } from '../errors.js';
import type { DeviceChoice } from '../options.js';
import type { Backend } from './backend.js';
import { CpuBackend } from './cpu/cpu-backend.js';
import type { GpuOptions } from './webgpu/gpu.js';
import { WebGpuBackend } from './webgpu/webgpu-backend.js';
import { defaultThreads } from './wasm/pool.js';
import { WasmBackend, wasmSupported } from './wasm/wasm-backend.js';

/**
 * The one place that chooses a backend: the CPU, the GPU (an error when there is none), or
 * for 'auto' the GPU when there is one, saying in the banner which it chose.
 */
export async function createBackend(
  useGPU: DeviceChoice,
  visible: number,
  hidden: number,
  gpu: GpuOptions,
  threads: number | undefined,
): Promise<Backend> {
  if (useGPU === false) return cpuBackend(visible, hidden, threads);
  if (useGPU === true) return WebGpuBackend.create(visible, hidden, gpu);
  try {
    return await WebGpuBackend.create(visible, hidden, gpu);
  } catch (error) {
    if (!(error instanceof BackendUnavailableError)) throw error;
    return cpuBackend(visible, hidden, threads, `# useGPU: 'auto' found no WebGPU adapter (${error.message.split('. ')[0]}).`);
  }
}

/**
 * The WebAssembly SIMD backend on `threads` workers where the engine has SIMD, shared memory
 * and workers; the plain TypeScript reference otherwise (or with threads: 0).
 */
async function cpuBackend(visible: number, hidden: number, threads = defaultThreads(), note?: string): Promise<Backend> {
  if (threads >= 1 && wasmSupported()) return WasmBackend.create(visible, hidden, threads, note);
  return new CpuBackend(visible, hidden, note);
}

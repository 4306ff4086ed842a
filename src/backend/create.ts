import { BackendUnavailableError, InvalidArgumentError } from '../errors.js';
import { softmaxGroup, type DeviceChoice, type HiddenType, type VisibleType } from '../options.js';
import type { Platform } from '../platform/platform.js';
import type { Backend } from './backend.js';
import { CpuBackend } from './cpu/cpu-backend.js';
import type { GpuOptions } from './webgpu/gpu.js';
import { WebGpuBackend } from './webgpu/webgpu-backend.js';
import { MAX_PAGES, modelMemoryBytes } from './wasm/layout.js';
import { WasmBackend, wasmSupported } from './wasm/wasm-backend.js';

/** What a model asks of createBackend. */
export interface BackendRequest {
  readonly useGPU: DeviceChoice;
  readonly visible: number;
  readonly hidden: number;
  readonly gpu: GpuOptions;
  /** CPU threads; undefined: the platform's cores. */
  readonly threads: number | undefined;
  /** Classes of a label layer (0: none). */
  readonly labels?: number;
  readonly visibleType?: VisibleType;
  readonly hiddenType?: HiddenType;
}


/**
 * The one place that chooses a backend, on what `platform` offers: the CPU, the GPU (an error
 * when there is none), or for 'auto' the GPU when there is one, saying in the banner which it
 * chose.
 */
export async function createBackend(request: BackendRequest, platform: Platform): Promise<Backend> {
  const { useGPU, visible, hidden, gpu } = request;
  const softmax = softmaxGroup(request.visibleType ?? 'binary');
  if (useGPU === false) return cpuBackend(request, platform);
  const hiddenType = request.hiddenType ?? 'binary';
  if (hiddenType !== 'binary') {
    if (useGPU === true) throw new InvalidArgumentError('hiddenType', `the WebGPU kernels have binary hidden units only so far; ${hiddenType} hidden units train on the CPU (useGPU: false)`);
    return cpuBackend(request, platform, `# useGPU: 'auto': the WebGPU kernels have binary hidden units only so far.`);
  }
  if (useGPU === true) return WebGpuBackend.create(platform.gpu, visible, hidden, gpu, softmax);
  try {
    return await WebGpuBackend.create(platform.gpu, visible, hidden, gpu, softmax);
  } catch (error) {
    // 'auto' always falls back: no adapter, a device that cannot be opened, a model too large for it.
    const reason = error instanceof BackendUnavailableError ? `found no WebGPU adapter (${error.message.split('. ')[0]})` : `could not use the GPU (${(error as Error)?.message ?? String(error)})`;
    return cpuBackend(request, platform, `# useGPU: 'auto' ${reason}.`);
  }
}

/**
 * The WebAssembly SIMD backend where the platform has workers and the engine SIMD and shared
 * memory; the plain TypeScript reference otherwise (or with threads: 0).
 */
async function cpuBackend({ visible, hidden, threads, labels, visibleType, hiddenType }: BackendRequest, platform: Platform, note?: string): Promise<Backend> {
  const count = threads ?? platform.cores;
  const softmax = softmaxGroup(visibleType ?? 'binary');
  if (hiddenType !== undefined && hiddenType !== 'binary') {
    note = [note, `# ${hiddenType} hidden units: the TypeScript kernels run (the WebAssembly kernels have binary hidden units only so far).`].filter(Boolean).join('\n');
  } else if (count >= 1 && wasmSupported(platform.workers)) {
    // A label layer's C × H weights count as C more visible units.
    if (modelMemoryBytes(visible + (labels ?? 0), hidden) <= MAX_PAGES * 65536) return WasmBackend.create(visible, hidden, platform.workers, count, note, softmax);
    note = [note, `# A ${visible} × ${hidden} model does not fit in WebAssembly's 4 GiB, so the TypeScript kernels run.`].filter(Boolean).join('\n');
  }
  return new CpuBackend(visible, hidden, note, softmax, hiddenType);
}

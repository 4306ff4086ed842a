import { BackendUnavailableError, InvalidArgumentError } from '../errors.js';
import { softmaxGroup, type DeviceChoice, type VisibleType } from '../options.js';
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
}

/** Why a model with a label layer runs where it does, for the banner. */
const SOFTMAX_NOTE = '# Softmax visible groups train on the TypeScript kernels (the WebAssembly and WebGPU ones do not have them yet).';
const LABEL_NOTE = '# A label layer trains on the TypeScript kernels (the WebAssembly and WebGPU ones do not have it yet).';

/**
 * The one place that chooses a backend, on what `platform` offers: the CPU, the GPU (an error
 * when there is none), or for 'auto' the GPU when there is one, saying in the banner which it
 * chose.
 */
export async function createBackend(request: BackendRequest, platform: Platform): Promise<Backend> {
  const { useGPU, visible, hidden, gpu } = request;
  const softmax = softmaxGroup(request.visibleType ?? 'binary');
  if (softmax) {
    if (useGPU === true) throw new InvalidArgumentError('useGPU', "softmax visible groups train on the CPU only for now: use useGPU: false or 'auto'");
    return new CpuBackend(visible, hidden, SOFTMAX_NOTE, softmax);
  }
  if ((request.labels ?? 0) > 0) {
    if (useGPU === true) throw new InvalidArgumentError('useGPU', "a model with a label layer trains on the CPU only for now: use useGPU: false or 'auto'");
    return new CpuBackend(visible, hidden, LABEL_NOTE);
  }
  if (useGPU === false) return cpuBackend(request, platform);
  if (useGPU === true) return WebGpuBackend.create(platform.gpu, visible, hidden, gpu);
  try {
    return await WebGpuBackend.create(platform.gpu, visible, hidden, gpu);
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
async function cpuBackend({ visible, hidden, threads }: BackendRequest, platform: Platform, note?: string): Promise<Backend> {
  const count = threads ?? platform.cores;
  if (count >= 1 && wasmSupported(platform.workers)) {
    if (modelMemoryBytes(visible, hidden) <= MAX_PAGES * 65536) return WasmBackend.create(visible, hidden, platform.workers, count, note);
    note = [note, `# A ${visible} × ${hidden} model does not fit in WebAssembly's 4 GiB, so the TypeScript kernels run.`].filter(Boolean).join('\n');
  }
  return new CpuBackend(visible, hidden, note);
}

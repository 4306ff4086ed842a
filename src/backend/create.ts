import { BackendUnavailableError, InvalidArgumentError } from '../errors.js';
import type { DeviceChoice, HiddenType, VisibleType } from '../options.js';
import type { Platform } from '../platform/platform.js';
import { modelShape, type Backend, type ModelShape } from './backend.js';
import { CpuBackend } from './cpu/cpu-backend.js';
import type { GpuOptions } from './webgpu/gpu.js';
import { HIDDEN_UNITS } from './webgpu/units.js';
import { WebGpuBackend } from './webgpu/webgpu-backend.js';
import { HiddenTypeWord, MAX_PAGES, modelMemoryBytes } from './wasm/layout.js';
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
  const { useGPU, gpu } = request;
  const shape = shapeOf(request);
  if (useGPU === false) return cpuBackend(request, platform);
  const hiddenType = request.hiddenType ?? 'binary';
  if (HIDDEN_UNITS[hiddenType] === undefined) {
    if (useGPU === true) throw new InvalidArgumentError('hiddenType', `the WebGPU kernels have no ${hiddenType} hidden units yet; they train on the CPU (useGPU: false)`);
    return cpuBackend(request, platform, `# useGPU: 'auto': the WebGPU kernels have no ${hiddenType} hidden units yet.`);
  }
  if (useGPU === true) return WebGpuBackend.create(platform.gpu, shape, gpu);
  try {
    return await WebGpuBackend.create(platform.gpu, shape, gpu);
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
async function cpuBackend(request: BackendRequest, platform: Platform, note?: string): Promise<Backend> {
  const { visible, hidden, threads } = request;
  const shape = shapeOf(request);
  const count = threads ?? platform.cores;
  if (HiddenTypeWord[shape.hiddenType] === undefined) {
    note = [note, `# ${shape.hiddenType} hidden units: the TypeScript kernels run (the WebAssembly kernels have no ${shape.hiddenType} hidden units).`].filter(Boolean).join('\n');
  } else if (count >= 1 && wasmSupported(platform.workers)) {
    if (modelMemoryBytes(shape) <= MAX_PAGES * 65536) return WasmBackend.create(shape, platform.workers, count, note);
    note = [note, `# A ${visible} × ${hidden} model does not fit in WebAssembly's 4 GiB, so the TypeScript kernels run.`].filter(Boolean).join('\n');
  }
  return new CpuBackend(shape, note);
}

/** The model a request describes, for the backend to hold. */
function shapeOf(request: BackendRequest): ModelShape {
  return modelShape({ visible: request.visible, hidden: request.hidden, visibleType: request.visibleType, hiddenType: request.hiddenType, labels: request.labels });
}

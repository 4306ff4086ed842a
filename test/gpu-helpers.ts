import { modelShape, type ModelShape, type Parameters } from '../src/backend/backend.js';
import { shapeFor } from './helpers.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { acquireDevice, type AcquiredDevice, type GpuOptions } from '../src/backend/webgpu/gpu.js';
import { WebGpuBackend } from '../src/backend/webgpu/webgpu-backend.js';
import { dawnProvider } from '../src/platform/dawn.js';

/** The failure a GPU suite reports without an adapter: these suites never skip (CI installs Mesa's lavapipe). */
function noAdapter(error: unknown): Error {
  return new Error(`The GPU test suites need a WebGPU adapter (in CI they must run, not skip): ${(error as Error).message}`, { cause: error });
}

/** A WebGPU backend on Dawn, or a failure that says how to get an adapter. */
export async function gpuBackend(visible: number, hidden: number, options: GpuOptions = {}, kind: Partial<ModelShape> = {}): Promise<WebGpuBackend> {
  try {
    return await WebGpuBackend.create(dawnProvider, modelShape({ ...kind, visible, hidden }), options);
  } catch (error) {
    throw noAdapter(error);
  }
}

/** A device of Dawn's own, or a failure that says how to get an adapter. */
export async function gpuDevice(options: GpuOptions = {}): Promise<AcquiredDevice> {
  try {
    return await acquireDevice(dawnProvider, options);
  } catch (error) {
    throw noAdapter(error);
  }
}

/** The CPU reference and a GPU backend holding the same parameters. */
export async function backendPair(visible: number, hidden: number, parameters: Parameters, options: GpuOptions = {}) {
  const shape = shapeFor(visible, hidden, parameters);
  const cpu = new CpuBackend(shape);
  const gpu = await gpuBackend(visible, hidden, options, shape);
  await cpu.setParameters(parameters);
  await gpu.setParameters(parameters);
  return { cpu, gpu };
}

import { BackendUnavailableError } from '../errors.js';
import type { GpuProvider } from './platform.js';

/**
 * One Dawn instance per set of flags, for the whole process: models created at the same
 * moment share the first one's (two instances side by side crash Dawn), so the map holds the
 * promise, set before anything is awaited.
 */
const instances = new Map<string, Promise<GPU>>();

/** Node's WebGPU: Dawn through the `webgpu` package, one instance per set of flags. */
export const dawnProvider: GpuProvider = (flags) => {
  const key = flags.join('\n');
  let gpu = instances.get(key);
  if (!gpu) {
    gpu = startDawn(flags);
    instances.set(key, gpu);
    // A failed start is not kept: the next model tries again.
    gpu.catch(() => instances.delete(key));
  }
  return gpu;
};

async function startDawn(flags: readonly string[]): Promise<GPU> {
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (error) {
    throw new BackendUnavailableError('The `webgpu` package (Dawn for Node) could not be loaded: npm install webgpu', {
      cause: error,
    });
  }
  return dawn.create([...flags]);
}

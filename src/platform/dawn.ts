import { BackendUnavailableError } from '../errors.js';
import type { GpuProvider } from './platform.js';

const instances = new Map<string, GPU>();

/** Node's WebGPU: Dawn through the `webgpu` package, one instance per set of flags. */
export const dawnProvider: GpuProvider = async (flags) => {
  const key = flags.join('\n');
  const existing = instances.get(key);
  if (existing) return existing;
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (error) {
    throw new BackendUnavailableError('The `webgpu` package (Dawn for Node) could not be loaded: npm install webgpu', {
      cause: error,
    });
  }
  const gpu = dawn.create([...flags]);
  instances.set(key, gpu);
  return gpu;
};

import { availableParallelism, totalmem } from 'node:os';
import { nodeWorkerFactory } from './node-workers.js';
import { dawnProvider } from './dawn.js';
import type { Platform } from './platform.js';
import { readModelFile, readStackFile, writeModelFile, writeStackFile } from '../io/model-store.js';
import { checkWritable } from '../io/paths.js';

/**
 * Node's platform: Dawn for WebGPU and worker_threads for the WebAssembly kernels, one per core.
 * WEBGPU_RBM_WASM=0 leaves the workers out, so the CPU backend runs the plain TypeScript kernels
 * (the reference).
 */
export function nodePlatform(env: NodeJS.ProcessEnv = process.env): Platform {
  return {
    gpu: dawnProvider,
    workers: env.WEBGPU_RBM_WASM === '0' ? undefined : nodeWorkerFactory,
    cores: availableParallelism(),
    // Half the machine: room for the data, the operating system and other programs.
    memoryBytes: Math.floor(totalmem() / 2),
    files: { readModel: readModelFile, writeModel: writeModelFile, checkWritable, readStack: readStackFile, writeStack: writeStackFile },
  };
}

import type { WorkerFactory } from '../backend/wasm/pool.js';
import { RbmError } from '../errors.js';
import { webWorkersUsable, webWorkerFactory } from './web-workers.js';
import type { ModelState } from '../state.js';

/** Model files on a file system (Node's): what save, load, checkpoints and resume use. */
export interface ModelFiles {
  /** Reads and validates a model file written by writeModel. */
  readModel(path: string): Promise<ModelState>;
  /** Writes a model file atomically. */
  writeModel(path: string, state: ModelState): Promise<void>;
  /** Throws unless `path` can be written (checked before training, so no epoch is lost to it). */
  checkWritable(path: string): Promise<void>;
  /** A stack of models (a deep belief network's layers, bottom first) in one file. */
  readStack(path: string): Promise<ModelState[]>;
  writeStack(path: string, states: readonly ModelState[]): Promise<void>;
}

/** Returns the `GPU` object of this platform, or undefined when it has none. */
export type GpuProvider = (flags: readonly string[]) => Promise<GPU | undefined>;

/**
 * What the host environment offers the backends: where WebGPU comes from, how the
 * WebAssembly kernels' worker threads start, and how many cores there are. Backends receive it
 * when they are created; nothing below the RBM class reads a global.
 */
export interface Platform {
  readonly gpu: GpuProvider;
  /** Absent where the engine has no usable workers: the CPU backend then runs the plain TypeScript kernels. */
  readonly workers?: WorkerFactory;
  /** The default number of CPU threads. */
  readonly cores: number;
  /**
   * How much host memory one model may plan to use, in bytes: work estimated to need more is
   * refused up front with a typed error instead of exhausting the machine.
   */
  readonly memoryBytes: number;
  /** Model files; absent in a page, where encodeModel/decodeModel turn a model into bytes and back. */
  readonly files?: ModelFiles;
}

/**
 * A page's platform: the browser's navigator.gpu, and the WebAssembly kernels' pool of Web
 * Workers, one per core, where the page is cross-origin isolated (COOP/COEP headers: shared
 * memory); elsewhere the CPU backend runs the plain TypeScript kernels.
 */
export const browserPlatform: Platform = {
  gpu: async () => (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu,
  workers: webWorkersUsable() ? webWorkerFactory : undefined,
  cores: Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1),
  // A page's heap is a few GiB at most, shared with everything else on the page.
  memoryBytes: 2 ** 31,
};

let installed: Platform = browserPlatform;

/** Makes `platform` the one new models use (the Node entry installs Node's on import). */
export function installPlatform(platform: Platform): void {
  installed = platform;
}

/** The platform new models are created on. */
export function currentPlatform(): Platform {
  return installed;
}

/** Replaces how the GPU is found, keeping the rest of the platform (e.g. a `GPU` of your own in a page). */
export function setGpuProvider(provider: GpuProvider): void {
  installed = { ...installed, gpu: provider };
}

/** The platform's model files, or an error saying they need Node (in a page: encodeModel / decodeModel). */
export function modelFiles(platform: Platform, what: string): ModelFiles {
  if (!platform.files) throw new RbmError('NO_FILES', `${what} needs a file system (Node); in a page, encodeModel(await rbm.getState()) gives the file's bytes and RBM.fromState(decodeModel(bytes)) reads them`);
  return platform.files;
}

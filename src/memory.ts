import { InvalidArgumentError } from './errors.js';

/** Bytes in a readable unit: 1.5 GB, 12 MB, 640 B. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toPrecision(3)} ${units[unit]}`;
}

/**
 * Refuses, before anything is allocated, work whose estimated memory exceeds `limit`: an
 * InvalidArgumentError naming `argument`, what needs the memory, the bytes needed and the limit.
 */
export function checkMemory(argument: string, what: string, bytes: number, limit: number): void {
  if (!(bytes <= limit)) {
    throw new InvalidArgumentError(argument, `${what} would need ${formatBytes(bytes)} of memory, above the limit of ${formatBytes(limit)}`);
  }
}

/**
 * Host bytes a model of V × H weights may hold at its peak, per V·H: on the CPU its record,
 * the backend's copy, the copy an epoch keeps to restore, the transposed weights and float64
 * gradient of the reference kernels (or the WebAssembly memory's W, Wᵀ, dW and gradient), and
 * the parameters an epoch returns; on the GPU the record, the mapped readback and its copy.
 */
const HOST_BYTES_PER_WEIGHT = { cpu: 44, gpu: 24 } as const;

/** The host memory a V × H model needs on `device`, estimated before anything is allocated. */
export function modelBytes(visible: number, hidden: number, device: 'cpu' | 'gpu'): number {
  return HOST_BYTES_PER_WEIGHT[device] * (visible * hidden + visible + hidden);
}

/** About what one worker thread of the WebAssembly pool costs (its own V8 isolate and heap). */
export const BYTES_PER_THREAD = 8e6;

/**
 * Refuses, before anything is allocated, a model whose weights or worker threads would not
 * fit in `limit` bytes, or more threads than four per core.
 */
export function checkModelResources(
  o: { readonly visible: number; readonly hidden: number; readonly useGPU: boolean | 'auto'; readonly threads: number | undefined; readonly labels?: number },
  cores: number,
  limit: number,
): void {
  const threads = o.threads ?? cores;
  const maxThreads = 4 * cores;
  if (o.threads !== undefined && threads > maxThreads) {
    throw new InvalidArgumentError(
      'threads',
      `${threads} worker threads (about ${formatBytes(threads * BYTES_PER_THREAD)}) on ${cores} core${cores === 1 ? '' : 's'}: use at most ${maxThreads}`,
    );
  }
  const device = o.useGPU === true ? 'gpu' : 'cpu';
  // A label layer's C × H weights cost what C more visible units do.
  const bytes = modelBytes(o.visible + (o.labels ?? 0), o.hidden, device) + (device === 'cpu' ? threads * BYTES_PER_THREAD : 0);
  checkMemory('hidden', `a ${o.visible} × ${o.hidden} model on the ${device.toUpperCase()}`, bytes, limit);
}

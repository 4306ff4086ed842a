import type { WorkerFactory } from '../backend/wasm/pool.js';

// Plain JavaScript for a worker made from a Blob, so that a page needs no worker file of its own.
const SOURCE = `
onmessage = ({ data: { module, memory, control, index, generation } }) => {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  postMessage('ready');
  instance.exports.workerLoop(control, index, generation);
};
`;

/** Whether this page can run the WebAssembly kernels' pool: Web Workers on shared memory (a cross-origin isolated page). */
export function webWorkersUsable(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; SharedArrayBuffer?: unknown };
  return g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof g.SharedArrayBuffer === 'function' && typeof Atomics.waitAsync === 'function';
}

/** A page's workers: Web Workers started from a Blob, each running the kernels' worker loop. */
export const webWorkerFactory: WorkerFactory = (module, memory, control, index, generation) =>
  new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([SOURCE], { type: 'text/javascript' }));
    const worker = new Worker(url);
    URL.revokeObjectURL(url);
    worker.onmessage = () => resolve({ terminate: () => worker.terminate() });
    worker.onerror = (event) => reject(new Error(`a WebAssembly worker failed to start: ${event.message}`));
    worker.postMessage({ module, memory, control, index, generation });
  });

import { Worker } from 'node:worker_threads';
import type { WorkerFactory } from '../backend/wasm/pool.js';

// Plain JavaScript, so that it runs the same from the sources (tests) and from the bundle.
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, control, index, generation } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
parentPort.postMessage('ready');
instance.exports.workerLoop(control, index, generation);
`;

/** Node's workers: worker_threads, unreferenced so that they never keep a script alive. */
export const nodeWorkerFactory: WorkerFactory = (module, memory, control, index, generation) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(SOURCE, { eval: true, workerData: { module, memory, control, index, generation } });
    worker.unref();
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
  });

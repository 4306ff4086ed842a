/** webgpu-rbm for Node: everything in the portable entry, plus files, data sets and Dawn. */
import { availableParallelism } from 'node:os';
import { nodeWorkerFactory } from './backend/wasm/node-workers.js';
import { setWorkerFactory } from './backend/wasm/pool.js';
import { dawnProvider } from './backend/webgpu/dawn.js';
import { setGpuProvider } from './backend/webgpu/gpu.js';

setGpuProvider(dawnProvider);
// WEBGPU_RBM_WASM=0 keeps the CPU backend on the plain TypeScript kernels (the reference).
if (process.env.WEBGPU_RBM_WASM !== '0') setWorkerFactory(nodeWorkerFactory, availableParallelism());

export * from './index.js';
export { readIdxFile, readMatrixFile } from './data/files.js';
export { FASHION_MNIST_DIR, loadFashionMnist, loadMnist, type ImageDataSet, type LabelledImages } from './data/mnist.js';
export { writeFileAtomic } from './io/atomic-write.js';
export { writeLossFile } from './io/loss-store.js';

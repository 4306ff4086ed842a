/** webgpu-rbm for Node: everything in the portable entry, plus files, data sets and Dawn. */
import { dawnProvider } from './backend/webgpu/dawn.js';
import { setGpuProvider } from './backend/webgpu/gpu.js';

setGpuProvider(dawnProvider);

export * from './index.js';
export { readIdxFile, readMatrixFile } from './data/files.js';
export { FASHION_MNIST_DIR, loadFashionMnist, loadMnist, type ImageDataSet, type LabelledImages } from './data/mnist.js';
export { writeFileAtomic } from './io/atomic-write.js';
export { writeLossFile } from './io/loss-file.js';

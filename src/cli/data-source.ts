import { readMatrixFile } from '../data/files.js';
import { loadFashionMnist, loadMnist } from '../data/mnist.js';
import type { Matrix } from '../matrix.js';

/** Data sets known by name; anything else is a file (IDX, .gz or not, CSV or whitespace text). */
export const DATA_SETS = ['mnist', 'mnist-test', 'fashion-mnist', 'fashion-mnist-test'] as const;

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

/** The first `count` rows (all of them if fewer). */
export function firstRows(m: Matrix, count: number): Matrix {
  const rows = Math.min(count, m.rows);
  return { data: m.data.subarray(0, rows * m.cols), rows, cols: m.cols };
}

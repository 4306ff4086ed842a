import { readMatrixFile } from '../data/files.js';
import { loadFashionMnist, loadMnist } from '../data/mnist.js';
import type { Matrix } from '../matrix.js';

/** The data sets known by name (mnist, mnist-test, fashion-mnist, fashion-mnist-test), or a file: IDX (.gz or not), CSV or whitespace text. */
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

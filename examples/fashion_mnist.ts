// Reconstruction on Fashion-MNIST (Debian's dataset-fashion-mnist): trains 784-64 for 5
// epochs, then writes the first 10 test images beside their reconstructions to
// fashion_reconstructions.png. Usage: npm run fashion:mnist [-- --use-gpu]
import { parseArgs } from 'node:util';
import { grid, loadFashionMnist, RBM, row, writePng } from '../src/node.js';

const { values } = parseArgs({ options: { 'use-gpu': { type: 'boolean', default: false } } });
const { train, test } = await loadFashionMnist();
const rbm = new RBM({ visible: 784, hidden: 64, useGPU: values['use-gpu'] });
try {
  await rbm.fit(train.images, { epochs: 5, batchSize: 1000 });
  const input = { data: test.images.data.subarray(0, 10 * 784), rows: 10, cols: 784 };
  const output = await rbm.reconstruct(input);
  const tiles = [...Array.from({ length: 10 }, (_, i) => row(input, i)), ...Array.from({ length: 10 }, (_, i) => row(output, i))];
  await writePng('fashion_reconstructions.png', grid(tiles, 28, 28, { columns: 10 }));
  console.log('fashion_reconstructions.png: test images (top) and their reconstructions (bottom)');
} finally {
  await rbm.dispose();
}

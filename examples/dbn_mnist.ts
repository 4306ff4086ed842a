// A deep belief network on MNIST (Hinton, Osindero & Teh 2006, without the fine-tuning): a
// 784-500-500 stack trained greedily (CD-1, the top RBM with persistent chains), its samples beside a single RBM's (its own first layer),
// and the test accuracy of a softmax regression on each layer's features against raw pixels.
// Writes dbn_samples.png (top row: the single RBM's samples; bottom row: the DBN's) and
// dbn_mnist.safetensors (the whole stack, which DBN.load reads).
// Usage: npm run dbn:mnist [-- --layers 500,500 --epochs 10 --use-gpu]
import { parseArgs } from 'node:util';
import { DBN, grid, loadMnist, writePng, type Matrix } from '../src/node.js';
import { softmaxRegression } from './classifiers.js';

const { values } = parseArgs({
  options: {
    layers: { type: 'string', default: '500,500' },
    epochs: { type: 'string', default: '10' },
    'use-gpu': { type: 'boolean', default: false },
  },
});
const hidden = values.layers.split(',').map(Number);
const { train, test } = await loadMnist();
const dbn = new DBN({
  layers: [784, ...hidden],
  learningRate: 0.05,
  gradient: 'mean',
  momentumSchedule: [{ epoch: 1, momentum: 0.5 }, { epoch: 6, momentum: 0.9 }],
  // Visible biases from the data's means, and persistent chains in the top RBM, which the samples come from.
  visibleBiasInit: 'data',
  layerOptions: hidden.map((_, i) => (i === hidden.length - 1 ? { persistent: true } : undefined)),
  useGPU: values['use-gpu'],
});
try {
  console.log(`${(await dbn.layers[0].device()).device}`);
  await dbn.fit(train.pixels, { epochs: Number(values.epochs), batchSize: 100 });
  await dbn.save('dbn_mnist.safetensors');

  // Samples: 1,000 Gibbs steps in the first RBM alone, and in the top RBM then down the stack.
  const rbmSamples = await dbn.layers[0].daydream(1000, { chains: 10, probabilities: true });
  const dbnSamples = await dbn.generate(10, { steps: 1000 });
  const rows = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => m.data.subarray(i * m.cols, (i + 1) * m.cols));
  await writePng('dbn_samples.png', grid([...rows(rbmSamples), ...rows(dbnSamples)], 28, 28, { columns: 10, scale: 3 }));
  console.log('Samples drawn in dbn_samples.png (top: the first RBM alone; bottom: the DBN)');

  // Each layer's features for a softmax regression.
  const table: [string, number][] = [['raw pixels (784)', softmaxRegression(train.images, train.labels, test.images, test.labels)]];
  let [x, y] = [train.images, test.images];
  for (const [i, layer] of dbn.layers.entries()) {
    [x, y] = [await layer.expectHidden(x), await layer.expectHidden(y)];
    table.push([`layer ${i + 1} features (${layer.hidden})`, softmaxRegression(x, train.labels, y, test.labels)]);
  }
  console.log('\nMNIST test accuracy of a softmax regression (10 epochs of SGD) trained on all 60,000 digits:');
  for (const [what, accuracy] of table) console.log(`  ${what.padEnd(26)} ${(100 * accuracy).toFixed(2)} %`);
} finally {
  await dbn.dispose();
}

// Trains a 784-64 RBM on the full MNIST training set, as simple_rbm's examples/train_mnist.py,
// and saves loss.dat and the model (rbm_mnist.safetensors, which reconstruct_mnist reads).
// Usage: npm run train:mnist [-- --use-gpu]
import { parseArgs } from 'node:util';
import { loadMnist, RBM, writeLossFile } from '../src/node.js';

const { values } = parseArgs({
  options: {
    'use-gpu': { type: 'boolean', default: false },
  },
});

const { train } = await loadMnist();
const rbm = new RBM({ visible: 28 * 28, hidden: 64, useGPU: values['use-gpu'] });
try {
  await rbm.fit(train.images, { epochs: 10, batchSize: 1000 });
  await writeLossFile('loss.dat', rbm.history);
  console.log('Loss history saved to loss.dat');
  await rbm.save('rbm_mnist.safetensors');
  console.log('Model saved to rbm_mnist.safetensors');
} finally {
  await rbm.dispose();
}

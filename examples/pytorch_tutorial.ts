// The PyTorch tutorial's RBM, recipe for recipe: 784-256 on MNIST, W = randn(V, H) · 0.1 (here
// initDistribution 'normal', initScale 0.1), zero biases, learning rate 0.1 with the gradient
// averaged over batches of 64, no momentum, and its statistics ('mixed': the hidden
// probabilities of the data against the visible probabilities reconstructed from sampled hidden
// states and the hidden probabilities of sampled visible states). Prints the reconstruction's
// mean squared error after every epoch. The tutorial prints the error of the reconstruction it
// trained on (from sampled hidden states, during the epoch); ours is the mean-field
// reconstruction p(v | p(h | x)) of the first 10,000 training digits after the epoch.
// Usage: npm run tutorial:pytorch [-- --epochs 10 --use-gpu]
import { parseArgs } from 'node:util';
import { loadMnist, RBM } from '../src/node.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '10' },
    'use-gpu': { type: 'boolean', default: false },
  },
});

const { train } = await loadMnist();
const rbm = new RBM({
  visible: 784,
  hidden: 256,
  initDistribution: 'normal',
  initScale: 0.1,
  learningRate: 0.1,
  gradient: 'mean',
  momentum: 0,
  statistics: 'mixed',
  useGPU: values['use-gpu'],
});
try {
  console.log((await rbm.device()).device);
  await rbm.fit(train.pixels, {
    epochs: Number(values.epochs),
    batchSize: 64,
    verbose: false,
    metrics: ['reconstructionError'],
    metricRows: 10_000,
    onEpoch: (r) => console.log(`Epoch ${r.epoch}: reconstruction MSE ${r.metrics!.reconstructionError!.toFixed(5)} (${r.seconds.toFixed(1)} s)`),
  });
} finally {
  await rbm.dispose();
}

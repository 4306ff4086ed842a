// Trains simple_rbm's MNIST example (784-64, defaults, 10 epochs, batch 1000) and prints our
// KL curve beside the published one; exits 1 when an epoch is outside ±PARITY_TOLERANCE of it.
// Usage: npm run bench:parity [-- --use-gpu --seed N --json FILE]
import { parseArgs } from 'node:util';
import { loadMnist, RBM } from '../src/node.js';
import { PARITY_TOLERANCE, PUBLISHED_KL } from './published.js';
import { machine, table, Validation, writeResults } from './report.js';

const { values } = parseArgs({
  options: {
    'use-gpu': { type: 'boolean', default: false },
    seed: { type: 'string', default: '0' },
    json: { type: 'string', default: 'bench/results/parity.json' },
  },
});

const published = values['use-gpu'] ? PUBLISHED_KL.gpu : PUBLISHED_KL.cpu;
const { train } = await loadMnist();
const rbm = new RBM({ visible: 784, hidden: 64, useGPU: values['use-gpu'], seed: Number(values.seed) });
const seconds: number[] = [];
try {
  await rbm.fit(train.images, { epochs: 10, batchSize: 1000, onEpoch: (r) => seconds.push(r.seconds) });
} finally {
  await rbm.dispose();
}

const ours = rbm.history.klDivergence;
const validation = new Validation(PARITY_TOLERANCE, "per-epoch KL against simple_rbm's published curve");
const rows = ours.map((kl, i) => {
  const diff = kl - published[i];
  return [i + 1, published[i].toFixed(4), kl.toFixed(4), diff.toFixed(4), Math.abs(diff) <= PARITY_TOLERANCE ? 'yes' : 'NO', seconds[i].toFixed(2)];
});
console.log();
console.log(table([['epoch', 'published', 'ours', 'diff', `within ±${PARITY_TOLERANCE}`, 'seconds'], ...rows]));
console.log();
validation.check(`784-64, seed ${values.seed}`, ours.map((kl, i) => [`epoch ${i + 1}`, kl, published[i]]));
console.log(`last epoch ${ours[ours.length - 1].toFixed(4)}`);
await writeResults(values.json, {
  machine: machine(),
  backend: values['use-gpu'] ? 'webgpu' : 'cpu',
  seed: Number(values.seed),
  published,
  klDivergence: ours,
  epochSeconds: seconds,
  validation,
});

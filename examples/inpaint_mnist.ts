// Completes MNIST test digits with half their pixels hidden: the lower half, and a random half.
// Writes inpaint_lower.png and inpaint_random.png (original | masked | completed).
// simple_rbm's defaults (a learning rate of 1e-4 for the biases) make a poor generative model
// whose chains fall silent, so this trains one as Hinton's guide suggests, once, and keeps it
// in rbm_generative.safetensors. Usage: npm run inpaint:mnist
import { existsSync } from 'node:fs';
import { grid, hideMask, loadMnist, masked, RBM, row, writePng } from '../src/node.js';

const MODEL = 'rbm_generative.safetensors';
const { train, test } = await loadMnist();
let rbm: RBM;
if (existsSync(MODEL)) {
  rbm = await RBM.load(MODEL);
} else {
  rbm = new RBM({
    visible: 784,
    hidden: 256,
    learningRate: 0.05,
    gradient: 'mean',
    weightDecay: 0.0002,
    momentumSchedule: [{ epoch: 1, momentum: 0.5 }, { epoch: 6, momentum: 0.9 }],
  });
  await rbm.fit(train.images, { epochs: 10, batchSize: 100 });
  await rbm.save(MODEL);
}
const input = { data: test.images.data.subarray(0, 12 * 784), rows: 12, cols: 784 };
for (const hide of ['lower', 'random'] as const) {
  const mask = hideMask(hide, input.rows, 28, 28, 0);
  const completed = await rbm.inpaint(input, mask, { steps: 200 });
  const shown = masked(input, mask);
  const tiles = Array.from({ length: input.rows }, (_, i) => [row(input, i), row(shown, i), row(completed, i)]).flat();
  await writePng(`inpaint_${hide}.png`, grid(tiles, 28, 28, { columns: 12 }));
  console.log(`inpaint_${hide}.png: 12 test digits, each original, with the ${hide} half hidden, and completed`);
}
await rbm.dispose();

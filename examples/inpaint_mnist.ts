// Completes MNIST test digits with half their pixels hidden: the lower half, and a random half.
// Writes inpaint_lower.png and inpaint_random.png (original | masked | completed).
// Usage: npm run train:mnist && npm run inpaint:mnist
import { existsSync } from 'node:fs';
import { hideMask, masked } from '../src/cli/masks.js';
import { grid, writePng } from '../src/io/images.js';
import { loadMnist, RBM, row } from '../src/node.js';

const MODEL = 'rbm_mnist.safetensors';
if (!existsSync(MODEL)) {
  console.error(`${MODEL} not found: run npm run train:mnist first`);
  process.exit(1);
}
const rbm = await RBM.load(MODEL);
const { test } = await loadMnist();
const input = { data: test.images.data.subarray(0, 12 * 784), rows: 12, cols: 784 };
for (const hide of ['lower', 'random']) {
  const mask = hideMask(hide, input.rows, 28, 28, 0);
  const completed = await rbm.inpaint(input, mask, { steps: 200 });
  const shown = masked(input, mask);
  const tiles = Array.from({ length: input.rows }, (_, i) => [row(input, i), row(shown, i), row(completed, i)]).flat();
  await writePng(`inpaint_${hide}.png`, grid(tiles, 28, 28, { columns: 12 }));
  console.log(`inpaint_${hide}.png: 12 test digits, each original, with the ${hide} half hidden, and completed`);
}
await rbm.dispose();

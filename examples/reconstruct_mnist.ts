// simple_rbm's reconstruct example: the first 10 MNIST test digits through the model that
// train_mnist saved. Usage: npm run train:mnist && npm run reconstruct:mnist
import { existsSync } from 'node:fs';
import { grid, loadMnist, RBM, row, writePng } from '../src/node.js';

const MODEL = 'rbm_mnist.safetensors';
if (!existsSync(MODEL)) {
  console.error(`${MODEL} not found: run npm run train:mnist first`);
  process.exit(1);
}
const rbm = await RBM.load(MODEL);
const { test } = await loadMnist();
const input = { data: test.images.data.subarray(0, 10 * 784), rows: 10, cols: 784 };
const output = await rbm.reconstruct(input);
for (let i = 0; i < 10; i++) {
  await writePng(`input_${i}.png`, grid([row(input, i)], 28, 28, { columns: 1, gap: 0 }));
  await writePng(`output_${i}.png`, grid([row(output, i)], 28, 28, { columns: 1, gap: 0 }));
  console.log(`input_${i}.png -> RBM -> output_${i}.png`);
}
await rbm.dispose();

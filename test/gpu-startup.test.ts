// Models created at the same moment, before Dawn has started, must share one Dawn instance: two
// instances side by side crashed the process (a segmentation fault in Dawn). This file's process
// has not used the GPU before this test, as each test file runs in a process of its own. A GPU
// suite: it fails without an adapter.
import { expect, it } from 'vitest';
import { RBM } from '../src/node.js';
import { binaryData } from './helpers.js';

it('trains two GPU models created at once, before the GPU has started', async () => {
  const x = binaryData(100, 20, 5);
  const models = [new RBM({ visible: 20, hidden: 8, useGPU: true, seed: 1 }), new RBM({ visible: 20, hidden: 8, useGPU: true, seed: 1 })];
  for (const m of models) await m.fit(x, { epochs: 2, batchSize: 25, verbose: false });
  const [a, b] = await Promise.all(models.map((m) => m.getParameters()));
  expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
  expect((await models[0].device()).backend).toBe('webgpu');
  await Promise.all(models.map((m) => m.dispose()));
});

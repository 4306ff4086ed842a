// A DBN whose layers run on the GPU: greedy training, features equal to the layers' stacked
// expectHidden, and the same model as the CPU reference's within float tolerance. A GPU suite:
// it fails without an adapter.
import { expect, it } from 'vitest';
import { DBN } from '../src/node.js';
import { binaryData, expectClose } from './helpers.js';

it('trains a DBN on the GPU as the CPU reference does', async () => {
  const x = binaryData(120, 20, 6, 0.4);
  const options = { layers: [20, 10, 5], learningRate: 0.05, gradient: 'mean' as const, seed: 3 };
  const [gpu, cpu] = [new DBN({ ...options, useGPU: true }), new DBN({ ...options, threads: 0 })];
  for (const dbn of [gpu, cpu]) await dbn.fit(x, { epochs: 2, batchSize: 20, verbose: false });
  expect(await Promise.all(gpu.layers.map(async (l) => (await l.device()).backend))).toEqual(['webgpu', 'webgpu']);
  const features = await gpu.transform(x);
  expect(features.data).toEqual((await gpu.layers[1].expectHidden(await gpu.layers[0].expectHidden(x))).data);
  expectClose(features.data, (await cpu.transform(x)).data, { atol: 1e-4, rtol: 1e-3, label: 'top features, GPU against the reference' });
  await Promise.all([gpu.dispose(), cpu.dispose()]);
});

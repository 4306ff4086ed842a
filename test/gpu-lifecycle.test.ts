import { describe, expect, it } from 'vitest';
import { gpuDevice } from './gpu-helpers.js';
import { RBM } from '../src/node.js';
import { binaryData } from './helpers.js';

const x = binaryData(300, 100, 31);
const wide = binaryData(50, 784, 32);

async function trainOnce(options: ConstructorParameters<typeof RBM>[0], data = x) {
  const rbm = new RBM(options);
  await rbm.fit(data, { epochs: 1, batchSize: 50, verbose: false });
  await rbm.expectHidden(data);
  return rbm;
}

describe('long-running use of the GPU backend', () => {
  it('trains and disposes many models without growing memory', async () => {
    // On one device, so that what is measured is this library's buffers, not what the driver
    // keeps for each device it has opened (lavapipe keeps about 0.4 MB).
    const { device } = await gpuDevice();
    try {
      const options = { visible: 784, hidden: 512, useGPU: true, gpu: { device } } as const;
      const rss = () => process.memoryUsage().rss / 2 ** 20;
      for (let i = 0; i < 15; i++) await (await trainOnce(options, wide)).dispose();
      const warmed = rss();
      for (let i = 0; i < 30; i++) await (await trainOnce(options, wide)).dispose();
      // Each model holds about 10 MB of GPU buffers (host memory on lavapipe): 30 leaked
      // models would add some 300 MB; what the allocator keeps around stays well below 60.
      const grown = rss() - warmed;
      console.log(`resident memory after 30 more models: ${grown.toFixed(1)} MiB more`);
      expect(grown, `resident memory grew from ${warmed.toFixed(0)} MiB to ${rss().toFixed(0)} MiB`).toBeLessThan(60);
    } finally {
      device.destroy();
    }
  });

  it('lets two models share one device, training at once', async () => {
    const { device } = await gpuDevice();
    try {
      const alone = await trainOnce({ visible: 100, hidden: 32, useGPU: true, seed: 1 });
      const expected = await alone.getParameters();
      await alone.dispose();
      const a = new RBM({ visible: 100, hidden: 32, useGPU: true, seed: 1, gpu: { device } });
      const b = new RBM({ visible: 100, hidden: 16, useGPU: true, seed: 2, gpu: { device } });
      await Promise.all([a, b].map((m) => m.fit(x, { epochs: 2, batchSize: 50, verbose: false })));
      await b.dispose();
      // Disposing b leaves the shared device open for a.
      expect((await a.expectHidden(x)).rows).toBe(300);
      const again = new RBM({ visible: 100, hidden: 32, useGPU: true, seed: 1, gpu: { device } });
      await again.fit(x, { epochs: 1, batchSize: 50, verbose: false });
      expect(Array.from((await again.getParameters()).weights)).toEqual(Array.from(expected.weights));
      await a.dispose();
      await again.dispose();
    } finally {
      device.destroy();
    }
  });
});

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_DIR, FileAccessError, loadFashionMnist, loadMnist, PIXEL_VALUES, RBM, type Matrix } from '../src/node.js';

function firstRows(m: Matrix, rows: number): Matrix {
  return { data: m.data.subarray(0, rows * m.cols), rows, cols: m.cols };
}

describe('MNIST', () => {
  it('loads all 60,000 training and 10,000 test digits, scaled to [0, 1]', async () => {
    const { train, test } = await loadMnist();
    expect([train.images.rows, train.images.cols, train.labels.length]).toEqual([60000, 784, 60000]);
    expect([test.images.rows, test.images.cols, test.labels.length]).toEqual([10000, 784, 10000]);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(Array.from(test.labels.subarray(0, 3))).toEqual([7, 2, 1]);
    let max = 0;
    for (const v of train.images.data) max = Math.max(max, v);
    expect(max).toBe(1);
  });

  it('gives the digits as 8-bit pixels too, each pixel / 255 as the float32 image', async () => {
    const { train, test } = await loadMnist();
    for (const set of [train, test]) {
      expect([set.pixels.rows, set.pixels.cols, set.pixels.pixels.length]).toEqual([set.images.rows, 784, set.images.rows * 784]);
      // A loop, not toEqual: a deep comparison of 47 million values takes minutes and gigabytes.
      const { pixels } = set.pixels;
      const images = set.images.data;
      let differ = 0;
      for (let k = 0; k < pixels.length; k++) if (PIXEL_VALUES[pixels[k]] !== images[k]) differ++;
      expect(differ).toBe(0);
    }
    expect(PIXEL_VALUES[255]).toBe(1);
    expect(PIXEL_VALUES[51]).toBe(Math.fround(0.2));
  });

  it('trains: a short run on 3,000 digits lowers the KL every epoch', async () => {
    const { train } = await loadMnist();
    const rbm = new RBM({ visible: 784, hidden: 32, learningRate: 1e-3 });
    const { klDivergence } = await rbm.fit(firstRows(train.images, 3000), { epochs: 3, batchSize: 100, verbose: false });
    expect(klDivergence[1]).toBeLessThan(klDivergence[0]);
    expect(klDivergence[2]).toBeLessThan(klDivergence[1]);
  });
});

describe('Fashion-MNIST', () => {
  it("loads Debian's dataset-fashion-mnist files", async () => {
    // CI installs the package; a developer machine without it must say so, not pass silently.
    expect(existsSync(FASHION_MNIST_DIR), `${FASHION_MNIST_DIR} is missing: apt-get install dataset-fashion-mnist`).toBe(true);
    const { train, test } = await loadFashionMnist();
    expect([train.images.rows, train.images.cols, test.images.rows]).toEqual([60000, 784, 10000]);
    expect(train.labels[0]).toBe(9);
  });

  it('says where the files were expected and how to get them', async () => {
    await expect(loadFashionMnist('/nonexistent/fashion')).rejects.toThrow(FileAccessError);
    await expect(loadFashionMnist('/nonexistent/fashion')).rejects.toThrow(/train-images-idx3-ubyte: no such file/);
  });
});

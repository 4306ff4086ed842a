import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeModel, GpuError, InvalidArgumentError, NonFiniteError, RBM, TrainingInterruptedError, type RbmOptions } from '../src/node.js';
import { binaryData } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbm-resume-'));
});

const x = binaryData(60, 10, 21);
const fitOptions = { epochs: 4, batchSize: 7, verbose: false } as const;

/**
 * A signal that reads as aborted from its (n + 1)-th look on. fit looks once before each epoch
 * and once after each batch but an epoch's last, so within the first epoch it stops after batch n.
 */
function abortAfter(n: number): AbortSignal {
  let looks = 0;
  return {
    get aborted() {
      return ++looks > n;
    },
    reason: new Error('stopped by the test'),
  } as unknown as AbortSignal;
}

async function finalState(rbm: RBM) {
  const s = await rbm.getState();
  return { parameters: s.parameters, history: s.history };
}

describe.each<[string, Partial<RbmOptions>]>([
  ['CPU', { useGPU: false }],
  ['GPU', { useGPU: true }],
])('interrupted and resumed on the %s', (_, device) => {
  const options = { visible: 10, hidden: 4, learningRate: 0.05, seed: 3, ...device };

  it('ends bit for bit equal to an uninterrupted run, wherever it stopped', async () => {
    const straight = new RBM(options);
    await straight.fit(x, fitOptions);
    const expected = await finalState(straight);
    await straight.dispose();

    // 8 batches an epoch (9 looks): stop mid-epoch 1, at the first epoch boundary, and mid-epoch 3.
    for (const stopAfter of [3, 8, 21]) {
      const path = join(dir, `${device.useGPU ? 'gpu' : 'cpu'}-${stopAfter}.safetensors`);
      const first = new RBM(options);
      const error = await first
        .fit(x, { ...fitOptions, checkpoint: path, signal: abortAfter(stopAfter) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrainingInterruptedError);
      expect((error as Error).message).toContain(`saved to ${path}`);
      await first.dispose();

      const second = new RBM(options);
      const lines: string[] = [];
      await second.fit(x, { ...fitOptions, verbose: true, log: (l) => lines.push(l), checkpoint: path, resumeFrom: path });
      expect(await finalState(second)).toEqual(expected);
      expect(lines.at(-1)).toMatch(/^Epoch \[4\/4\], KL Divergence: /);
      await second.dispose();
    }
  });
});

describe('continuing a loaded checkpoint', () => {
  it('finishes the stopped epoch first, then trains the epochs asked for', async () => {
    const options = { visible: 10, hidden: 4, learningRate: 0.05 };
    const straight = new RBM(options);
    await straight.fit(x, { ...fitOptions, epochs: 3 });
    const path = join(dir, 'loaded.safetensors');
    const first = new RBM(options);
    await first.fit(x, { ...fitOptions, epochs: 3, checkpoint: path, signal: abortAfter(5) }).catch(() => {});
    const state = await first.getState();
    expect(state.progress?.batchesDone).toBe(5);
    expect(state.history.epoch).toEqual([]);
    const loaded = await RBM.load(path);
    await loaded.fit(x, { ...fitOptions, epochs: 3 });
    expect(await finalState(loaded)).toEqual(await finalState(straight));
  });

  it('refuses other data or another batch size mid-epoch, before changing anything', async () => {
    const path = join(dir, 'mid.safetensors');
    const first = new RBM({ visible: 10, hidden: 4 });
    await first.fit(x, { ...fitOptions, checkpoint: path, signal: abortAfter(2) }).catch(() => {});
    const loaded = await RBM.load(path);
    const before = await loaded.getState();
    await expect(loaded.fit(x, { ...fitOptions, batchSize: 6 })).rejects.toThrow(InvalidArgumentError);
    await expect(loaded.fit(x, { ...fitOptions, batchSize: 6 })).rejects.toThrow(/same data and batch size/);
    expect(await loaded.getState()).toEqual(before);
  });

  it('checkpoints every N epochs and at the end', async () => {
    const path = join(dir, 'every.safetensors');
    const saved: number[] = [];
    const rbm = new RBM({ visible: 10, hidden: 4 });
    await rbm.fit(x, {
      ...fitOptions,
      epochs: 5,
      checkpoint: path,
      checkpointEvery: 2,
      // What the file holds when each epoch is reported (its checkpoint, if due, comes next).
      onEpoch: () => saved.push(existsSync(path) ? decodeModel(readFileSync(path), path).history.epoch.length : 0),
    });
    expect(saved).toEqual([0, 0, 2, 2, 4]);
    expect((await RBM.load(path)).epochsTrained).toBe(5);
  });
});

describe('training that diverges', () => {
  it.each([false, true])('stops with a NonFiniteError naming the epoch and batch, keeping the last good epoch (GPU: %s)', async (useGPU) => {
    const rbm = new RBM({ visible: 10, hidden: 4, useGPU, learningRate: 1e-3 });
    await rbm.fit(x, { ...fitOptions, epochs: 1 });
    const good = await rbm.getState();
    const diverging = new RBM({ visible: 10, hidden: 4, useGPU, learningRate: 1e38, momentum: 0 });
    await diverging.setState({ ...good, config: { ...good.config, learningRate: 1e38, momentum: 0 } });
    const error = await diverging.fit(x, { ...fitOptions, epochs: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as NonFiniteError).epoch).toBe(2);
    expect((error as NonFiniteError).batch).toBeGreaterThanOrEqual(1);
    expect((error as Error).message).toMatch(/epoch 2, batch \d+ produced a non-finite/);
    const after = await diverging.getState();
    expect(after.parameters).toEqual(good.parameters);
    expect(after.history).toEqual(good.history);
    // The device's copy was restored too: inference uses the good parameters.
    const [a, b] = [await rbm.expectHidden(x), await diverging.expectHidden(x)];
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    await rbm.dispose();
    await diverging.dispose();
  });
});

describe('losing the GPU mid-fit', () => {
  it('raises a typed error and keeps the last completed epoch on the host, to continue on the CPU', async () => {
    const { device } = await (await import('./gpu-helpers.js')).gpuDevice();
    const rbm = new RBM({ visible: 10, hidden: 4, useGPU: true, gpu: { device } });
    const error = await rbm
      .fit(x, { ...fitOptions, onEpoch: (r) => r.epoch === 2 && device.destroy() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuError);
    expect((error as GpuError).kind).toBe('device-lost');
    const state = await rbm.getState();
    expect(state.history.epoch).toEqual([1, 2]);

    const reference = new RBM({ visible: 10, hidden: 4 });
    await reference.fit(x, { ...fitOptions, epochs: 2 });
    const expected = await reference.getState();
    for (const key of ['weights', 'hiddenBias'] as const) {
      state.parameters[key].forEach((v, i) => expect(v).toBeCloseTo(expected.parameters[key][i], 5));
    }
    const cpu = await RBM.fromState(state, { useGPU: false });
    await cpu.fit(x, { ...fitOptions, epochs: 2 });
    expect(cpu.epochsTrained).toBe(4);
    await expect(rbm.expectHidden(x)).rejects.toThrow(GpuError);
  });
});

import { BufferUsage } from '../src/backend/webgpu/constants.js';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, EpochPlan, EpochResult, TrainingRule } from '../src/backend/backend.js';
import { dawnProvider } from '../src/platform/dawn.js';
import { setGpuProvider } from '../src/platform/platform.js';
import type { GpuData } from '../src/backend/webgpu/resident-data.js';
import { guarded } from '../src/backend/webgpu/buffers.js';
import { BackendUnavailableError, GpuError, InvalidArgumentError, loadMnist, RBM, type Matrix } from '../src/node.js';
import { Phase, philoxUniforms, type DrawAddress } from '../src/rng/stream.js';
import { backendPair, gpuBackend, gpuDevice } from './gpu-helpers.js';
import { bundleScript } from './child.js';
import { binaryData, epochPlan, expectClose, PARAMETER_KEYS, parametersFor, randomParameters, RULES } from './helpers.js';

const plan = (rows: number, batchSize: number, epoch = 0): EpochPlan =>
  epochPlan(rows, batchSize, 1, epoch, { learningRate: 0.1, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 });

describe('data larger than one storage binding', () => {
  // 8 visible units are 32 bytes a row: a 256-byte limit holds 8 rows, so 40 rows need 5 chunks.
  const V = 8;
  const H = 4;
  const limit = { maxBindingBytes: 256 };

  it('is split into chunks and trains exactly as unchunked', async () => {
    const x = binaryData(40, V, 11);
    const parameters = randomParameters(V, H, 7, 0.5);
    const chunked = await gpuBackend(V, H, limit);
    const whole = await gpuBackend(V, H);
    const backends: Backend[] = [chunked, whole];
    try {
      const data = (await chunked.upload(x)) as GpuData;
      expect(data.chunks.map((c) => c.rows)).toEqual([8, 8, 8, 8, 8]);
      const results = [];
      for (const [backend, resident] of [
        [chunked, data],
        [whole, await whole.upload(x)],
      ] as const) {
        await backend.setParameters(parameters);
        const kl = [];
        for (let e = 0; e < 2; e++) kl.push(...(await backend.trainEpoch(resident, plan(40, 4, e))).losses);
        results.push({ kl, p: await backend.getParameters() });
      }
      expect(results[0].kl).toEqual(results[1].kl);
      expect(Array.from(results[0].p.weights)).toEqual(Array.from(results[1].p.weights));
    } finally {
      for (const b of backends) await b.dispose();
    }
  });

  it('is propagated in several calls with the same draws as the CPU', async () => {
    const { cpu, gpu } = await backendPair(V, H, randomParameters(V, H, 3), limit);
    try {
      const x = binaryData(40, V, 12, 0.5);
      const draw: DrawAddress = { seed: 2, phase: Phase.inferHidden, epoch: 1, batch: 0 };
      const p = (await cpu.propagate(x, 'hidden')).data;
      expectClose((await gpu.propagate(x, 'hidden')).data, p);
      const u = new Float32Array(p.length);
      philoxUniforms(draw, 40, H, u);
      const [a, b] = [(await cpu.propagate(x, 'hidden', draw)).data, (await gpu.propagate(x, 'hidden', draw)).data];
      const unexplained = a.filter((s, k) => s !== b[k] && Math.abs(p[k] - u[k]) >= 1e-5).length;
      expect(unexplained).toBe(0);
    } finally {
      await gpu.dispose();
    }
  });

  it('refuses a batch whose stacked buffer exceeds the limit, before changing anything', async () => {
    const rbm = new RBM({ visible: V, hidden: H, useGPU: true, gpu: limit });
    try {
      const before = await rbm.getParameters();
      await expect(rbm.fit(binaryData(40, V, 1), { epochs: 1, batchSize: 10, verbose: false })).rejects.toThrow(InvalidArgumentError);
      await expect(rbm.fit(binaryData(40, V, 1), { epochs: 1, batchSize: 10, verbose: false })).rejects.toThrow(/use at most 4/);
      expect(Array.from((await rbm.getParameters()).weights)).toEqual(Array.from(before.weights));
      expect(rbm.history.epoch).toEqual([]);
    } finally {
      await rbm.dispose();
    }
  });
});

describe('training MNIST on the GPU', () => {
  it('gives per-epoch KL within 1e-3 of the CPU backend (seeded, 2,000 digits)', async () => {
    const { train } = await loadMnist();
    const x: Matrix = { data: train.images.data.subarray(0, 2000 * 784), rows: 2000, cols: 784 };
    const curves: number[][] = [];
    const lines: string[] = [];
    for (const useGPU of [false, true]) {
      const rbm = new RBM({ visible: 784, hidden: 32, useGPU, seed: 4, learningRate: 1e-3 });
      try {
        curves.push((await rbm.fit(x, { epochs: 3, batchSize: 100, log: (l) => lines.push(l) })).klDivergence);
      } finally {
        await rbm.dispose();
      }
    }
    expectClose(curves[1], curves[0], { atol: 1e-3, rtol: 0, label: 'KL per epoch' });
    expect(curves[1][2]).toBeLessThan(curves[1][0]);
    expect(lines).toContain('# GPU usage has been enabled. Computation will proceed on the GPU.\n' + lines.find((l) => l.includes('WebGPU adapter'))!.split('\n')[1]);
  });
});

describe('without an adapter', () => {
  afterEach(() => setGpuProvider(dawnProvider));
  const noAdapter = async () => ({ requestAdapter: async () => null }) as unknown as GPU;

  it('useGPU: true fails with a typed error that says how to get one', async () => {
    setGpuProvider(noAdapter);
    const rbm = new RBM({ visible: 4, hidden: 2, useGPU: true });
    const error = await rbm.expectHidden([[0, 1, 0, 1]]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(/No WebGPU adapter was found.*lavapipe/);
  });

  it("useGPU: 'auto' falls back to the CPU and says so", async () => {
    setGpuProvider(noAdapter);
    const lines: string[] = [];
    const rbm = new RBM({ visible: 4, hidden: 2, useGPU: 'auto' });
    await rbm.fit([[0, 1, 0, 1]], { epochs: 1, batchSize: 1, log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/^# Computation will proceed on the CPU\.\n# CPU: WebAssembly SIMD, \d+ threads?\n# useGPU: 'auto' found no WebGPU adapter \(No WebGPU adapter was found\)\.$/);
  });

  it("useGPU: 'auto' picks the GPU when there is one", async () => {
    const lines: string[] = [];
    const rbm = new RBM({ visible: 4, hidden: 2, useGPU: 'auto' });
    await rbm.fit([[0, 1, 0, 1]], { epochs: 1, batchSize: 1, log: (l) => lines.push(l) });
    await rbm.dispose();
    expect(lines[0]).toMatch(/^# GPU usage has been enabled/);
  });
});

describe('centring on the GPU', () => {
  const V = 9;
  const H = 5;
  const x = binaryData(24, V, 13);
  const centred = RULES.find((r) => r.centring && !r.persistent)!;
  const plain = RULES[0];

  it('a plain model reads back no offset keys, before and after an epoch, even after a centred one', async () => {
    const gpu = await gpuBackend(V, H);
    try {
      await gpu.setParameters(parametersFor(centred, V, H, 5));
      await gpu.setParameters(parametersFor(plain, V, H, 5));
      const offsetKeys = (p: object) => Object.keys(p).filter((k) => k.endsWith('Offset'));
      expect(offsetKeys(await gpu.getParameters())).toEqual([]);
      const result = await gpu.trainEpoch(await gpu.upload(x), epochPlan(24, 8, 2, 0, plain));
      expect(offsetKeys(result.parameters)).toEqual([]);
      expect(offsetKeys(await gpu.getParameters())).toEqual([]);
    } finally {
      await gpu.dispose();
    }
  });

  it('refuses a centring rule for a model without offsets', async () => {
    const gpu = await gpuBackend(V, H);
    try {
      await gpu.setParameters(parametersFor(plain, V, H, 5));
      await expect(gpu.trainEpoch(await gpu.upload(x), epochPlan(24, 8, 2, 0, centred))).rejects.toThrow(InvalidArgumentError);
    } finally {
      await gpu.dispose();
    }
  });

  it('restores the offsets with the rest when an epoch diverges, and then trains as the CPU does', async () => {
    const start = parametersFor(centred, V, H, 6, 0.5);
    const { cpu, gpu } = await backendPair(V, H, start);
    try {
      const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
      const diverging = epochPlan(24, 8, 2, 0, { ...centred, learningRate: 1e38, momentum: 0 });
      const result = await gpu.trainEpoch(gpuData, diverging);
      expect(result.nonFiniteBatch).toBe((await cpu.trainEpoch(cpuData, diverging)).nonFiniteBatch);
      expect(result.nonFiniteBatch).toBeDefined();
      for (const p of [result.parameters, await gpu.getParameters()]) {
        for (const key of PARAMETER_KEYS) expect(Array.from(p[key]!), key).toEqual(Array.from(start[key]!));
      }
      const good = epochPlan(24, 8, 2, 1, centred);
      const kl = [(await cpu.trainEpoch(cpuData, good)).losses, (await gpu.trainEpoch(gpuData, good)).losses];
      expectClose(kl[1], kl[0], { atol: 1e-5, rtol: 1e-5, label: 'KL per batch' });
      const [pa, pb] = [await cpu.getParameters(), await gpu.getParameters()];
      for (const key of PARAMETER_KEYS) expectClose(pb[key]!, pa[key]!, { atol: 1e-5, rtol: 1e-4, label: key });
    } finally {
      await cpu.dispose();
      await gpu.dispose();
    }
  });
});

describe('GPU errors', () => {
  it('are caught with error scopes and raised as typed errors', async () => {
    const { device } = await gpuDevice();
    try {
      const error = await guarded(device, 'making a bad buffer', () =>
        device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.STORAGE }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GpuError);
      expect((error as GpuError).kind).toBe('validation');
      expect((error as Error).message).toMatch(/^making a bad buffer: /);
    } finally {
      device.destroy();
    }
  });
});

describe('a script that trains on the GPU', () => {
  it('exits promptly once it disposes the model', async () => {
    const out = await bundleScript(
      'exit',
      `import { RBM } from LIBRARY;
       const rbm = new RBM({ visible: 6, hidden: 3, useGPU: true });
       await rbm.fit([[1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1]], { epochs: 2, batchSize: 1, verbose: false });
       await rbm.dispose();
       console.log('done');`,
    );
    const started = Date.now();
    const child = spawnSync(process.execPath, [out], { cwd: process.cwd(), timeout: 30_000, encoding: 'utf8' });
    expect(child.stdout.trim(), child.stderr).toBe('done');
    expect(child.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('parallel tempering on the GPU', () => {
  const [V, H, rows] = [9, 6, 30];
  const x = binaryData(rows, V, 14);
  const rule: TrainingRule = {
    learningRate: 0.1, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 3, persistent: true, weightDecay: 0,
    parallelTempering: { temperatures: 2 },
  };

  async function compare(cpu: Backend, gpu: Backend, a: EpochResult, b: EpochResult, label: string) {
    expectClose(b.losses, a.losses, { atol: 1e-5, rtol: 1e-5, label: `${label}: KL per batch` });
    expect(b.swaps, `${label}: swaps`).toEqual(a.swaps);
    const [pa, pb] = [await cpu.getParameters(), await gpu.getParameters()];
    for (const key of PARAMETER_KEYS) expectClose(pb[key] ?? [], pa[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
    expect(Array.from(pb.hiddenChains!), `${label}: chains`).toEqual(Array.from(pa.hiddenChains!));
  }

  it('with two temperatures offers no swap on the even sweeps, as the reference', async () => {
    const { cpu, gpu } = await backendPair(V, H, randomParameters(V, H, 21, 1));
    try {
      const plan = epochPlan(rows, 8, 4, 0, rule);
      const [a, b] = [await cpu.trainEpoch(await cpu.upload(x), plan), await gpu.trainEpoch(await gpu.upload(x), plan)];
      await compare(cpu, gpu, a, b, 'M = 2');
      // Sweeps 1 and 3 offer each row's one pair; sweep 2 offers none.
      expect(b.swaps!.tried).toBe(2 * rows);
    } finally {
      await cpu.dispose();
      await gpu.dispose();
    }
  });

  it('submitted batch by batch, or stopped early, counts the swaps of the batches trained', async () => {
    const tempered = { ...rule, parallelTempering: { temperatures: 5 }, cdSteps: 1 };
    const { cpu, gpu } = await backendPair(V, H, randomParameters(V, H, 22, 1));
    try {
      const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
      const seen: number[] = [];
      const perBatch = { ...epochPlan(rows, 8, 4, 0, tempered), onBatch: (b: number) => seen.push(b) };
      const reference = await cpu.trainEpoch(cpuData, perBatch);
      seen.length = 0;
      await compare(cpu, gpu, reference, await gpu.trainEpoch(gpuData, perBatch), 'batch by batch');
      expect(seen).toEqual([0, 1, 2]);
      const stopping = (controller: AbortController) => ({ ...epochPlan(rows, 8, 4, 1, tempered), onBatch: () => controller.abort(), signal: controller.signal });
      const [a, b] = [await cpu.trainEpoch(cpuData, stopping(new AbortController())), await gpu.trainEpoch(gpuData, stopping(new AbortController()))];
      expect(b.stopped).toBe(true);
      expect(b.losses).toHaveLength(1);
      await compare(cpu, gpu, a, b, 'stopped');
    } finally {
      await cpu.dispose();
      await gpu.dispose();
    }
  });

  it('restores the chains when an epoch diverges, and then trains as the CPU does', async () => {
    const start = { ...randomParameters(V, H, 23, 0.5), hiddenChains: binaryData(10 * 3, H, 24, 0.5).data };
    const tempered = { ...rule, parallelTempering: { temperatures: 3 }, cdSteps: 2 };
    const { cpu, gpu } = await backendPair(V, H, start);
    try {
      const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
      // A summed gradient overflows float32 weights in the first batch on both backends.
      const diverging = epochPlan(rows, 10, 2, 0, { ...tempered, learningRate: 1e38, momentum: 0, gradient: 'sum' });
      const result = await gpu.trainEpoch(gpuData, diverging);
      expect(result.nonFiniteBatch).toBeDefined();
      expect(result.nonFiniteBatch).toBe((await cpu.trainEpoch(cpuData, diverging)).nonFiniteBatch);
      expect(Array.from((await gpu.getParameters()).hiddenChains!)).toEqual(Array.from(start.hiddenChains));
      const good = epochPlan(rows, 10, 2, 1, tempered);
      await compare(cpu, gpu, await cpu.trainEpoch(cpuData, good), await gpu.trainEpoch(gpuData, good), 'after the restore');
    } finally {
      await cpu.dispose();
      await gpu.dispose();
    }
  });

  it('through the model: useGPU gives the reference backend’s swap rates and KL', async () => {
    const runs: { rates: number[]; kl: number[] }[] = [];
    for (const useGPU of [false, true]) {
      const rates: number[] = [];
      const rbm = new RBM({
        visible: V, hidden: H, useGPU, threads: 0, seed: 7, persistent: true, parallelTempering: { temperatures: 4 }, learningRate: 0.05, gradient: 'mean', momentum: 0,
      });
      try {
        const kl = (await rbm.fit(x, { epochs: 2, batchSize: 10, verbose: false, onEpoch: (r) => rates.push(r.swapRate!) })).klDivergence;
        runs.push({ rates, kl });
      } finally {
        await rbm.dispose();
      }
    }
    expect(runs[1].rates).toEqual(runs[0].rates);
    expect(runs[1].rates.every((r) => r > 0 && r < 1)).toBe(true);
    expectClose(runs[1].kl, runs[0].kl, { atol: 1e-5, rtol: 1e-5, label: 'KL per epoch' });
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { guarded } from '../src/backend/webgpu/buffers.js';
import { Kernels } from '../src/backend/webgpu/kernels.js';
import { Epilogue, UNIFORM_STRIDE } from '../src/backend/webgpu/params.js';
import { Rule, Step, UNIFORM_STRUCTS, uniformStruct } from '../src/backend/webgpu/uniforms.js';
import type { WebGpuBackend } from '../src/backend/webgpu/webgpu-backend.js';
import { gpuBackend } from './gpu-helpers.js';

describe('uniform structs', () => {
  it('declares the WGSL struct from the TypeScript one', () => {
    expect(Step.wgsl).toBe(
      'struct Step {\n  rows: u32,\n  start: u32,\n  drawBatch: u32,\n  drawEpoch: u32,\n  index: u32,\n  rowOffset: u32,\n}\n',
    );
    expect(uniformStruct('Mixed', { a: 'u32', b: 'i32', c: 'f32' }).wgsl).toBe('struct Mixed {\n  a: u32,\n  b: i32,\n  c: f32,\n}\n');
  });

  it('rounds the size up to 16 bytes', () => {
    expect(Step.size).toBe(32);
    expect(Rule.size).toBe(32);
    expect(uniformStruct('One', { a: 'u32' }).size).toBe(16);
    expect(uniformStruct('Four', { a: 'u32', b: 'u32', c: 'u32', d: 'u32' }).size).toBe(16);
    for (const s of UNIFORM_STRUCTS) expect(s.size).toBeLessThanOrEqual(UNIFORM_STRIDE);
  });

  it('packs each field at its offset, u32, i32 and f32 alike', () => {
    const bytes = Rule.pack({ seed: 0xdeadbeef, bySamples: 1, meanGradient: 0, momentum: 0.9, stepSize: -0.25, decayStep: 1e-3 });
    expect(bytes.byteLength).toBe(Rule.size);
    const view = new DataView(bytes);
    expect(view.getUint32(0, true)).toBe(0xdeadbeef);
    expect(view.getUint32(4, true)).toBe(1);
    expect(view.getUint32(8, true)).toBe(0);
    expect(view.getFloat32(12, true)).toBe(Math.fround(0.9));
    expect(view.getFloat32(16, true)).toBe(-0.25);
    expect(view.getFloat32(20, true)).toBe(Math.fround(1e-3));
    expect(new Uint32Array(bytes, 24, 2)).toEqual(new Uint32Array(2));

    const signed = uniformStruct('Signed', { x: 'i32' }).pack({ x: -2 });
    expect(new DataView(signed).getInt32(0, true)).toBe(-2);
  });

  it('packs into a larger buffer at an offset, leaving the rest alone', () => {
    const target = new ArrayBuffer(2 * UNIFORM_STRIDE);
    new Uint8Array(target).fill(0xff);
    const at = UNIFORM_STRIDE;
    const returned = Step.pack({ rows: 7, start: 20, drawBatch: 3, drawEpoch: 4, index: 5, rowOffset: 6 }, target, at);
    expect(returned).toBe(target);
    expect(Array.from(new Uint32Array(target, at, 6))).toEqual([7, 20, 3, 4, 5, 6]);
    expect(new Uint8Array(target, 0, at).every((b) => b === 0xff)).toBe(true);
    expect(new Uint8Array(target, at + 24).every((b) => b === 0xff)).toBe(true);
  });

  it('requires every field by name', () => {
    const missing = { seed: 1, bySamples: 1, meanGradient: 0, momentum: 0, stepSize: 0 };
    // @ts-expect-error decayStep is missing
    expect(() => Rule.pack(missing)).toThrow(/Rule\.decayStep is missing/);
    // @ts-expect-error a misspelled field
    Step.pack({ rows: 1, start: 0, drawBatch: 0, drawEpoch: 0, index: 0, rowOffset: 0, rowOfset: 0 });
  });
});

describe('every kernel module', () => {
  const open: WebGpuBackend[] = [];
  afterAll(async () => {
    for (const b of open) await b.dispose();
  });

  it('compiles on the GPU with the structs prepended', async () => {
    const backend = await gpuBackend(3, 2);
    open.push(backend);
    const device = backend['device'];
    const kernels = new Kernels(device);
    const matmuls = [false, true].flatMap((transposeB) =>
      Object.values(Epilogue).map((epilogue) => kernels.matmul({ transposeB, epilogue })),
    );
    // Gaussian visible units' kernels and variants, and AIS's, which share their normals.
    const gaussian = [false, true].flatMap((units) => [
      kernels.lossReduce(units), kernels.partition(units), kernels.annealProduct(true, units), kernels.annealProduct(false, units), kernels.annealWeights(units),
    ]);
    const pipelines = await guarded(device, 'compiling every kernel', () =>
      Promise.all([...matmuls, ...gaussian, kernels.gradient(), kernels.update(), kernels.gather(), kernels.gaussianVisible(), kernels.logVariance()]),
    );
    expect(pipelines).toHaveLength(2 * Object.keys(Epilogue).length + 10 + 5);
    kernels.destroy();
  });
});

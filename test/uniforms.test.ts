import { afterAll, describe, expect, it } from 'vitest';
import { createBuffer, guarded, Usage } from '../src/backend/webgpu/buffers.js';
import { dispatchAndRead } from '../src/backend/webgpu/dispatch.js';
import { Kernels } from '../src/backend/webgpu/kernels.js';
import { Epilogue, matmulShape, UNIFORM_STRIDE } from '../src/backend/webgpu/params.js';
import { bindGroupEntries, bindingDeclarations, program, write, type Bindings, type Program } from '../src/backend/webgpu/program.js';
import {
  annealProduct, annealWeights, centredBiases, clamp, classScores, gammaStep, gather, gatherPixels, gaussianVisible, gradient, hiddenOffset, labelDraw, labelGather,
  labelTerm, labelUpdate, logVariance, lossReduce, matmul, partition, PROGRAMS, softmaxGroups, softmaxLoss, temperedEnergy, temperedStatistics,
  temperedSwap, update,
} from '../src/backend/webgpu/programs.js';
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

describe('program descriptions', () => {
  const buffer = (label: string) => ({ label }) as GPUBuffer;
  const [partials, losses, call] = [buffer('partials'), buffer('losses'), buffer('call')];

  it('declares the bindings in description order, then group 1', () => {
    expect(bindingDeclarations(lossReduce)).toBe(
      '@group(0) @binding(0) var<storage, read> lossPartials: array<f32>;\n' +
        '@group(0) @binding(1) var<storage, read_write> epochLoss: array<f32>;\n' +
        '@group(0) @binding(2) var<uniform> call: LossCall;\n' +
        '@group(1) @binding(0) var<uniform> step: Step;\n',
    );
    expect(bindingDeclarations(partition)).not.toMatch(/@group\(1\)/);
  });

  it('leaves the bindings to the descriptions: no .wgsl file declares one', () => {
    for (const p of PROGRAMS) for (const source of p.sources) expect(source).not.toMatch(/@binding/);
  });

  it('binds by name, each resource at its binding, and names a binding missing or unknown', () => {
    const range = { buffer: losses, offset: 256, size: 16 };
    const entries = bindGroupEntries(lossReduce, { call, epochLoss: range, lossPartials: partials });
    expect(entries).toEqual([
      { binding: 0, resource: { buffer: partials } },
      { binding: 1, resource: range },
      { binding: 2, resource: { buffer: call } },
    ]);
    // @ts-expect-error call is missing
    expect(() => bindGroupEntries(lossReduce, { lossPartials: partials, epochLoss: losses })).toThrow(/loss reduce program's binding call is missing/);
    // @ts-expect-error a name the program does not have
    expect(() => bindGroupEntries(lossReduce, { lossPartials: partials, epochLoss: losses, call, partial: partials })).toThrow(/has no binding partial/);
  });
});

describe('every kernel module', () => {
  const open: WebGpuBackend[] = [];
  afterAll(async () => {
    for (const b of open) await b.dispose();
  });

  async function kernelsOnGpu(): Promise<{ device: GPUDevice; kernels: Kernels }> {
    const backend = await gpuBackend(3, 2);
    open.push(backend);
    const device = backend['device'];
    return { device, kernels: new Kernels(device) };
  }

  it('compiles on the GPU, every program and variant, with the structs and bindings prepended', async () => {
    const { device, kernels } = await kernelsOnGpu();
    const matmuls = [false, true].flatMap((transposeB) => Object.values(Epilogue).map((epilogue) => kernels.get(matmul, { transposeB, epilogue })));
    const variants = [
      kernels.get(matmul, { transposeB: false, epilogue: Epilogue.sample, tempered: true }),
      kernels.get(matmul, { transposeB: false, epilogue: Epilogue.sample, labelled: true }),
      kernels.get(matmul, { transposeB: true, epilogue: Epilogue.probability, clamped: true, shape: matmulShape(3, 3), step: 'fixed' }),
      kernels.get(update, { centred: true }),
      kernels.get(classScores, { posterior: true }),
      kernels.get(labelTerm, { combine: true }),
      kernels.get(gaussianVisible, { step: 'fixed' }),
      kernels.get(softmaxGroups, { step: 'fixed' }),
      kernels.get(clamp, { step: 'fixed' }),
    ];
    // Gaussian visible units' kernels and variants, and AIS's, which share their normals.
    const gaussian = [false, true].flatMap((units) => [
      kernels.get(lossReduce, { squaredError: units }),
      kernels.get(partition, { gaussian: units }),
      kernels.get(annealProduct, { up: true, gaussian: units }),
      kernels.get(annealProduct, { up: false, gaussian: units }),
      kernels.get(annealWeights, { gaussian: units }),
    ]);
    const programs: Program<Bindings>[] = [
      gradient, update, gammaStep, centredBiases, hiddenOffset, gather, gatherPixels, gaussianVisible, logVariance, labelGather, labelUpdate, labelDraw,
      softmaxGroups, softmaxLoss, clamp, temperedEnergy, temperedSwap, temperedStatistics,
    ];
    const single = programs.map((p) => kernels.get(p));
    const all = await guarded(device, 'compiling every kernel', () =>
      Promise.all([...matmuls, ...variants, ...gaussian, kernels.get(classScores, { posterior: false }), kernels.get(labelTerm, { combine: false }), ...single]),
    );
    expect(new Set(all.map((k) => k.pipeline)).size).toBe(2 * Object.keys(Epilogue).length + 9 + 10 + 2 + 18);
    expect(new Set(all.map((k) => k.program))).toEqual(new Set(PROGRAMS));
    // Asked again, a variant is the pipeline already made.
    expect(await kernels.get(update, { centred: true })).toBe(all[2 * Object.keys(Epilogue).length + 3]);
    kernels.destroy();
  });

  it("splices a variant's snippets into its module, each text its own pipeline", async () => {
    const { device, kernels } = await kernelsOnGpu();
    const probe = program({
      name: 'snippet probe',
      sources: ['@compute @workgroup_size(1) fn main() { out[0] = value(); }'],
      bindings: { out: write() },
      step: null,
      variant: (o: { readonly value: number }) => ({ constants: {}, snippets: [{ name: `value ${o.value}`, wgsl: `fn value() -> f32 { return ${o.value}.0; }` }] }),
    });
    const values = await guarded(device, 'snippets', async () => {
      const read = async (value: number) => {
        const kernel = await kernels.get(probe, { value });
        const out = createBuffer(device, 'out', 4, Usage.storage);
        try {
          const bytes = await dispatchAndRead(device, 'probe', [kernel.dispatch('probe', { out }, 1)], undefined, { out: { buffer: out, bytes: 4 } });
          return new Float32Array(bytes.out)[0];
        } finally {
          out.destroy();
        }
      };
      return [await read(1), await read(2), await read(1)];
    });
    expect(values).toEqual([1, 2, 1]);
    expect(await kernels.get(probe, { value: 2 })).not.toBe(await kernels.get(probe, { value: 1 }));
    expect((await kernels.get(probe, { value: 2 })).pipeline.label).toBe('snippet probe value 2');
    kernels.destroy();
  });
});

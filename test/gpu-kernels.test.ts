import { BufferUsage, MapMode } from '../src/backend/webgpu/constants.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, TrainingRule } from '../src/backend/backend.js';
import { matmulShape, prelude } from '../src/backend/webgpu/params.js';
import { matrix } from '../src/matrix.js';
import { Phase, philoxUniforms, type DrawAddress } from '../src/rng/stream.js';
import philoxSource from '../shaders/philox.wgsl';
import { backendPair, gpuDevice } from './gpu-helpers.js';
import { binaryData, epochPlan, expectClose, fixture, PARAMETER_KEYS, parametersFor, RULES } from './helpers.js';

const open: Backend[] = [];
async function pair(V: number, H: number, seed: number, scale = 1, rule = RULES[0]) {
  const p = await backendPair(V, H, parametersFor(rule, V, H, seed, scale));
  open.push(p.cpu, p.gpu);
  return p;
}
afterAll(async () => {
  for (const b of open) await b.dispose();
});

// Shapes with sizes that are not multiples of the tiles (64) or of the vec4 (4).
const SHAPES: [visible: number, hidden: number, rows: number][] = [
  [1, 1, 1],
  [7, 5, 3],
  [13, 67, 65],
  [785, 7, 130],
];

describe('Philox on the GPU', () => {
  it("matches Random123's known answers and the CPU stream", async () => {
    const { device } = await gpuDevice();
    try {
      const cases = [
        [0, 0, 0, 0, 0, 0],
        [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
        [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0],
      ];
      const code = `${prelude()}${philoxSource}
        @group(0) @binding(0) var<storage, read> inputs: array<u32>;
        @group(0) @binding(1) var<storage, read_write> outputs: array<u32>;
        @compute @workgroup_size(1) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
          let i = id.x * 6u;
          let w = philox(vec4<u32>(inputs[i], inputs[i + 1u], inputs[i + 2u], inputs[i + 3u]), vec2<u32>(inputs[i + 4u], inputs[i + 5u]));
          outputs[id.x * 4u] = w.x; outputs[id.x * 4u + 1u] = w.y; outputs[id.x * 4u + 2u] = w.z; outputs[id.x * 4u + 3u] = w.w;
        }`;
      const input = device.createBuffer({ size: 72, usage: BufferUsage.STORAGE, mappedAtCreation: true });
      new Uint32Array(input.getMappedRange()).set(cases.flat());
      input.unmap();
      const output = device.createBuffer({ size: 48, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC });
      const read = device.createBuffer({ size: 48, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }) } });
      const group = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: input } },
          { binding: 1, resource: { buffer: output } },
        ],
      });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(3);
      pass.end();
      encoder.copyBufferToBuffer(output, 0, read, 0, 48);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(MapMode.READ);
      expect(Array.from(new Uint32Array(read.getMappedRange()))).toEqual([
        0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8, 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd, 0xd16cfe09,
        0x94fdcceb, 0x5001e420, 0x24126ea1,
      ]);
    } finally {
      device.destroy();
    }
  });
});

describe.each(SHAPES)('matmul kernels at %i visible × %i hidden, %i rows', (V, H, rows) => {
  let cpu: Backend;
  let gpu: Backend;
  beforeAll(async () => {
    ({ cpu, gpu } = await pair(V, H, V * 1000 + H));
  });

  it('hidden probabilities (X·W + c, σ) match the CPU', async () => {
    const x = matrix(rows, V, fixture(rows * V, 1));
    expectClose((await gpu.propagate(x, 'hidden')).data, (await cpu.propagate(x, 'hidden')).data, { atol: 1e-6, rtol: 1e-5 });
  });

  it('visible probabilities (h·Wᵀ + b, σ) match the CPU', async () => {
    const h = binaryData(rows, H, 2, 0.5);
    expectClose((await gpu.propagate(h, 'visible')).data, (await cpu.propagate(h, 'visible')).data, { atol: 1e-6, rtol: 1e-5 });
  });

  it('pre-activations (the raw activation epilogue, what energies and free energies are made of) match the CPU', async () => {
    const v = binaryData(rows, V, 3, 0.5);
    const h = binaryData(rows, H, 4, 0.5);
    expectClose((await gpu.preActivations(v, 'hidden')).data, (await cpu.preActivations(v, 'hidden')).data, { atol: 1e-4, rtol: 1e-5, label: "c + v'·W" });
    expectClose((await gpu.preActivations(h, 'visible')).data, (await cpu.preActivations(h, 'visible')).data, { atol: 1e-4, rtol: 1e-5, label: 'b + h·Wᵀ' });
  });

  it.each(['hidden', 'visible'] as const)('sampled %s bits equal the CPU’s wherever p is not within 1e-5 of its draw', async (to) => {
    const inputCols = to === 'hidden' ? V : H;
    const outCols = to === 'hidden' ? H : V;
    const x = binaryData(rows, inputCols, 5, 0.5);
    const draw: DrawAddress = { seed: 9, phase: to === 'hidden' ? Phase.inferHidden : Phase.inferVisible, epoch: 4, batch: 2 };
    const p = await cpu.propagate(x, to);
    const [a, b] = [await cpu.propagate(x, to, draw), await gpu.propagate(x, to, draw)];
    const u = new Float32Array(rows * outCols);
    philoxUniforms(draw, rows, outCols, u);
    const unexplained: string[] = [];
    for (let k = 0; k < u.length; k++) {
      if (a.data[k] !== b.data[k] && Math.abs(p.data[k] - u[k]) >= 1e-5) {
        unexplained.push(`[${Math.floor(k / outCols)}, ${k % outCols}] cpu ${a.data[k]} gpu ${b.data[k]} p ${p.data[k]} u ${u[k]}`);
      }
    }
    expect(unexplained.slice(0, 8), `${unexplained.length} differing bits`).toEqual([]);
    expect(b.data.every((s) => s === 0 || s === 1)).toBe(true);
  });
});

describe('matmul workgroup shapes', () => {
  it('a narrow product read directly gives the tiled product’s bits (probabilities and samples)', async () => {
    // Ten rows take narrow, direct workgroups (matmulShape); a hundred take the wide tiles.
    const [V, H, rows, few] = [100, 100, 100, 10];
    expect([matmulShape(few, H).direct, matmulShape(rows, H).direct]).toEqual([true, false]);
    const { gpu } = await pair(V, H, 77);
    const x = binaryData(rows, V, 12, 0.5);
    for (const to of ['hidden', 'visible'] as const) {
      for (const draw of [undefined, { seed: 9, phase: Phase.inferHidden, epoch: 1, batch: 0 }]) {
        const all = await gpu.propagate(x, to, draw);
        const first = await gpu.propagate(matrix(few, V, x.data.slice(0, few * V)), to, draw);
        expectClose(first.data, all.data.subarray(0, few * H), { atol: 0, rtol: 0, label: `${to}, ${draw ? 'samples' : 'probabilities'}` });
      }
    }
  });
});

describe.each(SHAPES.slice(1))('one training epoch at %i × %i on %i rows', (V, H, rows) => {
  it.each(RULES)('matches the CPU: gather, forward products, gradient, update, KL and chains (%j)', async (rule) => {
    const { cpu, gpu } = await pair(V, H, V + H, 0.3, rule);
    const x = binaryData(rows, V, 6, 0.3);
    // Batches of awkward sizes (numpy.array_split of `rows` into three).
    const plan = epochPlan(rows, Math.max(1, Math.floor(rows / 3)), 3, 0, rule);
    const [a, b] = [await cpu.trainEpoch(await cpu.upload(x), plan), await gpu.trainEpoch(await gpu.upload(x), plan)];
    expectClose(b.losses, a.losses, { atol: 1e-5, rtol: 1e-5, label: 'KL per batch' });
    const [pa, pb] = [await cpu.getParameters(), await gpu.getParameters()];
    for (const key of PARAMETER_KEYS) expectClose(pb[key] ?? [], pa[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: key });
    expect(pa.hiddenChains?.length ?? 0).toBe(rule.persistent ? plan.largestBatch * H : 0);
    expectClose(pb.hiddenChains ?? [], pa.hiddenChains ?? [], { atol: 0, rtol: 0, label: 'persistent chains' });
  });
});

// Parallel tempering: the chains' draws, energies and swaps must follow the reference exactly.
const TEMPERING_RULES: TrainingRule[] = [
  { learningRate: 0.2, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0, parallelTempering: { temperatures: 3 } },
  { learningRate: 0.1, momentum: 0, statistics: 'probabilities', gradient: 'sum', cdSteps: 2, persistent: true, weightDecay: 0.001, parallelTempering: { temperatures: 4 } },
];

describe.each(SHAPES.slice(1))('parallel tempering at %i × %i on %i rows', (V, H, rows) => {
  it.each(TEMPERING_RULES)('matches the CPU over two epochs: KL, parameters, every chain and the swap counts (%j)', async (rule) => {
    const { cpu, gpu } = await pair(V, H, V + H, 1, rule);
    const x = binaryData(rows, V, 6, 0.3);
    const [cpuData, gpuData] = [await cpu.upload(x), await gpu.upload(x)];
    const M = rule.parallelTempering!.temperatures;
    for (let epoch = 0; epoch < 2; epoch++) {
      const plan = epochPlan(rows, Math.max(1, Math.floor(rows / 3)), 3, epoch, rule);
      const [a, b] = [await cpu.trainEpoch(cpuData, plan), await gpu.trainEpoch(gpuData, plan)];
      expectClose(b.losses, a.losses, { atol: 1e-5, rtol: 1e-5, label: `epoch ${epoch}: KL per batch` });
      expect(b.swaps, `epoch ${epoch}: swaps`).toEqual(a.swaps);
      expect(a.swaps!.tried).toBeGreaterThan(0);
      const [pa, pb] = [await cpu.getParameters(), await gpu.getParameters()];
      for (const key of PARAMETER_KEYS) expectClose(pb[key] ?? [], pa[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `epoch ${epoch}: ${key}` });
      expect(pa.hiddenChains).toHaveLength(plan.largestBatch * M * H);
      expectClose(pb.hiddenChains ?? [], pa.hiddenChains!, { atol: 0, rtol: 0, label: `epoch ${epoch}: tempered chains` });
      expectClose(b.parameters.hiddenChains ?? [], pa.hiddenChains!, { atol: 0, rtol: 0, label: `epoch ${epoch}: the result's chains` });
    }
  });
});

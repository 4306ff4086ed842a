// Gibbs loops as one Backend operation (Backend.gibbs; on the GPU src/backend/webgpu/gibbs-chains.ts)
// against the host loops daydream and inpaint ran before it, one propagate call per half step:
// on the same backend the states are equal exactly (the same kernels, the same draw addresses);
// the GPU against the CPU reference within an explicit tolerance; the WebAssembly backend equal
// to the reference exactly. A 500-step daydream on the GPU is one submit and one readback.
import { afterAll, describe, expect, it } from 'vitest';
import { modelShape, type Backend, type ModelShape, type Parameters } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { BufferUsage } from '../src/backend/webgpu/constants.js';
import { WebGpuBackend } from '../src/backend/webgpu/webgpu-backend.js';
import { daydream, inpaint, type Draws } from '../src/gibbs.js';
import { matrix, type Matrix } from '../src/matrix.js';
import { dawnProvider } from '../src/platform/dawn.js';
import { Phase, philoxUniforms } from '../src/rng/stream.js';
import { gpuDevice } from './gpu-helpers.js';
import { binaryData, expectClose, fixture, randomParameters } from './helpers.js';
import { wasmBackends } from './wasm-helpers.js';

const open: Backend[] = [];
afterAll(async () => {
  for (const b of open) await b.dispose();
});
const wasm = wasmBackends();

/** A model's inference stream from its first call, one address per call (ModelRecord.nextDraw). */
function stream(seed: number): Draws {
  let calls = 0;
  return (phase) => ({ seed, phase, epoch: calls++, batch: 0 });
}

/** The host loop daydream ran before Backend.gibbs. */
async function hostDaydream(b: Backend, draws: Draws, steps: number, chains: number, V: number, probabilities: boolean): Promise<Matrix> {
  let v = matrix(chains, V);
  philoxUniforms(draws(Phase.inferVisible), chains, V, v.data);
  for (let s = 0; s < steps; s++) {
    const h = await b.propagate(v, 'hidden', draws(Phase.inferHidden));
    v = await b.propagate(h, 'visible', probabilities && s === steps - 1 ? undefined : draws(Phase.inferVisible));
  }
  return v;
}

/** The host loop inpaint ran before Backend.gibbs. */
async function hostInpaint(b: Backend, draws: Draws, x: Matrix, known: Matrix, steps: number): Promise<Matrix> {
  const clamp = (v: Matrix) => {
    for (let k = 0; k < v.data.length; k++) if (known.data[k] === 1) v.data[k] = x.data[k];
    return v;
  };
  let v = clamp(matrix(x.rows, x.cols));
  for (let s = 1; s < steps; s++) v = clamp(await b.propagate(await b.propagate(v, 'hidden', draws(Phase.inferHidden)), 'visible', draws(Phase.inferVisible)));
  return clamp(await b.propagate(await b.propagate(v, 'hidden', draws(Phase.inferHidden)), 'visible'));
}

type Kind = 'binary' | 'gaussian' | 'softmax';
const GROUP = 4;

function parameters(kind: Kind, V: number, H: number, seed: number): Parameters {
  const p = randomParameters(V, H, seed, 1);
  return kind === 'gaussian' ? { ...p, visibleLogVariance: fixture(V, seed + 8, -0.5, 0.5), visibleLogVarianceVelocity: new Float32Array(V) } : p;
}

/** The shape of a V × H model of `kind`'s visible units. */
function shapeOf(kind: Kind, V: number, H: number): ModelShape {
  return modelShape({ visible: V, hidden: H, visibleType: kind === 'softmax' ? { softmax: GROUP } : kind });
}

async function gpuFor(kind: Kind, V: number, H: number, p: Parameters, maxBindingBytes?: number): Promise<WebGpuBackend> {
  const gpu = await WebGpuBackend.create(dawnProvider, shapeOf(kind, V, H), { maxBindingBytes }).catch((error: unknown) => {
    throw new Error(`The GPU test suites need a WebGPU adapter (in CI they must run, not skip): ${(error as Error).message}`, { cause: error });
  });
  open.push(gpu);
  await gpu.setParameters(p);
  return gpu;
}

async function cpuFor(kind: Kind, V: number, H: number, p: Parameters): Promise<CpuBackend> {
  const cpu = new CpuBackend(shapeOf(kind, V, H));
  open.push(cpu);
  await cpu.setParameters(p);
  return cpu;
}

/** Half the units known, the rest to fill in; Gaussian rows real, the others binary. */
function inpaintInputs(kind: Kind, rows: number, V: number, seed: number): { x: Matrix; known: Matrix } {
  const x = kind === 'gaussian' ? matrix(rows, V, fixture(rows * V, seed, -2, 2)) : binaryData(rows, V, seed, 0.3);
  const known = matrix(rows, V, fixture(rows * V, seed + 1).map((u) => (u < 0.5 ? 1 : 0)));
  return { x, known };
}

const KINDS: Kind[] = ['binary', 'gaussian', 'softmax'];
// 21 chains of 28 visible units, off the tiles (64) and the vec4; a 1 KiB binding cap splits them into blocks of 9 rows.
const [V, H, CHAINS] = [28, 9, 21];

describe.each(KINDS)('Gibbs loops on the GPU, %s visible units', (kind) => {
  it.each([undefined, 1024])('daydream and inpaint equal the host loop over propagate exactly (binding cap %s)', async (cap) => {
    const p = parameters(kind, V, H, 40);
    const gpu = await gpuFor(kind, V, H, p, cap);
    for (const probabilities of [false, true]) {
      const got = await daydream(gpu, stream(3), { steps: 30, chains: CHAINS, visible: V, probabilities });
      const want = await hostDaydream(gpu, stream(3), 30, CHAINS, V, probabilities);
      expectClose(got.data, want.data, { atol: 0, rtol: 0, label: `daydream, probabilities ${probabilities}` });
    }
    const { x, known } = inpaintInputs(kind, CHAINS, V, 41);
    const got = await inpaint(gpu, stream(5), x, known, 20);
    expectClose(got.data, (await hostInpaint(gpu, stream(5), x, known, 20)).data, { atol: 0, rtol: 0, label: 'inpaint' });
    for (let k = 0; k < x.data.length; k++) if (known.data[k] === 1) expect(got.data[k]).toBe(x.data[k]);
    const none = await gpu.gibbs({ start: x, hiddenDraws: [], visibleDraws: [], probabilities: false });
    expect(Array.from(none.data)).toEqual(Array.from(x.data));
  });

  it('gives the reference\'s states within 1e-5 + 1e-4·|ref| over a few steps', async () => {
    const p = parameters(kind, V, H, 42);
    const [gpu, cpu] = [await gpuFor(kind, V, H, p), await cpuFor(kind, V, H, p)];
    const o = { steps: 3, chains: CHAINS, visible: V, probabilities: true };
    expectClose((await daydream(gpu, stream(7), o)).data, (await daydream(cpu, stream(7), o)).data, { atol: 1e-5, rtol: 1e-4, label: 'daydream' });
    const { x, known } = inpaintInputs(kind, CHAINS, V, 43);
    expectClose((await inpaint(gpu, stream(8), x, known, 3)).data, (await inpaint(cpu, stream(8), x, known, 3)).data, { atol: 1e-5, rtol: 1e-4, label: 'inpaint' });
  });
});

describe('a Gibbs loop on the GPU is one submit and one readback', () => {
  it('runs a 500-step daydream of 16 chains of a 784-16 model with one queue submission and one buffer mapping', async () => {
    const [V, H] = [784, 16];
    const { device } = await gpuDevice();
    const gpu = await WebGpuBackend.create(dawnProvider, shapeOf('binary', V, H), { device });
    open.push(gpu);
    await gpu.setParameters(randomParameters(V, H, 44, 0.1));
    const probe = device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    const bufferPrototype = Object.getPrototypeOf(probe) as GPUBuffer;
    probe.destroy();
    const [submit, mapAsync] = [device.queue.submit, bufferPrototype.mapAsync];
    const counts = { submits: 0, maps: 0 };
    device.queue.submit = function (...args) {
      counts.submits++;
      return submit.apply(this, args);
    };
    bufferPrototype.mapAsync = function (...args) {
      counts.maps++;
      return mapAsync.apply(this, args);
    };
    let dream: Matrix;
    try {
      dream = await daydream(gpu, stream(9), { steps: 500, chains: 16, visible: V, probabilities: false });
    } finally {
      device.queue.submit = submit;
      bufferPrototype.mapAsync = mapAsync;
    }
    expect(counts).toEqual({ submits: 1, maps: 1 });
    const want = await hostDaydream(gpu, stream(9), 500, 16, V, false);
    expectClose(dream.data, want.data, { atol: 0, rtol: 0, label: '500-step daydream against the host loop' });
    await gpu.dispose();
    device.destroy();
  });
});

describe('Gibbs loops on the CPU backends', () => {
  it.each(KINDS)('the reference equals its old host loop, and the WebAssembly backend the reference, exactly (%s)', async (kind) => {
    const p = parameters(kind, V, H, 45);
    const cpu = await cpuFor(kind, V, H, p);
    const fast = await wasm(V, H, 2, shapeOf(kind, V, H));
    await fast.setParameters(p);
    const o = { steps: 25, chains: CHAINS, visible: V, probabilities: true };
    const reference = await daydream(cpu, stream(11), o);
    expectClose(reference.data, (await hostDaydream(cpu, stream(11), 25, CHAINS, V, true)).data, { atol: 0, rtol: 0, label: 'reference daydream' });
    expectClose((await daydream(fast, stream(11), o)).data, reference.data, { atol: 0, rtol: 0, label: 'WebAssembly daydream' });
    const { x, known } = inpaintInputs(kind, CHAINS, V, 46);
    const filled = await inpaint(cpu, stream(12), x, known, 15);
    expectClose(filled.data, (await hostInpaint(cpu, stream(12), x, known, 15)).data, { atol: 0, rtol: 0, label: 'reference inpaint' });
    expectClose((await inpaint(fast, stream(12), x, known, 15)).data, filled.data, { atol: 0, rtol: 0, label: 'WebAssembly inpaint' });
  });
});

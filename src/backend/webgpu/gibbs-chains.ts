/**
 * The Gibbs loop on the GPU (Backend.gibbs): resident chains, every step encoded into one
 * command buffer per segment, one readback; and the table of the half steps' Steps it binds.
 */
import { InvalidArgumentError } from '../../errors.js';
import { matrix, type Matrix } from '../../matrix.js';
import type { DrawAddress } from '../../rng/stream.js';
import { gibbsSteps, type GibbsJob } from '../backend.js';
import { createBuffer, packSteps, uniformBuffer, uploadFloats, Usage } from './buffers.js';
import { bindStep, encodeDispatches, submitAndRead, type Dispatch } from './dispatch.js';
import { gaussianVisiblePass } from './gaussian.js';
import type { Kernels } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import { ELEMENTWISE, Epilogue, matmulGrid, matmulShape, MAX_GROUPS, TILE_M, UNIFORM_STRIDE, Write } from './params.js';
import { clamp as clampProgram, gaussianVisible, matmul, softmaxGroups } from './programs.js';
import { softmaxGroupsPass } from './softmax.js';
import { Call, ClampCall, Rule, Step, type ValuesOf } from './uniforms.js';
import type { UnitSnippet } from './units.js';

/** Gibbs steps per command buffer: their Steps (two per step, UNIFORM_STRIDE bytes each) take 512 KiB. */
export const GIBBS_SEGMENT_STEPS = 1024;

/**
 * The half steps' Steps, UNIFORM_STRIDE bytes apart in one buffer, each with its own bind group
 * (StepBinding 'fixed'). The backend keeps one table; it grows to the longest segment it has run.
 */
export class StepTable {
  private buffer: GPUBuffer | undefined;
  private groups: GPUBindGroup[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly kernels: Kernels,
  ) {}

  /** Writes `steps` from the table's start (in queue order) and returns their bind groups. */
  write(steps: readonly ValuesOf<typeof Step>[]): readonly GPUBindGroup[] {
    if (steps.length > this.groups.length) this.grow(Math.min(2 * GIBBS_SEGMENT_STEPS, Math.max(steps.length, 2 * this.groups.length)));
    this.device.queue.writeBuffer(this.buffer!, 0, packSteps(steps));
    return this.groups;
  }

  destroy(): void {
    this.buffer?.destroy();
    this.buffer = undefined;
    this.groups = [];
  }

  private grow(count: number): void {
    // Work already submitted keeps the old buffer until it completes.
    this.buffer?.destroy();
    const buffer = createBuffer(this.device, 'gibbs steps', count * UNIFORM_STRIDE, Usage.uniform);
    this.buffer = buffer;
    this.groups = Array.from({ length: count }, (_, i) => this.kernels.stepGroup('gibbs step', buffer, Step.size, 'fixed', i * UNIFORM_STRIDE));
  }
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** The seed and phase every address of one layer shares: they live in that layer's Rule and Call uniforms. */
function layerKey(draws: readonly DrawAddress[], layer: string): { seed: number; phase: number } {
  const [first] = draws;
  if (draws.some((d) => d.seed !== first.seed || d.phase !== first.phase)) {
    throw new InvalidArgumentError(`${layer}Draws`, 'the GPU runs a Gibbs loop whose draws of a layer share one seed and phase');
  }
  return { seed: first.seed, phase: first.phase };
}

/** What the loop needs from the backend: its device, kernels, model and the unit types. */
export interface GibbsContext {
  readonly device: GPUDevice;
  readonly kernels: Kernels;
  readonly model: ModelBuffers;
  readonly maxBindingBytes: number;
  /** The size of softmax visible groups, when the visible units form them. */
  readonly softmax?: number;
  /** The hidden units' kernel code. */
  readonly hiddenUnits: UnitSnippet;
  readonly steps: StepTable;
}

/**
 * Runs `job` on the GPU: the chains, the clamp and every step's draw address resident, all
 * steps encoded into one command buffer per GIBBS_SEGMENT_STEPS, one readback at the end, in
 * blocks of rows that fit a binding. Each half step is propagate's kernels on the resident
 * chains, so the states equal propagate's step by step.
 */
export async function gibbsOnGpu(context: GibbsContext, job: GibbsJob): Promise<Matrix> {
  const steps = gibbsSteps(job);
  if (steps === 0) return matrix(job.start.rows, job.start.cols, job.start.data.slice());
  const { model: m } = context;
  const out = matrix(job.start.rows, m.visible);
  const widest = Math.max(m.visible, m.hidden) * 4;
  const rowsPerBlock = Math.max(1, Math.min(Math.floor(context.maxBindingBytes / widest), MAX_GROUPS * Math.min(TILE_M, ELEMENTWISE.wgY)));
  for (let first = 0; first < job.start.rows; first += rowsPerBlock) {
    const rows = Math.min(rowsPerBlock, job.start.rows - first);
    out.data.set(await gibbsBlock(context, job, steps, first, rows), first * m.visible);
  }
  return out;
}

/** The known flags, then the values: the layout clamp.wgsl and matmul.wgsl's CLAMPED read. */
function clampLayout(known: Float32Array, values: Float32Array): Float32Array {
  const packed = new Float32Array(known.length + values.length);
  packed.set(known);
  packed.set(values, known.length);
  return packed;
}

/** Rows [first, first + rows) of the chains through every step. */
async function gibbsBlock(context: GibbsContext, job: GibbsJob, steps: number, first: number, rows: number): Promise<Float32Array> {
  const { device, kernels, model: m, softmax, hiddenUnits, steps: table } = context;
  const V = m.visible;
  const H = m.hidden;
  const up = layerKey(job.hiddenDraws, 'hidden');
  const down = job.visibleDraws.length > 0 ? layerKey(job.visibleDraws, 'visible') : { seed: 0, phase: 0 };
  // Gaussian means and softmax logits leave the matmul raw; their own kernels finish them.
  const raw = m.gaussian || softmax !== undefined;
  // Binary visible units clamp in the matmul's epilogue; the others in clamp.wgsl after their own kernels.
  const clampedMatmul = job.clamp !== undefined && !raw;
  const downMatmul = (epilogue: Epilogue) => kernels.get(matmul, { transposeB: true, epilogue, shape: matmulShape(rows, V), step: 'fixed', clamped: clampedMatmul });
  const [upKernel, downKernel, lastKernel, scaling, groups, clamp] = await Promise.all([
    kernels.get(matmul, { transposeB: false, epilogue: Epilogue.sample, shape: matmulShape(rows, H), step: 'fixed', unit: hiddenUnits }),
    downMatmul(raw ? Epilogue.activation : Epilogue.sample),
    downMatmul(raw ? Epilogue.activation : Epilogue.probability),
    m.gaussian ? kernels.get(gaussianVisible, { step: 'fixed' }) : undefined,
    softmax ? kernels.get(softmaxGroups, { step: 'fixed' }) : undefined,
    job.clamp && !clampedMatmul ? kernels.get(clampProgram, { step: 'fixed' }) : undefined,
  ]);
  const owned: GPUBuffer[] = [];
  const own = (b: GPUBuffer) => (owned.push(b), b);
  const slice = (x: Matrix) => x.data.subarray(first * V, (first + rows) * V);
  try {
    const v = own(uploadFloats(device, 'gibbs visible', slice(job.start)));
    const h = own(createBuffer(device, 'gibbs hidden', rows * H * 4, Usage.storage));
    const scaled = m.gaussian ? own(createBuffer(device, 'gibbs visible / σ²', rows * V * 4, Usage.storage)) : undefined;
    const known = job.clamp && own(uploadFloats(device, 'gibbs clamp', clampLayout(slice(job.clamp.known), slice(job.clamp.values))));
    const call = (n: number, k: number, phase: number) => own(uniformBuffer(device, 'gibbs call', Call, {
      n, k, aBlock: 0, outBlock: 0, phase, flags: Write.samples, temperatures: 1,
    }));
    const rule = (seed: number) => own(uniformBuffer(device, 'gibbs rule', Rule, { seed, bySamples: 1, meanGradient: 0, momentum: 0, stepSize: 0, decayStep: 0 }));
    const [upRule, downRule] = [rule(up.seed), rule(down.seed)];
    const [upCall, downCall] = [call(H, V, up.phase), call(V, H, down.phase)];
    const hidden = upKernel.dispatch('gibbs hidden', m.matmul({ a: scaled ?? v, bias: m.hiddenBias, samples: h, call: upCall, rule: upRule }), ...matmulGrid(matmulShape(rows, H), rows, H));
    const visibleStep = (kernel: typeof downKernel, sampling: boolean) => kernel.dispatch('gibbs visible', m.matmul({
      a: h, bias: m.visibleBias, stat: sampling ? undefined : v, samples: sampling ? v : undefined, aux: clampedMatmul ? known : undefined, call: downCall, rule: downRule,
    }), ...matmulGrid(matmulShape(rows, V), rows, V));
    const visible = visibleStep(downKernel, !raw);
    const last = visibleStep(lastKernel, false);
    const gaussianPass = (draws: boolean) => gaussianVisiblePass(device, scaling!, m, { raw: v, scaled: scaled!, rule: draws ? downRule : upRule }, {
      label: draws ? 'gibbs visible noise' : 'gibbs visible / σ²', block: 0, draws, phase: down.phase, rows,
    }, own);
    // Gaussian: the hidden half step sees v/σ² of the (clamped) states; the visible one adds the noise.
    const scale = m.gaussian ? gaussianPass(false) : undefined;
    const noise = m.gaussian ? gaussianPass(true) : undefined;
    const groupPass = (phase?: number) => softmaxGroupsPass(device, groups!, v, downRule, {
      label: 'gibbs softmax groups', visible: V, size: softmax!, block: 0, phase, mask: false, rows,
    }, own);
    const sampledGroups = softmax ? groupPass(down.phase) : undefined;
    const groupProbabilities = softmax ? groupPass(undefined) : undefined;
    const clamping = clamp?.dispatch('gibbs clamp', {
      states: v, known: known!, call: own(uniformBuffer(device, 'gibbs clamp call', ClampCall, { visible: V })),
    }, ceilDiv(V, ELEMENTWISE.wgX), ceilDiv(rows, ELEMENTWISE.wgY));
    const segment = Math.min(steps, GIBBS_SEGMENT_STEPS);
    const address = (d: DrawAddress | undefined) => ({ rows, start: 0, drawBatch: d?.batch ?? 0, drawEpoch: d?.epoch ?? 0, index: 0, rowOffset: first });
    for (let begin = 0; ; begin += segment) {
      const end = Math.min(steps, begin + segment);
      const entries = [];
      for (let s = begin; s < end; s++) entries.push(address(job.hiddenDraws[s]), address(job.visibleDraws.at(s)));
      const stepGroups = table.write(entries);
      const encoder = device.createCommandEncoder({ label: 'gibbs steps' });
      const pass = encoder.beginComputePass();
      const dispatch = (d: Dispatch | undefined, entry: number) => {
        if (!d) return;
        bindStep(pass, { group: stepGroups[entry] });
        encodeDispatches(pass, [d]);
      };
      for (let s = begin; s < end; s++) {
        const entry = 2 * (s - begin);
        const probabilities = job.probabilities && s === steps - 1;
        dispatch(scale, entry);
        dispatch(hidden, entry);
        dispatch(probabilities ? last : visible, entry + 1);
        if (!probabilities) dispatch(noise, entry + 1);
        dispatch(probabilities ? groupProbabilities : sampledGroups, entry + 1);
        dispatch(clamping, entry + 1);
      }
      pass.end();
      if (end === steps) {
        const { states } = await submitAndRead(device, encoder, { states: { buffer: v, bytes: rows * V * 4 } }, 'gibbs readback');
        return new Float32Array(states);
      }
      device.queue.submit([encoder.finish()]);
    }
  } finally {
    for (const b of owned) b.destroy();
  }
}

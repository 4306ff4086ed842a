/**
 * Softmax visible groups' dispatches: the groups' probabilities or one-hot draws from their
 * logits (softmax-groups.wgsl), and training's cross-entropy loss (softmax-loss.wgsl).
 */
import { uniformBuffer } from './buffers.js';
import type { Dispatch } from './dispatch.js';
import type { KernelOf } from './kernels.js';
import { ELEMENTWISE } from './params.js';
import type { softmaxGroups, softmaxLoss } from './programs.js';
import { SoftmaxCall } from './uniforms.js';

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Which block of rows softmax-groups.wgsl covers, and whether it draws (and where) and masks. */
export interface SoftmaxPass {
  readonly label: string;
  readonly visible: number;
  /** K, the units per group. */
  readonly size: number;
  readonly block: number;
  /** The draws' phase; none: probabilities. */
  readonly phase?: number;
  /** Zero the groups missing from the data in block 0 (training's negative phase). */
  readonly mask: boolean;
  /** The most rows a Step will give it. */
  readonly rows: number;
}

/**
 * One pass of softmax-groups.wgsl over `pass.block` of `stack` (logits in, probabilities or
 * one-hot draws out). `own` takes the uniform buffer made here.
 */
export function softmaxGroupsPass(
  device: GPUDevice, kernel: KernelOf<typeof softmaxGroups>, stack: GPUBuffer, rule: GPUBuffer,
  pass: SoftmaxPass, own: (buffer: GPUBuffer) => GPUBuffer,
): Dispatch {
  const call = own(softmaxCall(device, `${pass.label} call`, pass));
  return kernel.dispatch(pass.label, { stack, call, rule }, ceilDiv(pass.visible / pass.size, ELEMENTWISE.wgX), ceilDiv(pass.rows, ELEMENTWISE.wgY));
}

/** The batch's softmax cross-entropy from the data (block 0 of `data`) and the logits after the update, into epochLoss. */
export function softmaxLossDispatch(
  device: GPUDevice, kernel: KernelOf<typeof softmaxLoss>,
  buffers: { data: GPUBuffer; logits: GPUBuffer; epochLoss: GPUBuffer }, visible: number, size: number, own: (buffer: GPUBuffer) => GPUBuffer,
): Dispatch {
  const call = own(softmaxCall(device, 'softmax loss call', { visible, size, block: 0, mask: false }));
  return kernel.dispatch('softmax loss', { data: buffers.data, logits: buffers.logits, epochLoss: buffers.epochLoss, call }, 1);
}

function softmaxCall(device: GPUDevice, label: string, pass: Pick<SoftmaxPass, 'visible' | 'size' | 'block' | 'phase' | 'mask'>): GPUBuffer {
  return uniformBuffer(device, label, SoftmaxCall, {
    visible: pass.visible, size: pass.size, block: pass.block, draws: pass.phase === undefined ? 0 : 1, mask: pass.mask ? 1 : 0, phase: pass.phase ?? 0,
  });
}

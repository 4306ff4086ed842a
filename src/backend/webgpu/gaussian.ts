import { uniformBuffer } from './buffers.js';
import type { Kernels } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import { ELEMENTWISE, UNITS_WG } from './params.js';
import type { Dispatch } from './trainer.js';
import { GaussianVisible } from './uniforms.js';

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** The buffers gaussian-visible.wgsl works on: visible states as they are, and their rows divided by σ². */
export interface GaussianVisibleBuffers {
  readonly raw: GPUBuffer;
  readonly scaled: GPUBuffer;
  /** The Rule uniform: its seed, and bySamples, which says whether the noise is added. */
  readonly rule: GPUBuffer;
}

/** Which rows gaussian-visible.wgsl covers, and whether and where it draws (GaussianVisible). */
export interface GaussianVisiblePass {
  readonly label: string;
  readonly block: number;
  readonly draws: boolean;
  readonly phase: number;
  /** The most rows a Step will give it. */
  readonly rows: number;
}

/**
 * One pass of gaussian-visible.wgsl (docs/training-step.md, "Gaussian visible units"): over the
 * rows of `pass.block`, v += σ ⊙ n when it draws and the rule samples, then v/σ² into `scaled`.
 * `own` takes the uniform buffer made here.
 */
export function gaussianVisiblePass(
  device: GPUDevice,
  kernels: Kernels,
  model: ModelBuffers,
  pipeline: GPUComputePipeline,
  buffers: GaussianVisibleBuffers,
  pass: GaussianVisiblePass,
  own: (buffer: GPUBuffer) => GPUBuffer,
): Dispatch {
  const call = own(uniformBuffer(device, `${pass.label} call`, GaussianVisible, {
    visible: model.visible, block: pass.block, draws: pass.draws ? 1 : 0, phase: pass.phase,
  }));
  const resources: GPUBindingResource[] = [model.logVariance, { buffer: buffers.raw }, { buffer: buffers.scaled }, { buffer: call }, { buffer: buffers.rule }];
  const group = device.createBindGroup({
    label: pass.label,
    layout: kernels.layouts.gaussianVisible,
    entries: resources.map((resource, binding) => ({ binding, resource })),
  });
  // A thread per row and pair of units (one Philox block).
  return [pipeline, group, ceilDiv(ceilDiv(model.visible, 2), ELEMENTWISE.wgX), ceilDiv(pass.rows, ELEMENTWISE.wgY)];
}

/** What log-variance.wgsl reads and writes besides the model. */
export interface LogVarianceBuffers {
  readonly partials: GPUBuffer;
  /** [X; v_k] as they are. */
  readonly visibleStates: GPUBuffer;
  readonly health: GPUBuffer;
  readonly layout: GPUBuffer;
  readonly rule: GPUBuffer;
}

/** The log-variances' gradient and momentum step (log-variance.wgsl), to run before the update moves W and b. */
export function logVarianceStep(device: GPUDevice, kernels: Kernels, model: ModelBuffers, pipeline: GPUComputePipeline, buffers: LogVarianceBuffers): Dispatch {
  const resources = [buffers.partials, buffers.visibleStates, model.params, model.velocity, buffers.health, buffers.layout, buffers.rule];
  const group = device.createBindGroup({
    label: 'log-variance step',
    layout: kernels.layouts.logVariance,
    entries: resources.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  return [pipeline, group, ceilDiv(model.visible, UNITS_WG), 1];
}

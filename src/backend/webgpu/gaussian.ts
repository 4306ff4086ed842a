/**
 * Gaussian visible units' dispatches: their noise and scaling by 1/σ² (gaussian-visible.wgsl),
 * shared by training, inference and the Gibbs loop, and the log-variances' step in training.
 */
import { uniformBuffer } from './buffers.js';
import type { Dispatch } from './dispatch.js';
import type { KernelOf } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import { ELEMENTWISE, UNITS_WG } from './params.js';
import type { gaussianVisible, logVariance } from './programs.js';
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
  kernel: KernelOf<typeof gaussianVisible>,
  model: ModelBuffers,
  buffers: GaussianVisibleBuffers,
  pass: GaussianVisiblePass,
  own: (buffer: GPUBuffer) => GPUBuffer,
): Dispatch {
  const call = own(uniformBuffer(device, `${pass.label} call`, GaussianVisible, {
    visible: model.visible, block: pass.block, draws: pass.draws ? 1 : 0, phase: pass.phase,
  }));
  // A thread per row and pair of units (one Philox block).
  return kernel.dispatch(
    pass.label,
    { logVariance: model.binding('visibleLogVariance'), raw: buffers.raw, scaled: buffers.scaled, call, rule: buffers.rule },
    ceilDiv(ceilDiv(model.visible, 2), ELEMENTWISE.wgX),
    ceilDiv(pass.rows, ELEMENTWISE.wgY),
  );
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
export function logVarianceStep(kernel: KernelOf<typeof logVariance>, model: ModelBuffers, buffers: LogVarianceBuffers): Dispatch {
  return kernel.dispatch('log-variance step', {
    partials: buffers.partials, rawVisible: buffers.visibleStates, params: model.params, velocity: model.velocity,
    health: buffers.health, shape: buffers.layout, rule: buffers.rule,
  }, ceilDiv(model.visible, UNITS_WG));
}

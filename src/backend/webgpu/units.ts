/**
 * The unit types the matmul's sample and probability epilogues know: each a WGSL snippet
 * (shaders/layers/, one file per type) with the uniforms one unit draws, taken from the layer's
 * reference description (drawWidth) so that the host and the kernel agree. A hidden unit type
 * is its snippet and its line in HIDDEN_UNITS.
 */
import binary from '../../../shaders/layers/binary.wgsl';
import gaussian from '../../../shaders/layers/gaussian.wgsl';
import relu from '../../../shaders/layers/relu.wgsl';
import { InvalidArgumentError } from '../../errors.js';
import type { HiddenType } from '../../layers/registry.js';
import { HIDDEN_LAYERS } from '../../layers/registry.js';
import type { Snippet } from './program.js';

/** A unit type's kernel code: unitMean, unitSample and unitSecondMoment, and the uniforms a unit draws. */
export interface UnitSnippet extends Snippet {
  /** Uniforms per unit: 1, or 2 (a normal's Box–Muller pair); matmul.wgsl's UNIT_DRAWS. */
  readonly draws: number;
}

function units(type: HiddenType, wgsl: string): UnitSnippet {
  return { name: `${type} units`, wgsl, draws: HIDDEN_LAYERS[type]().drawWidth(1) };
}

/** Binary units: the default of every matmul, and the visible units of those that sample them. */
export const BINARY_UNITS = units('binary', binary);

/** The hidden unit types the WebGPU kernels have, one line each. */
export const HIDDEN_UNITS: Readonly<Partial<Record<HiddenType, UnitSnippet>>> = {
  binary: BINARY_UNITS,
  gaussian: units('gaussian', gaussian),
  relu: units('relu', relu),
};

/** The kernel code of `type` hidden units; refuses a type the kernels do not have. */
export function hiddenUnits(type: HiddenType): UnitSnippet {
  const snippet = HIDDEN_UNITS[type];
  if (!snippet) throw new InvalidArgumentError('hiddenType', `the WebGPU kernels have no ${type} hidden units`);
  return snippet;
}

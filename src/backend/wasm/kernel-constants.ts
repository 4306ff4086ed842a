import { MIN_GAMMA } from '../../layers/gaussian.js';
import { M0, M1, ROUNDS, UNIFORM_SCALE, W0, W1 } from '../../rng/philox.js';
import { GIBBS_PHASE_STRIDE, Phase } from '../../rng/stream.js';
import { GRADIENT_TILE_ROWS, HiddenTypeWord, VisibleTypeWord } from './layout.js';
import { ERFCX_PIECES, EXCESS_PIECES, SERIES_DEGREE, SERIES_PIECES, SERIES_SCALE } from './normal-series.js';

export { KERNEL_STATIC_BASE } from './layout.js';

/**
 * The constants the WebAssembly kernels are compiled with, taken from their one definition on
 * the host: scripts/build-wasm.mjs loads this module and writes assembly/constants.ts from it.
 * VISIBLE_* and HIDDEN_* are the values of the control block's type words (HIDDEN_BINARY and the
 * other hidden types', one for each entry of HiddenTypeWord).
 * Integers become u32 constants; the entries in FLOAT_CONSTANTS become f32; KERNEL_TABLES become
 * f64 tables in the kernels' static data (memory.data).
 */
export const KERNEL_CONSTANTS = {
  PHILOX_M0: M0,
  PHILOX_M1: M1,
  PHILOX_W0: W0,
  PHILOX_W1: W1,
  PHILOX_ROUNDS: ROUNDS,
  UNIFORM_SCALE,
  PHASE_HIDDEN: Phase.hidden,
  PHASE_VISIBLE: Phase.visible,
  PHASE_HIDDEN_AGAIN: Phase.hiddenAgain,
  PHASE_AIS_HIDDEN: Phase.aisHidden,
  PHASE_AIS_VISIBLE: Phase.aisVisible,
  PHASE_TEMPERING_SWAP: Phase.temperingSwap,
  PHASE_LABEL: Phase.label,
  GIBBS_PHASE_STRIDE,
  GRADIENT_TILE_ROWS,
  VISIBLE_BINARY: VisibleTypeWord.binary,
  VISIBLE_GAUSSIAN: VisibleTypeWord.gaussian,
  VISIBLE_SOFTMAX: VisibleTypeWord.softmax,
  ...(Object.fromEntries(Object.entries(HiddenTypeWord).map(([type, word]) => [`HIDDEN_${type.toUpperCase()}`, word])) as { HIDDEN_BINARY: 0 }),
  /** The smallest γ training leaves a Gaussian or ReLU hidden unit. */
  MIN_GAMMA,
  /** The ReLU kernel's piecewise polynomials of erfcx and the Mills excess (normal-series.ts): the map's L, the pieces and their degree. */
  SERIES_SCALE,
  SERIES_PIECES,
  SERIES_DEGREE,
} as const;

export const KERNEL_TABLES: Readonly<Record<string, readonly number[]>> = { ERFCX_PIECES, EXCESS_PIECES };

export const FLOAT_CONSTANTS: readonly (keyof typeof KERNEL_CONSTANTS)[] = ['UNIFORM_SCALE', 'MIN_GAMMA'];

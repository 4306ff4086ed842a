import { philox4x32, toUniform } from './philox.js';

/**
 * Each purpose a random draw serves has its own stream: the phase is the second key word.
 * The WebGPU shaders receive these values from here, never as literals of their own.
 */
export const Phase = {
  init: 0,
  shuffle: 1,
  hidden: 2,
  visible: 3,
  hiddenAgain: 4,
  inferHidden: 5,
  inferVisible: 6,
  aisHidden: 7,
  aisVisible: 8,
  pseudoLikelihood: 9,
  temperingSwap: 10,
  label: 11,
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

/** Gibbs step t (1-based) of CD-k draws its visible, label and hidden states (and parallel tempering its swaps) with these phases. */
export const GIBBS_PHASE_STRIDE = 16;
export function gibbsPhase(base: typeof Phase.visible | typeof Phase.hiddenAgain | typeof Phase.temperingSwap | typeof Phase.label, step: number): Phase {
  return (base + GIBBS_PHASE_STRIDE * (step - 1)) as Phase;
}

/**
 * Where a matrix of draws lives in the stream. Element (row, col) is output word `col % 4` of
 * Philox4x32-10 with counter (col / 4, row, batch, epoch) and key (seed, phase), so a draw
 * depends only on its address, never on threads, tiling or the order of evaluation.
 */
export interface DrawAddress {
  readonly seed: number;
  readonly phase: number;
  readonly epoch: number;
  readonly batch: number;
}

/** Fills `out` (rows × cols, row-major) with uniforms in [0, 1) drawn at `address`. */
export type UniformSource = (address: DrawAddress, rows: number, cols: number, out: Float32Array) => void;

const words = new Uint32Array(4);

export const philoxUniforms: UniformSource = (address, rows, cols, out) => {
  const { seed, phase, epoch, batch } = address;
  for (let row = 0; row < rows; row++) {
    const base = row * cols;
    for (let col = 0; col < cols; col += 4) {
      philox4x32(col >>> 2, row, batch, epoch, seed, phase, words);
      const n = Math.min(4, cols - col);
      for (let w = 0; w < n; w++) out[base + col + w] = toUniform(words[w]);
    }
  }
};

/** A uniform permutation of 0..n-1 for `epoch` (Fisher–Yates driven by the shuffle stream). */
export function permutation(n: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    if ((i & 3) === 3 || i === n - 1) philox4x32(i >>> 2, 0, 0, epoch, seed, Phase.shuffle, words);
    const j = Math.floor((words[i & 3] / 4294967296) * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** One standard normal draw from two uniforms in [0, 1): √(−2 ln(1 − u₀))·cos(2π·u₁) (Box–Muller). */
export function boxMuller(u0: number, u1: number): number {
  return Math.sqrt(-2 * Math.log(1 - u0)) * Math.cos(2 * Math.PI * u1);
}

/**
 * Standard normal draws at `address` (rows × cols into `out`): element (row, i) is
 * boxMuller(u[2i], u[2i + 1]) of the row's uniforms in a rows × 2·cols draw at the same
 * address, so every backend derives the same normals from its own Philox words. `scratch`
 * holds at least rows × 2·cols uniforms.
 */
export function normalDraws(uniforms: UniformSource, address: DrawAddress, rows: number, cols: number, out: Float32Array, scratch: Float32Array): void {
  uniforms(address, rows, 2 * cols, scratch);
  for (let k = 0; k < rows * cols; k++) out[k] = boxMuller(scratch[2 * k], scratch[2 * k + 1]);
}

import { InvalidArgumentError } from './errors.js';
import { matrix, type Matrix } from './matrix.js';
import { philoxUniforms, Phase } from './rng/stream.js';

/** Which part of each image hideMask hides. */
export type HiddenRegion = 'lower' | 'random';
export const HIDDEN_REGIONS: readonly HiddenRegion[] = ['lower', 'random'];

/**
 * A mask for RBM.inpaint: 1 where a unit is known, 0 where it is hidden — the lower half of
 * each width × height image, or half its units at random (from `seed`'s stream).
 */
export function hideMask(region: HiddenRegion, rows: number, width: number, height: number, seed = 0): Matrix {
  const mask = matrix(rows, width * height).data.fill(1);
  if (region === 'lower') {
    for (let r = 0; r < rows; r++) mask.fill(0, r * width * height + Math.floor(height / 2) * width, (r + 1) * width * height);
  } else if (region === 'random') {
    const u = new Float32Array(rows * width * height);
    philoxUniforms({ seed, phase: Phase.inferVisible, epoch: 0, batch: 0 }, rows, width * height, u);
    u.forEach((v, k) => (mask[k] = v < 0.5 ? 0 : 1));
  } else {
    throw new InvalidArgumentError('region', `expected 'lower' or 'random', got ${String(region)}`);
  }
  return { data: mask, rows, cols: width * height };
}

/** The input as the model sees it, for pictures: hidden units drawn mid-gray. */
export function masked(x: Matrix, mask: Matrix): Matrix {
  return { data: x.data.map((v, k) => (mask.data[k] === 1 ? v : 0.5)), rows: x.rows, cols: x.cols };
}

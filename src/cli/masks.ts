import { matrix, type Matrix } from '../matrix.js';
import { philoxUniforms, Phase } from '../rng/stream.js';
import { UsageError } from './cli.js';

/** 1 where a unit is known, 0 where it is hidden: the lower half of each image, or half its units at random. */
export function hideMask(kind: string, rows: number, width: number, height: number, seed: number): Matrix {
  const mask = matrix(rows, width * height).data.fill(1);
  if (kind === 'lower') {
    for (let r = 0; r < rows; r++) mask.fill(0, r * width * height + Math.floor(height / 2) * width, (r + 1) * width * height);
  } else if (kind === 'random') {
    const u = new Float32Array(rows * width * height);
    philoxUniforms({ seed, phase: Phase.inferVisible, epoch: 0, batch: 0 }, rows, width * height, u);
    u.forEach((v, k) => (mask[k] = v < 0.5 ? 0 : 1));
  } else {
    throw new UsageError(`--hide expects lower or random, got '${kind}'`);
  }
  return { data: mask, rows, cols: width * height };
}

/** The input as the model sees it: hidden units drawn mid-gray. */
export function masked(x: Matrix, mask: Matrix): Matrix {
  return { data: x.data.map((v, k) => (mask.data[k] === 1 ? v : 0.5)), rows: x.rows, cols: x.cols };
}

import { softplus } from '../math.js';
import type { Matrix } from '../matrix.js';

/** How well mean-field reconstructions match their inputs. */
export interface ReconstructionError {
  /** Mean over all units of (x − r)². */
  readonly meanSquared: number;
  /** Mean over rows of −Σ_i [x·log r + (1 − x)·log(1 − r)], in nats per example. */
  readonly crossEntropy: number;
}

const EPSILON = 1e-7;

export function reconstructionError(x: Matrix, r: Matrix): ReconstructionError {
  let squared = 0;
  let entropy = 0;
  for (let k = 0; k < x.data.length; k++) {
    const a = x.data[k];
    const p = Math.min(Math.max(r.data[k], EPSILON), 1 - EPSILON);
    squared += (a - p) ** 2;
    entropy -= a * Math.log(p) + (1 - a) * Math.log(1 - p);
  }
  return { meanSquared: squared / x.data.length, crossEntropy: entropy / x.rows };
}

/** A copy of `x` with unit `flip[i]` of each row i set to 1 − x. */
export function flipOneUnit(x: Matrix, flip: ArrayLike<number>): Matrix {
  const data = x.data.slice();
  for (let i = 0; i < x.rows; i++) data[i * x.cols + flip[i]] = 1 - data[i * x.cols + flip[i]];
  return { data, rows: x.rows, cols: x.cols };
}

/**
 * scikit-learn's pseudo-likelihood per row, from the free energies of the rows and of the
 * rows with one unit flipped: V·log σ(F(v̂) − F(v)).
 */
export function pseudoLikelihood(visible: number, free: Float64Array, flipped: Float64Array): Float64Array {
  return free.map((f, i) => -visible * softplus(-(flipped[i] - f)));
}

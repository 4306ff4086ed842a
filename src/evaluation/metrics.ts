import { softplus } from '../math.js';
import type { Matrix } from '../matrix.js';

/** How well mean-field reconstructions match their inputs. */
export interface ReconstructionError {
  /** Mean over all units of (x − r)². */
  readonly meanSquared: number;
  /**
   * Mean over rows of −Σ_i [x·log r + (1 − x)·log(1 − r)], in nats per example; binary visible
   * units only (absent for Gaussian ones).
   */
  readonly crossEntropy?: number;
}

const EPSILON = 1e-7;

/** The error of reconstructions r of x: probabilities of binary units, or means of Gaussian ones (`binary` false). */
export function reconstructionError(x: Matrix, r: Matrix, binary = true): ReconstructionError {
  const sums = new ReconstructionSums(binary);
  sums.add(x, r);
  return sums.result();
}

/** reconstructionError's sums, added to a chunk of rows at a time in row order (the same result as all at once). */
export class ReconstructionSums {
  private squared = 0;
  private entropy = 0;
  private values = 0;
  private rows = 0;

  constructor(private readonly binary: boolean) {}

  add(x: Matrix, r: Matrix): void {
    for (let k = 0; k < x.data.length; k++) {
      const a = x.data[k];
      if (!this.binary) {
        this.squared += (a - r.data[k]) ** 2;
        continue;
      }
      const p = Math.min(Math.max(r.data[k], EPSILON), 1 - EPSILON);
      this.squared += (a - p) ** 2;
      this.entropy -= a * Math.log(p) + (1 - a) * Math.log(1 - p);
    }
    this.values += x.data.length;
    this.rows += x.rows;
  }

  result(): ReconstructionError {
    return { meanSquared: this.squared / this.values, ...(this.binary && { crossEntropy: this.entropy / this.rows }) };
  }
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

import type { Matrix } from '../matrix.js';
import { softplus } from '../math.js';

/**
 * The visible units' own term of the energy for row `row` of v: −b·v for binary units, or
 * Σ_k (v_k − b_k)²·e^(−z_k) / 2 for Gaussian ones (z = log σ², when given).
 */
function visibleTerm(v: Matrix, row: number, visibleBias: Float32Array, logVariance: Float32Array | undefined): number {
  let e = 0;
  for (let k = 0; k < v.cols; k++) {
    const x = v.data[row * v.cols + k];
    e += logVariance ? 0.5 * (x - visibleBias[k]) ** 2 * Math.exp(-logVariance[k]) : -visibleBias[k] * x;
  }
  return e;
}

/**
 * E(v, h) per row from the hidden pre-activations a = c + v·W (Gaussian units: c + (v/σ²)·W):
 * −(a·h + b·v), or with Gaussian units Σ(v − b)²/2σ² − a·h.
 */
export function energies(v: Matrix, h: Matrix, a: Matrix, visibleBias: Float32Array, logVariance?: Float32Array): Float64Array {
  const out = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) {
    let e = visibleTerm(v, i, visibleBias, logVariance);
    for (let j = 0; j < a.cols; j++) e -= a.data[i * a.cols + j] * h.data[i * a.cols + j];
    out[i] = e;
  }
  return out;
}

/** F(v) per row from the hidden pre-activations a: −b·v − Σ_j softplus(a_j), or Σ(v − b)²/2σ² − Σ_j softplus(a_j). */
export function freeEnergies(v: Matrix, a: Matrix, visibleBias: Float32Array, logVariance?: Float32Array): Float64Array {
  const out = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) {
    let f = visibleTerm(v, i, visibleBias, logVariance);
    for (let j = 0; j < a.cols; j++) f -= softplus(a.data[i * a.cols + j]);
    out[i] = f;
  }
  return out;
}

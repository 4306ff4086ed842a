import type { Matrix } from '../matrix.js';
import { softplus } from '../math.js';

/**
 * E(v, h) = −(v·W·hᵀ + b·v + c·h) per row, from the hidden pre-activations a = v·W + c:
 * E = −(a·h + b·v).
 */
export function energies(v: Matrix, h: Matrix, a: Matrix, visibleBias: Float32Array): Float64Array {
  const out = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) {
    let e = 0;
    for (let j = 0; j < a.cols; j++) e -= a.data[i * a.cols + j] * h.data[i * a.cols + j];
    for (let k = 0; k < v.cols; k++) e -= visibleBias[k] * v.data[i * v.cols + k];
    out[i] = e;
  }
  return out;
}

/** F(v) = −b·v − Σ_j softplus(a_j) per row, from the hidden pre-activations a = v·W + c. */
export function freeEnergies(v: Matrix, a: Matrix, visibleBias: Float32Array): Float64Array {
  const out = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) {
    let f = 0;
    for (let k = 0; k < v.cols; k++) f -= visibleBias[k] * v.data[i * v.cols + k];
    for (let j = 0; j < a.cols; j++) f -= softplus(a.data[i * a.cols + j]);
    out[i] = f;
  }
  return out;
}

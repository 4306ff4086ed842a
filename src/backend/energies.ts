import type { ModelLayers } from '../layers/layer.js';
import type { Matrix } from '../matrix.js';
import { softplus } from '../math.js';
import type { Parameters } from '../parameters.js';

/**
 * E(v, h) per row from the hidden pre-activations a = c + v'·W (v' what the hidden units see of
 * v): the visible layer's own term plus each hidden unit's U(h) − a·h (binary units: −(a·h + b·v);
 * Gaussian visible units: Σ(v − b)²/2σ² − a·h).
 */
export function layerEnergies(layers: ModelLayers, p: Parameters, v: Matrix, h: Matrix, a: Matrix): Float64Array {
  const out = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) {
    let e = layers.visible.energy(p, v.data, i * v.cols);
    for (let j = 0; j < a.cols; j++) e += layers.hidden.energy(p, h.data[i * a.cols + j], a.data[i * a.cols + j], j);
    out[i] = e;
  }
  return out;
}

/** F(v) per row from the hidden pre-activations a: the visible layer's own term plus each hidden unit's −log ∫ e^(−U(h) + a·h) dh. */
export function layerFreeEnergies(layers: ModelLayers, p: Parameters, v: Matrix, a: Matrix): Float64Array {
  const out = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) {
    let f = layers.visible.energy(p, v.data, i * v.cols);
    for (let j = 0; j < a.cols; j++) f += layers.hidden.freeEnergy(p, a.data[i * a.cols + j], j);
    out[i] = f;
  }
  return out;
}

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

/** E(v, h) of binary hidden units, from the visible bias and log-variances alone (the GPU's, which keeps the rest on the device). */
export function energies(v: Matrix, h: Matrix, a: Matrix, visibleBias: Float32Array, logVariance?: Float32Array): Float64Array {
  const out = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) {
    let e = visibleTerm(v, i, visibleBias, logVariance);
    for (let j = 0; j < a.cols; j++) e -= a.data[i * a.cols + j] * h.data[i * a.cols + j];
    out[i] = e;
  }
  return out;
}

/** F(v) of binary hidden units per row from the hidden pre-activations a, as energies() takes them. */
export function freeEnergies(v: Matrix, a: Matrix, visibleBias: Float32Array, logVariance?: Float32Array): Float64Array {
  const out = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) {
    let f = visibleTerm(v, i, visibleBias, logVariance);
    for (let j = 0; j < a.cols; j++) f -= softplus(a.data[i * a.cols + j]);
    out[i] = f;
  }
  return out;
}

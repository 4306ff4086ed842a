import type { Backend } from './backend/backend.js';
import { classScores as scoresFromActivations } from './backend/cpu/class-step.js';
import type { ModelLayers } from './layers/layer.js';
import type { Matrix } from './matrix.js';
import type { Parameters } from './parameters.js';

/**
 * Energies, free energies and class scores of a model, on the host: from its backend's one
 * primitive for them, the pre-activations (Backend.preActivations), its layers' terms
 * (docs/layers.md) and its parameters as the host last saw them. Written once for every backend.
 */

/** What these computations read of a model. */
export interface ModelView {
  readonly backend: Backend;
  readonly layers: ModelLayers;
  readonly parameters: Parameters;
}

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

/** E(v, h) of each row pair. */
export async function energies(model: ModelView, v: Matrix, h: Matrix): Promise<Float64Array> {
  return layerEnergies(model.layers, model.parameters, v, h, await model.backend.preActivations(v, 'hidden'));
}

/** F(v) of each row, so that p(v) ∝ e^(−F(v)). */
export async function freeEnergies(model: ModelView, v: Matrix): Promise<Float64Array> {
  return layerFreeEnergies(model.layers, model.parameters, v, await model.backend.preActivations(v, 'hidden'));
}

/**
 * A model with a label layer: log p(y | x) up to each row's constant, rows × C:
 * d_y + Σ_j softplus(c_j + (x·W)_j + U_yj) (src/backend/cpu/class-step.ts).
 */
export async function classScores(model: ModelView, x: Matrix): Promise<Float64Array> {
  const a = await model.backend.preActivations(x, 'hidden');
  const out = new Float64Array(x.rows * model.parameters.labelBias!.length);
  scoresFromActivations(model.parameters, a.data, x.rows, out);
  return out;
}

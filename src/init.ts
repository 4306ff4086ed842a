import type { Parameters } from './backend/backend.js';
import { Phase, philoxUniforms } from './rng/stream.js';

/**
 * Initial parameters as simple_rbm makes them: W ~ Uniform(−a, a) with a = scale·√(6 / (V + H))
 * (Xavier/Glorot), zero biases and zero momentum. Drawn from the init stream, so the same seed
 * gives the same model on every backend.
 */
export function initialParameters(visible: number, hidden: number, seed: number, scale: number): Parameters {
  const bound = scale * Math.sqrt(6 / (visible + hidden));
  const weights = new Float32Array(visible * hidden);
  philoxUniforms({ seed, phase: Phase.init, epoch: 0, batch: 0 }, visible, hidden, weights);
  for (let k = 0; k < weights.length; k++) weights[k] = bound * (2 * weights[k] - 1);
  return {
    weights,
    visibleBias: new Float32Array(visible),
    hiddenBias: new Float32Array(hidden),
    weightVelocity: new Float32Array(visible * hidden),
    visibleBiasVelocity: new Float32Array(visible),
    hiddenBiasVelocity: new Float32Array(hidden),
  };
}

import type { Backend } from './backend/backend.js';
import { matrix, type Matrix } from './matrix.js';
import { Phase, philoxUniforms, type DrawAddress } from './rng/stream.js';

/** Where each sampling call draws from: the model's inference stream, one address per call. */
export type Draws = (phase: Phase) => DrawAddress;

/** One sampled Gibbs step v → h → v. */
export async function gibbsStep(backend: Backend, v: Matrix, draws: Draws): Promise<Matrix> {
  const h = await backend.propagate(v, 'hidden', draws(Phase.inferHidden));
  return backend.propagate(h, 'visible', draws(Phase.inferVisible));
}

/**
 * `steps` Gibbs steps from `start` (or from uniform noise on `chains` chains); with
 * `probabilities` the last step ends at P(v | h) instead of a sample.
 */
export async function daydream(
  backend: Backend,
  draws: Draws,
  o: { steps: number; chains: number; visible: number; start?: Matrix; probabilities: boolean },
): Promise<Matrix> {
  let v = o.start ?? matrix(o.chains, o.visible);
  if (!o.start) philoxUniforms(draws(Phase.inferVisible), o.chains, o.visible, v.data);
  for (let s = 0; s < o.steps; s++) {
    const last = s === o.steps - 1 && o.probabilities;
    v = last ? await backend.propagate(await backend.propagate(v, 'hidden', draws(Phase.inferHidden)), 'visible') : await gibbsStep(backend, v, draws);
  }
  return v;
}

/**
 * Fills in the units `known` marks 0 by Gibbs sampling with the others clamped to x. Unknown
 * units start off (0), so the first hidden states answer to the known units alone (starting
 * from noise lets models whose chains fall silent never recover); the last step gives the
 * unknown units' probabilities.
 */
export async function inpaint(backend: Backend, draws: Draws, x: Matrix, known: Matrix, steps: number): Promise<Matrix> {
  const clamp = (v: Matrix) => {
    for (let k = 0; k < v.data.length; k++) if (known.data[k] === 1) v.data[k] = x.data[k];
    return v;
  };
  let v = clamp(matrix(x.rows, x.cols));
  for (let s = 1; s < steps; s++) v = clamp(await gibbsStep(backend, v, draws));
  const h = await backend.propagate(v, 'hidden', draws(Phase.inferHidden));
  return clamp(await backend.propagate(h, 'visible'));
}

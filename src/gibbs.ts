import { clampKnown, type Backend, type GibbsJob } from './backend/backend.js';
import { NonNormalisableError } from './errors.js';
import { matrix, type Matrix } from './matrix.js';
import { Phase, philoxUniforms, type DrawAddress } from './rng/stream.js';

/** Where each sampling call draws from: the model's inference stream, one address per call. */
export type Draws = (phase: Phase) => DrawAddress;

/** One sampled Gibbs step v → h → v. */
export async function gibbsStep(backend: Backend, v: Matrix, draws: Draws): Promise<Matrix> {
  return finiteChains(await backend.gibbs({ start: v, ...stepDraws(draws, 1, false) }), 1);
}

/**
 * The chains' states, refused when they left the finite numbers: only a model without a finite
 * normaliser lets them (Gaussian visible units with real-valued hidden units whose precisions do
 * not outweigh the coupling), and its samples mean nothing.
 */
function finiteChains(v: Matrix, steps: number): Matrix {
  const bad = v.data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    throw new NonNormalisableError(
      `the Gibbs chains reached ${v.data[bad]} (chain ${Math.floor(bad / v.cols)}, unit ${bad % v.cols}) within ${steps} steps: this model has no finite normaliser ` +
        `(Gaussian visible units with Gaussian or ReLU hidden units need diag(γ) − Wᵀ·diag(1/σ²)·W positive definite; docs/layers.md)`,
    );
  }
  return v;
}

/**
 * The addresses of `steps` Gibbs steps, taken from `draws` in the order a host loop takes them
 * (hidden, visible, hidden, …); with `probabilities` the last step draws no visible states.
 */
function stepDraws(draws: Draws, steps: number, probabilities: boolean): Pick<GibbsJob, 'hiddenDraws' | 'visibleDraws' | 'probabilities'> {
  const hiddenDraws: DrawAddress[] = [];
  const visibleDraws: DrawAddress[] = [];
  for (let s = 0; s < steps; s++) {
    hiddenDraws.push(draws(Phase.inferHidden));
    if (!(probabilities && s === steps - 1)) visibleDraws.push(draws(Phase.inferVisible));
  }
  return { hiddenDraws, visibleDraws, probabilities };
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
  if (o.steps > 0) v = finiteChains(await backend.gibbs({ start: v, ...stepDraws(draws, o.steps, o.probabilities) }), o.steps);
  return v;
}

/**
 * Fills in the units `known` marks 0 by Gibbs sampling with the others clamped to x. Unknown
 * units start off (0), so the first hidden states answer to the known units alone (starting
 * from noise lets models whose chains fall silent never recover); the last step gives the
 * unknown units' probabilities.
 */
export async function inpaint(backend: Backend, draws: Draws, x: Matrix, known: Matrix, steps: number): Promise<Matrix> {
  const clamp = { known, values: x };
  return finiteChains(await backend.gibbs({ start: clampKnown(matrix(x.rows, x.cols), clamp), ...stepDraws(draws, steps, true), clamp }), steps);
}

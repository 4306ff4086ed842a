import type { TrainingRule } from '../backend.js';
import type { Parameters } from '../../parameters.js';
import { sampleBernoulli as sample } from '../../layers/binary.js';
import { sigmoid } from '../../math.js';
import { gibbsPhase, Phase, type DrawAddress, type UniformSource } from '../../rng/stream.js';
import { multiplyAdd, multiplyTransposedAdd } from './kernels.js';
import type { StepScratch, TemperedScratch } from './scratch.js';

/**
 * Parallel tempering's negative phase (Desjardins, Courville, Bengio, Vincent & Delalleau,
 * "Tempered Markov chain Monte Carlo for training of restricted Boltzmann machines", AISTATS
 * 2010; docs/training-step.md). Every batch row has a chain at each inverse temperature β_k;
 * each of the rule's cdSteps sweeps makes one Gibbs step in every chain at its β, then offers
 * neighbouring temperatures a swap of states. Returns the β = 1 chains' visible samples and
 * hidden statistic; keeps every chain's hidden state in p.hiddenChains.
 */
export function temperedNegativePhase(
  p: Parameters,
  rows: number,
  rule: TrainingRule,
  at: (phase: number) => DrawAddress,
  uniforms: UniformSource,
  s: StepScratch,
): [visible: Float32Array, hidden: Float32Array] {
  const [V, H, W] = [p.visibleBias.length, p.hiddenBias.length, p.weights];
  const M = rule.parallelTempering!.temperatures;
  const tc = s.tempered(M);
  const chains = rows * M;
  tc.hidden.fill(0);
  if (p.hiddenChains) tc.hidden.set(p.hiddenChains.subarray(0, Math.min(p.hiddenChains.length, chains * H)));
  const beta = (q: number) => tc.betas[q % M];
  for (let t = 1; t <= rule.cdSteps; t++) {
    // v ~ σ(β·(b + h·Wᵀ)), then h ~ σ(β·(c + v·W)), all chains at once.
    multiplyTransposedAdd(tc.hidden, chains, H, W, V, p.visibleBias, tc.visible, s.weightsTransposed);
    for (let k = 0; k < chains * V; k++) tc.visible[k] = sigmoid(beta(Math.floor(k / V)) * tc.visible[k]);
    uniforms(at(gibbsPhase(Phase.visible, t)), chains, V, tc.uniforms);
    sample(tc.visible, tc.uniforms, chains * V, tc.visible);
    multiplyAdd(tc.visible, chains, V, W, H, p.hiddenBias, tc.activation);
    for (let k = 0; k < chains * H; k++) tc.hidden[k] = sigmoid(beta(Math.floor(k / H)) * tc.activation[k]);
    uniforms(at(gibbsPhase(Phase.hiddenAgain, t)), chains, H, tc.uniforms);
    sample(tc.hidden, tc.uniforms, chains * H, tc.hidden);
    // E(v, h) = −(h·(c + v·W) + b·v) of each chain's new state, at β = 1.
    for (let q = 0; q < chains; q++) {
      let e = 0;
      for (let j = 0; j < H; j++) e -= tc.hidden[q * H + j] * tc.activation[q * H + j];
      for (let i = 0; i < V; i++) e -= p.visibleBias[i] * tc.visible[q * V + i];
      tc.energy[q] = e;
    }
    swapNeighbours(tc, rows, M, V, H, (t - 1) % 2, at(gibbsPhase(Phase.temperingSwap, t)), uniforms, s.swaps);
  }
  const store = p as { hiddenChains?: Float32Array };
  if (!store.hiddenChains || store.hiddenChains.length < chains * H) {
    const grown = new Float32Array(chains * H);
    if (store.hiddenChains) grown.set(store.hiddenChains);
    store.hiddenChains = grown;
  }
  store.hiddenChains.set(tc.hidden.subarray(0, chains * H));
  // The β = 1 chain of each row: its visible sample, and its hidden sample or probability.
  for (let r = 0; r < rows; r++) {
    const q = r * M;
    s.visible.set(tc.visible.subarray(q * V, (q + 1) * V), r * V);
    for (let j = 0; j < H; j++) {
      s.hiddenAgain[r * H + j] = tc.hidden[q * H + j];
      s.hiddenAgainProb[r * H + j] = sigmoid(tc.activation[q * H + j]);
    }
  }
  return [s.visible, rule.statistics === 'samples' ? s.hiddenAgain : s.hiddenAgainProb];
}

/**
 * Offers the pairs of neighbouring temperatures (k, k + 1), k ≡ parity (mod 2), of every row a
 * swap of states, accepted when u < exp((β_k − β_{k+1})·(E_k − E_{k+1})), u drawn at (row, k).
 */
function swapNeighbours(
  tc: TemperedScratch,
  rows: number,
  M: number,
  V: number,
  H: number,
  parity: number,
  address: DrawAddress,
  uniforms: UniformSource,
  counts: { accepted: number; tried: number },
): void {
  uniforms(address, rows, M, tc.uniforms);
  for (let r = 0; r < rows; r++) {
    for (let k = parity; k + 1 < M; k += 2) {
      const [a, b] = [r * M + k, r * M + k + 1];
      const log = (tc.betas[k] - tc.betas[k + 1]) * (tc.energy[a] - tc.energy[b]);
      counts.tried++;
      if (!(tc.uniforms[r * M + k] < Math.exp(Math.min(log, 0)))) continue;
      counts.accepted++;
      swapRows(tc.hidden, a, b, H);
      swapRows(tc.visible, a, b, V);
      swapRows(tc.activation, a, b, H);
      [tc.energy[a], tc.energy[b]] = [tc.energy[b], tc.energy[a]];
    }
  }
}

function swapRows(m: Float32Array, a: number, b: number, width: number): void {
  for (let k = 0; k < width; k++) [m[a * width + k], m[b * width + k]] = [m[b * width + k], m[a * width + k]];
}

import { yieldToEventLoop } from '../event-loop.js';
import { sigmoid } from '../math.js';
import { binaryHidden } from '../layers/binary.js';
import type { HiddenLayer } from '../layers/layer.js';
import { softmaxGroups } from '../layers/softmax.js';
import type { Parameters } from '../parameters.js';
import { normalDraws, Phase, philoxUniforms } from '../rng/stream.js';
import type { AnnealJob } from './backend.js';

/** `s` plus each hidden unit's share of run r's log f_β(v): −F_j(β·a_j), a the runs' hidden inputs c + v'·W. */
function addHiddenShare(s: number, hidden: HiddenLayer, p: Parameters, beta: number, a: Float64Array, r: number, H: number): number {
  for (let j = 0; j < H; j++) s += -hidden.freeEnergy(p, beta * a[r * H + j], j);
  return s;
}

/** h ~ p_β(h | v) for every run: each unit drawn at β·a from its row of uniforms. */
function drawHidden(hidden: HiddenLayer, p: Parameters, beta: number, a: Float64Array, runs: number, H: number, u: Float32Array, h: Float32Array): void {
  const width = hidden.drawWidth(H);
  for (let r = 0; r < runs; r++) {
    const row = u.subarray(r * width, (r + 1) * width);
    for (let j = 0; j < H; j++) h[r * H + j] = hidden.draw(p, beta * a[r * H + j], j, row);
  }
}

/**
 * AIS's chains on the host, the reference the backends' kernels are tested against: runs
 * `runs` chains from `start` along the inverse temperatures `path`, adding to each chain's log
 * weight log f_β'(v) − log f_β(v) at each step and then making one Gibbs transition that leaves
 * p_β' invariant (docs/training-step.md, "Annealed importance sampling"); returns the log
 * weights. Forward AIS walks the path up from 0, reverse AIS down from 1. With `softmax`, the
 * visible units form groups of that size, each drawn as one categorical variable (one uniform
 * per run and group). The hidden units are `hidden`'s: their terms and draws at β·(c + v·W).
 */
export async function annealOnHost(p: Parameters, V: number, H: number, job: AnnealJob, softmax?: number, hidden: HiddenLayer = binaryHidden): Promise<Float64Array> {
  const { path, runs, baseBias, seed } = job;
  const v = job.start.slice();
  const u = new Float32Array(runs * Math.max(V, hidden.drawWidth(H)));
  const hiddenInput = new Float64Array(runs * H); // c + v·W
  const visibleInput = new Float64Array(runs * V); // b + h·Wᵀ
  const h = new Float32Array(runs * H);
  const logWeight = new Float64Array(runs);

  const logUnnormalised = (beta: number, r: number): number => {
    let s = 0;
    for (let i = 0; i < V; i++) if (v[r * V + i] !== 0) s += (1 - beta) * baseBias[i] + beta * p.visibleBias[i];
    return addHiddenShare(s, hidden, p, beta, hiddenInput, r, H);
  };
  const computeHiddenInput = () => {
    for (let r = 0; r < runs; r++) {
      const row = hiddenInput.subarray(r * H, (r + 1) * H);
      row.set(p.hiddenBias);
      for (let i = 0; i < V; i++) {
        if (v[r * V + i] === 0) continue;
        for (let j = 0; j < H; j++) row[j] += p.weights[i * H + j];
      }
    }
  };

  computeHiddenInput();
  for (let k = 1; k < path.length; k++) {
    const [previous, beta] = [path[k - 1], path[k]];
    for (let r = 0; r < runs; r++) logWeight[r] += logUnnormalised(beta, r) - logUnnormalised(previous, r);
    // One Gibbs transition that leaves p_β invariant.
    philoxUniforms({ seed, phase: Phase.aisHidden, epoch: k, batch: 0 }, runs, hidden.drawWidth(H), u);
    drawHidden(hidden, p, beta, hiddenInput, runs, H, u, h);
    for (let r = 0; r < runs; r++) {
      const row = visibleInput.subarray(r * V, (r + 1) * V);
      row.set(p.visibleBias);
      for (let j = 0; j < H; j++) {
        const state = h[r * H + j];
        if (state === 0) continue;
        for (let i = 0; i < V; i++) row[i] += state * p.weights[i * H + j];
      }
    }
    const address = { seed, phase: Phase.aisVisible, epoch: k, batch: 0 };
    if (softmax) {
      philoxUniforms(address, runs, V / softmax, u);
      for (let q = 0; q < runs * V; q++) v[q] = (1 - beta) * baseBias[q % V] + beta * visibleInput[q];
      softmaxGroups(v, runs, V, softmax, u);
    } else {
      philoxUniforms(address, runs, V, u);
      for (let q = 0; q < runs * V; q++) v[q] = sigmoid((1 - beta) * baseBias[q % V] + beta * visibleInput[q]) > u[q] ? 1 : 0;
    }
    computeHiddenInput();
    if ((k & 0xff) === 0) await yieldToEventLoop();
  }
  return logWeight;
}

/**
 * AIS's chains for a model with Gaussian visible units, on the host (the reference): the
 * intermediate models keep the visible units' Gaussian term and scale the rest by β,
 * p_β(v, h) ∝ exp(−Σ(v − b)²/2σ² − U(h) + β·((v/σ²)·W·h + c·h)), so the base model (β = 0) is
 * N(b, σ²) with free hidden units, and log f_β'(v) − log f_β(v) = Σ_j F_j(β·a_j) − F_j(β'·a_j)
 * with a = c + (v/σ²)·W. Transitions: h ~ p(h | β·a), then v ~ N(b + β·h·Wᵀ, σ²) from
 * normalDraws at (seed, aisVisible, epoch k). job.baseBias is not used.
 */
export async function annealGaussianOnHost(p: Parameters, V: number, H: number, job: AnnealJob, hidden: HiddenLayer = binaryHidden): Promise<Float64Array> {
  const { path, runs, seed } = job;
  const z = p.visibleLogVariance!;
  const precision = Float32Array.from(z, (zi) => Math.exp(-zi));
  const deviation = Float32Array.from(z, (zi) => Math.exp(zi / 2));
  const v = job.start.slice();
  const u = new Float32Array(runs * Math.max(2 * V, hidden.drawWidth(H)));
  const normals = new Float32Array(runs * V);
  const hiddenInput = new Float64Array(runs * H);
  const h = new Float32Array(runs * H);
  const logWeight = new Float64Array(runs);
  const computeHiddenInput = () => {
    for (let r = 0; r < runs; r++) {
      const row = hiddenInput.subarray(r * H, (r + 1) * H);
      row.set(p.hiddenBias);
      for (let i = 0; i < V; i++) {
        const x = v[r * V + i] * precision[i];
        for (let j = 0; j < H; j++) row[j] += x * p.weights[i * H + j];
      }
    }
  };
  computeHiddenInput();
  for (let k = 1; k < path.length; k++) {
    const [previous, beta] = [path[k - 1], path[k]];
    for (let q = 0; q < runs * H; q++) logWeight[Math.floor(q / H)] += hidden.freeEnergy(p, previous * hiddenInput[q], q % H) - hidden.freeEnergy(p, beta * hiddenInput[q], q % H);
    philoxUniforms({ seed, phase: Phase.aisHidden, epoch: k, batch: 0 }, runs, hidden.drawWidth(H), u);
    drawHidden(hidden, p, beta, hiddenInput, runs, H, u, h);
    normalDraws(philoxUniforms, { seed, phase: Phase.aisVisible, epoch: k, batch: 0 }, runs, V, normals, u);
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < V; i++) {
        let mean = 0;
        for (let j = 0; j < H; j++) {
          const state = h[r * H + j];
          if (state !== 0) mean += state * p.weights[i * H + j];
        }
        v[r * V + i] = p.visibleBias[i] + beta * mean + deviation[i] * normals[r * V + i];
      }
    }
    computeHiddenInput();
    if ((k & 0xff) === 0) await yieldToEventLoop();
  }
  return logWeight;
}

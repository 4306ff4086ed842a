import { yieldToEventLoop } from '../event-loop.js';
import { sigmoid, softplus } from '../math.js';
import { normalDraws, Phase, philoxUniforms } from '../rng/stream.js';
import type { AnnealJob, Parameters } from './backend.js';
import { softmaxGroups } from './cpu/softmax-step.js';

/**
 * AIS's chains on the host, the reference the backends' kernels are tested against: runs
 * `runs` chains from `start` along the inverse temperatures `path`, adding to each chain's log
 * weight log f_β'(v) − log f_β(v) at each step and then making one Gibbs transition that leaves
 * p_β' invariant (docs/training-step.md, "Annealed importance sampling"); returns the log
 * weights. Forward AIS walks the path up from 0, reverse AIS down from 1. With `softmax`, the
 * visible units form groups of that size, each drawn as one categorical variable (one uniform
 * per run and group).
 */
export async function annealOnHost(p: Parameters, V: number, H: number, job: AnnealJob, softmax?: number): Promise<Float64Array> {
  const { path, runs, baseBias, seed } = job;
  const v = job.start.slice();
  const u = new Float32Array(runs * Math.max(V, H));
  const hiddenInput = new Float64Array(runs * H); // c + v·W
  const visibleInput = new Float64Array(runs * V); // b + h·Wᵀ
  const h = new Float32Array(runs * H);
  const logWeight = new Float64Array(runs);

  const logUnnormalised = (beta: number, r: number): number => {
    let s = 0;
    for (let i = 0; i < V; i++) if (v[r * V + i] !== 0) s += (1 - beta) * baseBias[i] + beta * p.visibleBias[i];
    for (let j = 0; j < H; j++) s += softplus(beta * hiddenInput[r * H + j]);
    return s;
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
    philoxUniforms({ seed, phase: Phase.aisHidden, epoch: k, batch: 0 }, runs, H, u);
    for (let q = 0; q < runs * H; q++) h[q] = sigmoid(beta * hiddenInput[q]) > u[q] ? 1 : 0;
    for (let r = 0; r < runs; r++) {
      const row = visibleInput.subarray(r * V, (r + 1) * V);
      row.set(p.visibleBias);
      for (let j = 0; j < H; j++) {
        if (h[r * H + j] === 0) continue;
        for (let i = 0; i < V; i++) row[i] += p.weights[i * H + j];
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
 * p_β(v, h) ∝ exp(−Σ(v − b)²/2σ² + β·((v/σ²)·W·h + c·h)), so the base model (β = 0) is
 * N(b, σ²) with free hidden units, and log f_β'(v) − log f_β(v) = Σ_j softplus(β'·a_j) −
 * softplus(β·a_j) with a = c + (v/σ²)·W. Transitions: h ~ σ(β·a), then v ~ N(b + β·h·Wᵀ, σ²)
 * from normalDraws at (seed, aisVisible, epoch k). job.baseBias is not used.
 */
export async function annealGaussianOnHost(p: Parameters, V: number, H: number, job: AnnealJob): Promise<Float64Array> {
  const { path, runs, seed } = job;
  const z = p.visibleLogVariance!;
  const precision = Float32Array.from(z, (zi) => Math.exp(-zi));
  const deviation = Float32Array.from(z, (zi) => Math.exp(zi / 2));
  const v = job.start.slice();
  const u = new Float32Array(runs * Math.max(2 * V, H));
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
    for (let q = 0; q < runs * H; q++) logWeight[Math.floor(q / H)] += softplus(beta * hiddenInput[q]) - softplus(previous * hiddenInput[q]);
    philoxUniforms({ seed, phase: Phase.aisHidden, epoch: k, batch: 0 }, runs, H, u);
    for (let q = 0; q < runs * H; q++) h[q] = sigmoid(beta * hiddenInput[q]) > u[q] ? 1 : 0;
    normalDraws(philoxUniforms, { seed, phase: Phase.aisVisible, epoch: k, batch: 0 }, runs, V, normals, u);
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < V; i++) {
        let mean = 0;
        for (let j = 0; j < H; j++) if (h[r * H + j] !== 0) mean += p.weights[i * H + j];
        v[r * V + i] = p.visibleBias[i] + beta * mean + deviation[i] * normals[r * V + i];
      }
    }
    computeHiddenInput();
    if ((k & 0xff) === 0) await yieldToEventLoop();
  }
  return logWeight;
}

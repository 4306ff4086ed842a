import { yieldToEventLoop } from '../event-loop.js';
import { sigmoid, softplus } from '../math.js';
import { Phase, philoxUniforms } from '../rng/stream.js';
import type { AnnealJob, Parameters } from './backend.js';

/**
 * AIS's chains on the host, the reference the backends' kernels are tested against: runs
 * `runs` chains from `start` along the inverse temperatures `path`, adding to each chain's log
 * weight log f_β'(v) − log f_β(v) at each step and then making one Gibbs transition that leaves
 * p_β' invariant (docs/training-step.md, "Annealed importance sampling"); returns the log
 * weights. Forward AIS walks the path up from 0, reverse AIS down from 1.
 */
export async function annealOnHost(p: Parameters, V: number, H: number, job: AnnealJob): Promise<Float64Array> {
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
    philoxUniforms({ seed, phase: Phase.aisVisible, epoch: k, batch: 0 }, runs, V, u);
    for (let q = 0; q < runs * V; q++) {
      v[q] = sigmoid((1 - beta) * baseBias[q % V] + beta * visibleInput[q]) > u[q] ? 1 : 0;
    }
    computeHiddenInput();
    if ((k & 0xff) === 0) await yieldToEventLoop();
  }
  return logWeight;
}

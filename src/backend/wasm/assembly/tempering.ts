// Parallel tempering (docs/training-step.md, "Parallel tempering"; temperedNegativePhase in
// src/backend/cpu/cd-step.ts is the reference). Swaps pair chains of the same batch row only,
// so the thread that has a row runs all M of its chains, chain q = row·M + k at β_k, and no
// thread waits for another's. Draws are addressed by chain (and by row for the swaps), so a
// chain's states are the same whichever thread runs it.

import { GIBBS_PHASE_STRIDE, PHASE_HIDDEN_AGAIN, PHASE_TEMPERING_SWAP, PHASE_VISIBLE } from './constants';
import { sampleRow, sigmoidRow } from './layers/binary';
import { sigmoid4 } from './math';
import { uniformRow } from './philox';
import { compress, sumRows } from './sparse';
import { b, betas, bySamples, c, cdSteps, chainActivation, chains, chainVisible, energies, H, hidden1, hiddenBytes, hIndex, pre, rowBytes, swapCounts, swapUniforms, temperatures, uniforms, V, vCount, vIndex, vValue, W, Wt } from './state';
import { f32At } from './sums';

/**
 * Batch row i's negative phase: cdSteps sweeps of its M chains, each followed by the swaps of
 * its pairs (k, k + 1), k ≡ t − 1 (mod 2); then the β = 1 chain's visible sample and hidden
 * statistic into the row's negative statistics, where the gradient reads them.
 */
export function temperRow(i: i32, batch: i32): void {
  const vi = vIndex + <usize>i * rowBytes;
  const vv = vValue + <usize>i * rowBytes;
  for (let t = 1; t <= cdSteps; t++) {
    const stride = GIBBS_PHASE_STRIDE * <u32>(t - 1);
    for (let k = 0; k < temperatures; k++) temperedGibbsStep(i, k, batch, stride, vi, vv);
    swapNeighbours(i, (t - 1) & 1, batch, stride);
  }
  store<i32>(vCount + (<usize>i << 2), compress(chainVisible, V, vi, vv));
  const h1 = hidden1 + <usize>i * hiddenBytes;
  if (bySamples) {
    memory.copy(h1, chains + <usize>(i * temperatures) * hiddenBytes, hiddenBytes);
  } else {
    memory.copy(h1, chainActivation, hiddenBytes);
    sigmoidRow(h1, H);
  }
}

/**
 * One Gibbs step of chain k of row i at β_k: v ~ σ(β·(b + h·Wᵀ)), then h ~ σ(β·(c + v·W)),
 * keeping c + v·W and the new state's energy. `vi` and `vv` are the row's visible list, free
 * until its statistics are written.
 */
function temperedGibbsStep(i: i32, k: i32, batch: i32, stride: u32, vi: usize, vv: usize): void {
  const q = i * temperatures + k;
  const beta = load<f32>(f32At(betas, k));
  const h = chains + <usize>q * hiddenBytes;
  const v = chainVisible + <usize>k * rowBytes;
  const activation = chainActivation + <usize>k * hiddenBytes;
  const hn = compress(h, H, hIndex, pre);
  sumRows(pre, b, Wt, V, hIndex, 0, hn, true);
  temperedSigmoidRow(pre, pre, V, beta);
  uniformRow(uniforms, V, <u32>q, <u32>batch, PHASE_VISIBLE + stride);
  sampleRow(pre, uniforms, V, v, 0, true);
  const vn = compress(v, V, vi, vv);
  sumRows(activation, c, W, H, vi, vv, vn, true);
  temperedSigmoidRow(pre, activation, H, beta);
  uniformRow(uniforms, H, <u32>q, <u32>batch, PHASE_HIDDEN_AGAIN + stride);
  sampleRow(pre, uniforms, H, h, 0, true);
  store<f64>(energies + (<usize>k << 3), energy(h, activation, v));
}

/** out = σ(β·input), lane by lane. */
function temperedSigmoidRow(out: usize, input: usize, n: i32, beta: f32): void {
  const beta4 = f32x4.splat(beta);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(f32At(out, j), sigmoid4(f32x4.mul(beta4, v128.load(f32At(input, j)))));
  for (; j < n; j++) {
    const p = f32x4.extract_lane(sigmoid4(f32x4.splat(beta * load<f32>(f32At(input, j)))), 0);
    store<f32>(f32At(out, j), p);
  }
}

/** E = −(h·(c + v·W) + b·v), in float64 and in the reference's order, so that swaps are decided alike. */
function energy(h: usize, activation: usize, v: usize): f64 {
  let e: f64 = 0;
  for (let j = 0; j < H; j++) e -= <f64>load<f32>(f32At(h, j)) * <f64>load<f32>(f32At(activation, j));
  for (let i = 0; i < V; i++) e -= <f64>load<f32>(f32At(b, i)) * <f64>load<f32>(f32At(v, i));
  return e;
}

/**
 * Offers row i's pairs (k, k + 1), k ≡ parity (mod 2), a swap of states, accepted when
 * u < exp(min(0, (β_k − β_{k+1})·(E_k − E_{k+1}))) with u drawn at (row i, col k); a NaN
 * refuses it, as in the reference. Counts the swaps accepted and offered.
 */
function swapNeighbours(i: i32, parity: i32, batch: i32, stride: u32): void {
  uniformRow(swapUniforms, temperatures, <u32>i, <u32>batch, PHASE_TEMPERING_SWAP + stride);
  for (let k = parity; k + 1 < temperatures; k += 2) {
    const log = (<f64>load<f32>(f32At(betas, k)) - <f64>load<f32>(f32At(betas, k + 1))) * (load<f64>(energies + (<usize>k << 3)) - load<f64>(energies + (<usize>(k + 1) << 3)));
    store<f64>(swapCounts, load<f64>(swapCounts, 8) + 1, 8);
    if (!(<f64>load<f32>(f32At(swapUniforms, k)) < Math.exp(Math.min(log, 0)))) continue;
    store<f64>(swapCounts, load<f64>(swapCounts) + 1);
    const h = chains + <usize>(i * temperatures + k) * hiddenBytes;
    swapFloats(h, h + hiddenBytes, H);
    const v = chainVisible + <usize>k * rowBytes;
    swapFloats(v, v + rowBytes, V);
    const activation = chainActivation + <usize>k * hiddenBytes;
    swapFloats(activation, activation + hiddenBytes, H);
    const e = energies + (<usize>k << 3);
    const ek = load<f64>(e);
    store<f64>(e, load<f64>(e, 8));
    store<f64>(e, ek, 8);
  }
}

/** Exchanges n floats at a with those at b. */
function swapFloats(a: usize, b: usize, n: i32): void {
  for (let j = 0; j < n; j++) {
    const x = load<f32>(f32At(a, j));
    store<f32>(f32At(a, j), load<f32>(f32At(b, j)));
    store<f32>(f32At(b, j), x);
  }
}

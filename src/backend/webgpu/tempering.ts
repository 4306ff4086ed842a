/**
 * Parallel tempering's negative phase on the GPU (docs/training-step.md): M persistent chains
 * per batch row at inverse temperatures β_k, swapping between neighbours after each sweep.
 */
import { inverseTemperatures } from '../backend.js';
import { gibbsPhase, Phase } from '../../rng/stream.js';
import { uploadFloats } from './buffers.js';
import type { Dispatch } from './dispatch.js';
import { ELEMENTWISE, Epilogue, MAX_GROUPS, TILE_M, TILE_N, UNITS_WG, Write } from './params.js';
import { matmul, temperedEnergy, temperedStatistics, temperedSwap } from './programs.js';
import { ceilDiv, type NegativePhase, type TrainerContext } from './trainer-context.js';
import { Call, Tempering } from './uniforms.js';

/**
 * Parallel tempering's negative phase as dispatches over every batch row's M chains at once,
 * chain q = r·M + k at β_k, the chains' hidden states persistent in the trainer's chains buffer
 * (rows × M × H, the reference's layout). Each sweep t: the visible draws at gibbsPhase(visible, t)
 * and the hidden ones at gibbsPhase(hiddenAgain, t), row q of rows·M (the tempered matmuls), each
 * chain's energy, then the swaps of the pairs k ≡ (t − 1) mod 2. Last, the β = 1 chains'
 * statistics go to the stacked batch's lower halves. The swaps accepted and offered are counted
 * in `swaps` (two u32, zeroed when an epoch starts).
 */
export async function temperedChain(ctx: TrainerContext, temperatures: number): Promise<NegativePhase> {
  const { model: m } = ctx;
  const [V, H] = [m.visible, m.hidden];
  const { maxRows, chain } = ctx.shape;
  const M = temperatures;
  const [down, up, energyKernel, swapKernel, statisticsKernel] = await Promise.all([
    // v ~ σ(β·(b + h·Wᵀ)), and h ~ σ(β·(c + v·W)) keeping c + v·W.
    ctx.kernels.get(matmul, { transposeB: true, epilogue: Epilogue.sample, tempered: true }),
    ctx.kernels.get(matmul, { transposeB: false, epilogue: Epilogue.sample, tempered: true }),
    ctx.kernels.get(temperedEnergy),
    ctx.kernels.get(temperedSwap),
    ctx.kernels.get(temperedStatistics),
  ]);
  const chains = maxRows * M;
  const chainVisible = ctx.storage('tempered visible states', chains * V);
  const activation = ctx.storage('tempered hidden inputs c + v·W', chains * H);
  const energies = ctx.storage('tempered energies', chains);
  const betas = ctx.own(uploadFloats(ctx.device, 'inverse temperatures', inverseTemperatures(M)));
  const swaps = ctx.storage('swaps accepted, offered', 2);
  const sweep = (t: number) =>
    ctx.uniform(`tempering sweep ${t}`, Tempering, { temperatures: M, visible: V, hidden: H, parity: (t - 1) % 2, phase: gibbsPhase(Phase.temperingSwap, t) });
  const call = (label: string, values: { n: number; k: number; phase: number; flags: number }) =>
    ctx.uniform(`${label} call`, Call, { ...values, aBlock: 0, outBlock: 0, temperatures: M });
  const { rule } = ctx;

  const first = sweep(1);
  const rowsGrid = ceilDiv(chains, TILE_M);
  const across = Math.min(chains, MAX_GROUPS);
  const energy = energyKernel.dispatch('tempered energies', {
    visibleBias: m.visibleBias, visible: chainVisible, hidden: ctx.chains, activation, energies, shape: first,
  }, across, ceilDiv(chains, across));
  const dispatches: Dispatch[] = [];
  for (let t = 1; t <= chain.cdSteps; t++) {
    dispatches.push(
      down.dispatch(`tempered v${t}`, m.matmul({
        a: ctx.chains, bias: m.visibleBias, samples: chainVisible, aux: betas, rule,
        call: call(`tempered v${t}`, { n: V, k: H, phase: gibbsPhase(Phase.visible, t), flags: Write.samples }),
      }), ceilDiv(V, TILE_N), rowsGrid),
      up.dispatch(`tempered h${t}`, m.matmul({
        a: chainVisible, bias: m.hiddenBias, stat: activation, samples: ctx.chains, aux: betas, rule,
        call: call(`tempered h${t}`, { n: H, k: V, phase: gibbsPhase(Phase.hiddenAgain, t), flags: Write.stat | Write.samples }),
      }), ceilDiv(H, TILE_N), rowsGrid),
    );
    // With two temperatures, the sweeps of odd parity offer no pair.
    if ((t - 1) % 2 + 1 >= M) continue;
    dispatches.push(energy, swapKernel.dispatch(`tempered swaps ${t}`, {
      betas, energies, visible: chainVisible, hidden: ctx.chains, activation, swaps, shape: t === 1 ? first : sweep(t), rule,
    }, ceilDiv(maxRows, UNITS_WG)));
  }
  dispatches.push(statisticsKernel.dispatch('tempered statistics', {
    visible: chainVisible, hidden: ctx.chains, activation, visibleStack: ctx.visibleStack, hiddenStack: ctx.hiddenStack, shape: first, rule,
  }, ceilDiv(Math.max(V, H), ELEMENTWISE.wgX), ceilDiv(maxRows, ELEMENTWISE.wgY)));
  return { dispatches, swaps };
}

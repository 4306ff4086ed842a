import { inverseTemperatures } from '../backend.js';
import { gibbsPhase, Phase } from '../../rng/stream.js';
import { createBuffer, uniformBuffer, uploadFloats, Usage } from './buffers.js';
import type { Kernels } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import { ELEMENTWISE, Epilogue, MAX_GROUPS, TILE_M, TILE_N, UNITS_WG, Write } from './params.js';
import type { Dispatch } from './trainer.js';
import { Call, Tempering } from './uniforms.js';

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

export interface TemperedPipelines {
  /** The tempered matmuls: v ~ σ(β·(b + h·Wᵀ)), and h ~ σ(β·(c + v·W)) keeping c + v·W. */
  readonly down: GPUComputePipeline;
  readonly up: GPUComputePipeline;
  readonly energy: GPUComputePipeline;
  readonly swap: GPUComputePipeline;
  readonly statistics: GPUComputePipeline;
}

export async function temperedPipelines(kernels: Kernels): Promise<TemperedPipelines> {
  const [down, up, energy, swap, statistics] = await Promise.all([
    kernels.matmul({ transposeB: true, epilogue: Epilogue.sample, tempered: true }),
    kernels.matmul({ transposeB: false, epilogue: Epilogue.sample, tempered: true }),
    kernels.temperedEnergy(),
    kernels.temperedSwap(),
    kernels.temperedStatistics(),
  ]);
  return { down, up, energy, swap, statistics };
}

/** The trainer's buffers the tempered negative phase reads and writes. */
export interface TemperedTargets {
  /** The chains' hidden states, rows × M × H: persistent, the reference's layout. */
  readonly chains: GPUBuffer;
  /** The stacked batch, whose lower halves receive v_k and h_k's statistic. */
  readonly visibleStack: GPUBuffer;
  readonly hiddenStack: GPUBuffer;
  /** Swaps accepted and offered (two u32), zeroed when an epoch starts. */
  readonly swaps: GPUBuffer;
  readonly rule: GPUBuffer;
}

/** The shape of the tempered negative phase: batches of up to maxRows rows, M chains a row. */
export interface TemperedShape {
  readonly maxRows: number;
  readonly temperatures: number;
  readonly cdSteps: number;
}

/**
 * Parallel tempering's negative phase (docs/training-step.md) as dispatches over every batch
 * row's M chains at once, chain q = r·M + k at β_k. Each sweep t: the visible draws at
 * gibbsPhase(visible, t) and the hidden ones at gibbsPhase(hiddenAgain, t), row q of rows·M
 * (the tempered matmuls), each chain's energy, then the swaps of the pairs k ≡ (t − 1) mod 2.
 * Last, the β = 1 chains' statistics go to the stacked batch's lower halves. `own` takes the
 * buffers made here, for the trainer to destroy.
 */
export function temperedNegativePhase(
  device: GPUDevice,
  kernels: Kernels,
  model: ModelBuffers,
  pipelines: TemperedPipelines,
  targets: TemperedTargets,
  shape: TemperedShape,
  own: (buffer: GPUBuffer) => GPUBuffer,
): Dispatch[] {
  const { visible: V, hidden: H } = model;
  const { maxRows, temperatures: M, cdSteps } = shape;
  const chains = maxRows * M;
  const storage = (label: string, floats: number) => own(createBuffer(device, label, floats * 4, Usage.storage));
  const chainVisible = storage('tempered visible states', chains * V);
  const activation = storage('tempered hidden inputs c + v·W', chains * H);
  const energies = storage('tempered energies', chains);
  const betas = own(uploadFloats(device, 'inverse temperatures', inverseTemperatures(M)));
  const sweep = (t: number) =>
    own(uniformBuffer(device, `tempering sweep ${t}`, Tempering, {
      temperatures: M, visible: V, hidden: H, parity: (t - 1) % 2, phase: gibbsPhase(Phase.temperingSwap, t),
    }));
  const whole = (buffer: GPUBuffer): GPUBufferBinding => ({ buffer });
  const group = (layout: GPUBindGroupLayout, label: string, resources: GPUBindingResource[]) =>
    device.createBindGroup({ label, layout, entries: resources.map((resource, binding) => ({ binding, resource })) });
  const { layouts } = kernels;
  const m = model;
  const matmul = (label: string, a: GPUBuffer, bias: GPUBufferBinding, stat: GPUBuffer, samples: GPUBuffer, call: { n: number; k: number; phase: number; flags: number }) =>
    group(layouts.matmul, label, [
      whole(a), m.weights, bias, whole(stat), whole(samples), whole(betas), whole(m.unused.loss),
      whole(own(uniformBuffer(device, `${label} call`, Call, { ...call, aBlock: 0, outBlock: 0, temperatures: M }))),
      whole(targets.rule),
    ]);

  const first = sweep(1);
  const rowsGrid = ceilDiv(chains, TILE_M);
  const across = Math.min(chains, MAX_GROUPS);
  const energy: Dispatch = [
    pipelines.energy,
    group(layouts.temperedEnergy, 'tempered energies', [m.visibleBias, whole(chainVisible), whole(targets.chains), whole(activation), whole(energies), whole(first)]),
    across,
    ceilDiv(chains, across),
  ];
  const dispatches: Dispatch[] = [];
  for (let t = 1; t <= cdSteps; t++) {
    const down = matmul(`tempered v${t}`, targets.chains, m.visibleBias, m.unused.stat, chainVisible, { n: V, k: H, phase: gibbsPhase(Phase.visible, t), flags: Write.samples });
    const up = matmul(`tempered h${t}`, chainVisible, m.hiddenBias, activation, targets.chains, {
      n: H, k: V, phase: gibbsPhase(Phase.hiddenAgain, t), flags: Write.stat | Write.samples,
    });
    dispatches.push([pipelines.down, down, ceilDiv(V, TILE_N), rowsGrid], [pipelines.up, up, ceilDiv(H, TILE_N), rowsGrid]);
    // With two temperatures, the sweeps of odd parity offer no pair.
    if ((t - 1) % 2 + 1 >= M) continue;
    const swap = group(layouts.temperedSwap, `tempered swaps ${t}`, [
      whole(betas), whole(energies), whole(chainVisible), whole(targets.chains), whole(activation), whole(targets.swaps),
      whole(t === 1 ? first : sweep(t)), whole(targets.rule),
    ]);
    dispatches.push(energy, [pipelines.swap, swap, ceilDiv(maxRows, UNITS_WG), 1]);
  }
  const statistics = group(layouts.temperedStatistics, 'tempered statistics', [
    whole(chainVisible), whole(targets.chains), whole(activation), whole(targets.visibleStack), whole(targets.hiddenStack), whole(first), whole(targets.rule),
  ]);
  dispatches.push([pipelines.statistics, statistics, ceilDiv(Math.max(V, H), ELEMENTWISE.wgX), ceilDiv(maxRows, ELEMENTWISE.wgY)]);
  return dispatches;
}

/**
 * What a trainer's phase builders share: its shape (batch size, chain, unit kinds), the stacked
 * batch's buffers every phase reads or writes,
 * the per-epoch uniforms, where the update kernels find each parameter (from the model buffers'
 * layout), and a way for a phase to make buffers of its own that the trainer destroys with the rest.
 */
import type { TrainingRule } from '../backend.js';
import { BufferUsage } from './constants.js';
import { createBuffer, uniformBuffer, Usage } from './buffers.js';
import type { Dispatch } from './dispatch.js';
import type { Kernels } from './kernels.js';
import type { ModelBuffers } from './model-buffers.js';
import type { ParameterName } from '../../parameters.js';
import { MATMUL, TARGET_WORKGROUPS, TILE_M, TILE_N } from './params.js';
import type { GpuData } from './resident-data.js';
import { Call, Layout, Rule, type Scalar, type StructValues, type UniformStruct } from './uniforms.js';
import { hiddenUnits, type UnitSnippet } from './units.js';

export const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** The shape of the negative chain, fixed for a trainer's dispatches. */
export interface ChainShape {
  readonly cdSteps: number;
  readonly persistent: boolean;
  /** Parallel tempering's M: that many persistent chains per batch row. */
  readonly temperatures?: number;
  /** 'mixed' statistics: the hidden half steps read sampled visible states, the statistics keep the probabilities. */
  readonly sampledVisible?: boolean;
}

/** What the visible layer is beside plain binary units, fixed for a trainer's dispatches, with the rule's options for it. */
export interface UnitKinds {
  /** Gaussian visible units, their log-variances learning or not. */
  readonly gaussian?: { readonly learnVariance: boolean };
  readonly labels?: TrainingRule['labels'];
  /** Softmax visible groups of groupSize units. */
  readonly softmax?: { readonly groupSize: number };
}

/** What a trainer is made for: batches of up to maxRows rows, its chain and its units. */
export interface TrainerShape {
  readonly maxRows: number;
  readonly batches: number;
  readonly chain: ChainShape;
  readonly centred: boolean;
  readonly kinds: UnitKinds;
}

/** A negative phase's dispatches, and parallel tempering's swap counts (two u32) when it tempers. */
export interface NegativePhase {
  readonly dispatches: Dispatch[];
  readonly swaps?: GPUBuffer;
}

/** The buffers a phase makes are the trainer's to destroy. */
export class OwnedBuffers {
  private readonly buffers: GPUBuffer[] = [];

  own(buffer: GPUBuffer): GPUBuffer {
    this.buffers.push(buffer);
    return buffer;
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
  }
}

/**
 * What every phase builder gets. The stacked batch: the visible stack [X; v_k] that the hidden
 * units see and the gradient reads (Gaussian units: divided by σ², the states as they are in
 * visibleStates), the hidden stack [h0; h_k] of statistics, and h0's samples.
 */
export interface TrainerContext {
  readonly device: GPUDevice;
  readonly kernels: Kernels;
  readonly model: ModelBuffers;
  readonly data: GpuData;
  readonly shape: TrainerShape;
  readonly visibleStack: GPUBuffer;
  readonly visibleStates: GPUBuffer;
  /** [h0; h_k], and when the hidden units learn γ the statistics' second moments after them: [h0; h_k; m₂(h0); m₂(h_k)]. */
  readonly hiddenStack: GPUBuffer;
  /** Whether the hidden units learn γ: the matmuls then write the second moments, and γ's step reads them. */
  readonly learnsGamma: boolean;
  readonly hidden0: GPUBuffer;
  /** The hidden units' kernel code, for the matmuls that make their states. */
  readonly hiddenUnits: UnitSnippet;
  /** The persistent chains' hidden states (parallel tempering's, M per row). */
  readonly chains: GPUBuffer;
  /** The epoch's shuffled order of the data's rows. */
  readonly order: GPUBuffer;
  /** The batches' losses, one float each, read back once per epoch. */
  readonly epochLoss: GPUBuffer;
  /** The first batch that left a non-finite parameter (HEALTHY while none has). */
  readonly health: GPUBuffer;
  /** The per-epoch Rule. */
  readonly rule: GPUBuffer;
  /** Where the update kernels find each parameter. */
  readonly layout: GPUBuffer;
  /** The workgroups along the batch's rows of a matmul. */
  readonly rowsGrid: number;
  own(buffer: GPUBuffer): GPUBuffer;
  storage(label: string, floats: number): GPUBuffer;
  uniform<F extends Record<string, Scalar>>(label: string, struct: UniformStruct<F>, values: StructValues<F>): GPUBuffer;
  /** A matmul's Call uniform (one batch row per output row). */
  matmulCall(label: string, call: Omit<StructValues<typeof Call.fields>, 'temperatures'>): GPUBuffer;
}

/** Makes the buffers every phase shares, owned by `owned`. */
export function trainerContext(device: GPUDevice, kernels: Kernels, model: ModelBuffers, data: GpuData, shape: TrainerShape, owned: OwnedBuffers): TrainerContext {
  const { visible: V, hidden: H } = model;
  const { maxRows, batches, chain, kinds } = shape;
  const own = (buffer: GPUBuffer) => owned.own(buffer);
  const storage = (label: string, floats: number) => own(createBuffer(device, label, floats * 4, Usage.storage));
  const uniform = <F extends Record<string, Scalar>>(label: string, struct: UniformStruct<F>, values: StructValues<F>) => own(uniformBuffer(device, label, struct, values));
  const visibleStack = storage('visible stack [X; v1]', 2 * maxRows * V);
  const m = model;
  // Where the layout has no place for a tensor, its kernels do not run.
  const offset = (field: ParameterName) => (m.has(field) ? m.offset(field) : 0);
  const learnsGamma = m.has('hiddenGamma');
  return {
    device,
    kernels,
    model,
    data,
    shape,
    visibleStack,
    visibleStates: kinds.gaussian ? storage('visible states [X; v1] as they are', 2 * maxRows * V) : visibleStack,
    hiddenStack: learnsGamma ? storage('hidden stack [h0; h1; m₂(h0); m₂(h1)]', 4 * maxRows * H) : storage('hidden stack [h0; h1]', 2 * maxRows * H),
    learnsGamma,
    hidden0: storage('h0 samples', maxRows * H),
    hiddenUnits: hiddenUnits(m.shape.hiddenType),
    chains: storage('persistent chains', chainRows(maxRows, chain) * H),
    order: own(createBuffer(device, 'order', data.rows * 4, BufferUsage.STORAGE | BufferUsage.COPY_DST)),
    epochLoss: storage('epoch losses', batches),
    health: storage('first non-finite batch', 1),
    rule: own(createBuffer(device, 'rule', Rule.size, Usage.uniform)),
    layout: uniform('layout', Layout, {
      v: V, h: H, visibleBias: offset('visibleBias'), hiddenBias: offset('hiddenBias'), slices: splitCount(V, H, maxRows), mu: offset('visibleOffset'),
      lambda: offset('hiddenOffset'), logVariance: offset('visibleLogVariance'), hiddenGamma: offset('hiddenGamma'),
    }),
    rowsGrid: ceilDiv(maxRows, TILE_M),
    own,
    storage,
    uniform,
    matmulCall: (label, call) => uniform(label, Call, { ...call, temperatures: 1 }),
  };
}

/** Rows of persistent chains for batches of up to maxRows rows: M per row with parallel tempering. */
export function chainRows(maxRows: number, chain: ChainShape): number {
  return maxRows * (chain.temperatures ?? 1);
}

/**
 * How many slices the gradient's K = 2B is split into: enough workgroups to fill the GPU
 * (about TARGET_WORKGROUPS) when the (V + 1) × (H + 1) output has few tiles.
 */
export function splitCount(visible: number, hidden: number, maxRows: number): number {
  const tiles = ceilDiv(visible + 1, TILE_M) * ceilDiv(hidden + 1, TILE_N);
  const kTiles = ceilDiv(2 * maxRows, MATMUL.tileK);
  return Math.max(1, Math.min(Math.round(TARGET_WORKGROUPS / tiles), kTiles));
}

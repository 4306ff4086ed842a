import control from './control.json';
import { InvalidArgumentError } from '../../errors.js';
import type { HiddenType } from '../../layers/registry.js';
import { modelTensors } from '../../layers/registry.js';
import { formatBytes } from '../../memory.js';
import { arraysOf, type ParameterName } from '../../parameters.js';
import type { ModelShape } from '../backend.js';

/** Byte offset of each slot of the control block (control.json, shared with the kernels). */
export const Slot = Object.fromEntries(control.slots.map((name, i) => [name, i * 4])) as Record<
  (typeof control.slots)[number],
  number
>;
export const FLOAT_SLOTS: ReadonlySet<string> = new Set(control.floatSlots);
export const Command = control.commands;

/** The visible units' type word (control slot visibleType): which file of the kernels' layers/ runs them. */
export const VisibleTypeWord = { binary: 0, gaussian: 1, softmax: 2 } as const;
/**
 * The hidden units' type word (control slot hiddenType): which file of the kernels' layers/ runs
 * them (layers/hidden.ts chooses). A hidden type without a word here trains on the TypeScript kernels.
 */
export const HiddenTypeWord: { readonly binary: 0 } & Partial<Record<HiddenType, number>> = { binary: 0, gaussian: 1, relu: 2 };

/** Where the control block lives, below the kernels' own static data. */
export const CONTROL_ADDRESS = 4096;
/** Where the kernels' static data starts (asc --memoryBase, set by scripts/build-wasm.mjs from here). */
export const KERNEL_STATIC_BASE = 65536;
/** The first byte the host hands out, above the kernels' static data. */
export const HEAP_START = 131072;
const PAGE = 65536;
/** WebAssembly's 32-bit address space: 65,536 pages of 64 KiB. */
export const MAX_PAGES = 65536;
const ALIGN = 64;
const FLOAT = 4;
/** Rows of the batch per tile of the weight gradient (the kernels' sumWeightGradient). */
export const GRADIENT_TILE_ROWS = 32;

/** The kernels' working copies beside the parameters: Wᵀ, and Gaussian visible units' 1/σ² and σ. */
export type WorkingCopy = 'weightsT' | 'visiblePrecision' | 'visibleDeviation';

/** One array of the model in the shared memory, named as its control slot is. */
export interface ModelArray {
  readonly name: ParameterName | WorkingCopy;
  /** Floats. */
  readonly length: number;
}

/**
 * The arrays a model of `shape` keeps in the shared memory, each in a region of its own: every
 * tensor of the parameter schema (src/parameters.ts, modelTensors) with its velocity, centring's
 * offsets included (whether a model is centred is its parameters' to say), then the working copies.
 */
export function modelArrays(shape: ModelShape): ModelArray[] {
  const { visible: V, hidden: H } = shape;
  const tensors = arraysOf(modelTensors({ ...shape, centering: true }), { V, H, C: shape.labels });
  return [...tensors.map(({ field, length }) => ({ name: field, length })), { name: 'weightsT', length: V * H }, { name: 'visiblePrecision', length: V }, { name: 'visibleDeviation', length: V }];
}

/** Bytes of the shared memory a model of `shape` takes before any data: its arrays and the weight gradient. */
export function modelMemoryBytes(shape: ModelShape): number {
  const regions = [...modelArrays(shape).map((a) => a.length), shape.visible * shape.hidden];
  return HEAP_START + regions.reduce((bytes, length) => bytes + Math.ceil((length * FLOAT) / ALIGN) * ALIGN + ALIGN, 0);
}

/**
 * Each worker's scratch: byte offsets from the start of its share, and the share's size. The
 * kernels read these offsets from the control block, so the layout is defined only here.
 */
export interface ScratchLayout {
  /** A row of pre-activations or probabilities (the wider layer, plus one 16-float block). */
  readonly pre: number;
  /** A row of uniforms, 2V of them for Gaussian units' normals: uniformRow writes whole 16-float blocks. */
  readonly uniforms: number;
  /** The indices of a compressed hidden row (H, plus a vector of padding). */
  readonly hiddenIndex: number;
  readonly visibleGradient: number;
  /** A sampled hidden row (whole 16-float blocks). */
  readonly hiddenSample: number;
  /** Gaussian units: the batch's Σ ½((x − b)² − (v − b)²) per visible unit (V). */
  readonly varianceGradient: number;
  /** Where each visible unit's terms of a tile of the gradient start (V + 2). */
  readonly unitStarts: number;
  /** The terms of a tile of GRADIENT_TILE_ROWS rows of the gradient: at most 2V per row, 8 bytes each. */
  readonly unitTerms: number;
  /** The share's size, a multiple of 64 bytes so shares never share a cache line. */
  readonly bytes: number;
}

export function scratchLayout(visible: number, hidden: number): ScratchLayout {
  const pre = 0;
  const uniforms = pre + (Math.max(visible, hidden) + 16) * FLOAT;
  const hiddenIndex = uniforms + uniformRowBytes(visible, hidden);
  const visibleGradient = hiddenIndex + (hidden + 4) * FLOAT;
  const hiddenSample = visibleGradient + (visible + 4) * FLOAT;
  const varianceGradient = hiddenSample + (hidden + 16) * FLOAT;
  const unitStarts = varianceGradient + (visible + 4) * FLOAT;
  const unitTerms = Math.ceil((unitStarts + (visible + 2) * FLOAT) / ALIGN) * ALIGN;
  const end = unitTerms + GRADIENT_TILE_ROWS * 2 * visible * 8;
  return { pre, uniforms, hiddenIndex, visibleGradient, hiddenSample, varianceGradient, unitStarts, unitTerms, bytes: Math.ceil(end / ALIGN) * ALIGN };
}

/**
 * A row of uniforms for either layer: one per unit, or two for Gaussian units' normals (Box–Muller
 * takes two each), rounded up to whole 16-float blocks (uniformRow writes them whole) plus one.
 */
function uniformRowBytes(visible: number, hidden: number): number {
  return (2 * Math.max(visible, hidden) + 16) * FLOAT;
}

/**
 * Each worker's scratch for parallel tempering, which runs all M chains of one batch row at a
 * time: byte offsets from the start of its share, and the share's size.
 */
export interface TemperedLayout {
  /** The swaps accepted and offered this epoch, two float64 counts (whole numbers, exact to 2^53). */
  readonly swaps: number;
  /** A row of M swap draws: uniformRow writes whole 16-float blocks. */
  readonly uniforms: number;
  /** The row's chains' energies, M float64. */
  readonly energy: number;
  /** The chains' visible states, M × V. */
  readonly visible: number;
  /** The chains' hidden inputs c + v·W, M × H. */
  readonly activation: number;
  /** The share's size, a multiple of 64 bytes so shares never share a cache line. */
  readonly bytes: number;
}

export function temperedLayout(visible: number, hidden: number, temperatures: number): TemperedLayout {
  const swaps = 0;
  const uniforms = swaps + 2 * 8;
  const energy = uniforms + Math.ceil(temperatures / 16) * 16 * FLOAT;
  const states = energy + temperatures * 8;
  const activation = states + temperatures * visible * FLOAT;
  const end = activation + temperatures * hidden * FLOAT;
  return { swaps, energy, uniforms, visible: states, activation, bytes: Math.ceil(end / ALIGN) * ALIGN };
}

/**
 * AIS's buffers (WasmBackend.anneal), laid out from `base` in one region of `bytes`, so that a
 * job too large for the memory is refused before any of it grows. Each worker's row of
 * uniforms (uniformRow writes whole 16-float blocks) is `uniformBytes` apart, in cache lines of
 * its own.
 */
export interface AnnealLayout {
  readonly path: number;
  readonly start: number;
  readonly baseBias: number;
  readonly logWeight: number;
  readonly hiddenInput: number;
  readonly visibleInput: number;
  /** Gaussian units: the chains' scaled states v/σ², listed as visibleIndex lists them (none for binary units). */
  readonly visibleValue: number;
  readonly visibleIndex: number;
  readonly visibleCount: number;
  readonly hiddenIndex: number;
  readonly hiddenCount: number;
  readonly uniforms: number;
  readonly uniformBytes: number;
  readonly bytes: number;
}

export function annealLayout(visible: number, hidden: number, runs: number, steps: number, threads: number, gaussian: boolean, base = 0): AnnealLayout {
  let bytes = base;
  const take = (size: number) => {
    const at = bytes;
    bytes = Math.ceil((at + size) / ALIGN) * ALIGN;
    return at;
  };
  const uniformBytes = Math.ceil(uniformRowBytes(visible, hidden) / ALIGN) * ALIGN;
  const regions = {
    path: take(steps * 8),
    start: take(runs * visible * FLOAT),
    baseBias: take(visible * FLOAT),
    logWeight: take(runs * 8),
    hiddenInput: take(runs * hidden * FLOAT),
    visibleInput: take(runs * visible * FLOAT),
    visibleValue: take(gaussian ? runs * visible * FLOAT : 0),
    visibleIndex: take(runs * visible * 4),
    visibleCount: take(runs * 4),
    hiddenIndex: take(runs * hidden * 4),
    hiddenCount: take(runs * 4),
    uniforms: take(uniformBytes * threads),
    uniformBytes,
  };
  return { ...regions, bytes: bytes - base };
}

/**
 * Hands out 64-byte-aligned regions of the shared memory, growing it as needed. `reset`
 * returns to a mark, so that the regions of a finished fit are reused by the next.
 */
export class MemoryPlan {
  private top = HEAP_START;

  constructor(readonly memory: WebAssembly.Memory) {}

  /**
   * A region of `bytes`; `argument` and `what` name the request in the InvalidArgumentError
   * thrown, before anything grows, when the 4 GiB address space cannot hold it.
   */
  allocate(bytes: number, argument = 'x', what = 'the data'): number {
    const at = this.top;
    const top = Math.ceil((at + Math.max(bytes, 4)) / ALIGN) * ALIGN;
    if (top > MAX_PAGES * PAGE) {
      throw new InvalidArgumentError(
        argument,
        `${what} would need ${formatBytes(top)} of WebAssembly memory, above its 4 GiB limit (threads: 0 runs the TypeScript kernels, which have no such limit)`,
      );
    }
    this.top = top;
    const needed = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) this.memory.grow(needed);
    return at;
  }

  mark(): number {
    return this.top;
  }

  reset(mark: number): void {
    this.top = mark;
  }
}

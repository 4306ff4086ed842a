/**
 * Sizes and codes shared by the host and the shaders (workgroup and tile sizes, epilogue codes,
 * Philox's constants, the hidden units' floor on γ, the normal quantile's coefficients), defined
 * once: the shaders get them as overrides or as the const prelude.
 */
import { MIN_GAMMA } from '../../layers/gaussian.js';
import { NORMAL_QUANTILE } from '../../layers/normal.js';
import { M0, M1, ROUNDS, UNIFORM_SCALE, W0, W1 } from '../../rng/philox.js';
import { Phase } from '../../rng/stream.js';

/**
 * Sizes and codes shared by the host and the shaders, defined here once: workgroup sizes go to
 * the shaders as `override` constants, the rest as the `const` prelude below.
 */
export const MATMUL = {
  /** Threads per workgroup along the output's columns and rows. */
  wgX: 16,
  wgY: 16,
  /** Outputs per thread: RM rows × RN columns (RN is a vec4). */
  rowsPerThread: 4,
  colsPerThread: 4,
  /** Depth of the slice of A and B staged in workgroup memory. */
  tileK: 16,
} as const;
export const TILE_M = MATMUL.wgY * MATMUL.rowsPerThread;
export const TILE_N = MATMUL.wgX * MATMUL.colsPerThread;

/** A matmul workgroup's threads along the output's columns (x) and rows (y), and how it reads A and B. */
export interface MatmulShape {
  readonly wgX: number;
  readonly wgY: number;
  /**
   * Straight from A and B rather than through tiles in workgroup memory: a narrow tile reuses
   * little of what it stages, and on lavapipe the tiles' barriers cost more than the reads.
   */
  readonly direct: boolean;
}
/** The wide shape: 64 × 64 tiles staged in workgroup memory. */
export const WIDE: MatmulShape = { wgX: MATMUL.wgX, wgY: MATMUL.wgY, direct: false };
/** Threads along a narrow axis: a 16-unit tile, for an axis of at most 32 units that a 64-unit one would mostly pad. */
export const NARROW_THREADS = 4;

/** The workgroup shape for an output of `rows` × `n`: narrow and direct where a wide tile would be mostly padding. */
export function matmulShape(rows: number, n: number): MatmulShape {
  const narrow = (units: number, tile: number) => 2 * units <= tile;
  const [narrowX, narrowY] = [narrow(n, TILE_N), narrow(rows, TILE_M)];
  if (!narrowX && !narrowY) return WIDE;
  return { wgX: narrowX ? NARROW_THREADS : MATMUL.wgX, wgY: narrowY ? NARROW_THREADS : MATMUL.wgY, direct: true };
}

/** The workgroups covering a `rows` × `n` output in `shape`'s tiles: [x, y]. */
export function matmulGrid(shape: MatmulShape, rows: number, n: number): [number, number] {
  return [Math.ceil(n / (shape.wgX * MATMUL.colsPerThread)), Math.ceil(rows / (shape.wgY * MATMUL.rowsPerThread))];
}

/** 2-D elementwise kernels (gather, update). */
export const ELEMENTWISE = { wgX: 64, wgY: 4 } as const;
/** 1-D kernels with one thread per unit (centring's bias and offset updates, the log-variances' step). */
export const UNITS_WG = 64;
/** The single-workgroup KL reduction. */
export const REDUCE_WG = 256;
/** AIS's weights kernel: one workgroup per chain. */
export const ANNEAL_WG = 64;
/** Parallel tempering's energy kernel: one workgroup per chain. */
export const CHAIN_WG = 64;
/** AIS's log weights: words per run (low, high, overflow) and fixed-point units per nat (the low word's range). */
export const LOG_WEIGHT_WORDS = 3;
export const LOG_WEIGHT_UNITS = 2 ** 32;
/** The largest workgroup count WebGPU guarantees per dispatch dimension. */
export const MAX_GROUPS = 65535;
/** Split-K aims for about this many workgroups in the gradient product. */
export const TARGET_WORKGROUPS = 256;

/**
 * What the matmul does with A·B + bias: the units' means, their samples, the batch's KL terms,
 * the raw value, or (Gaussian visible units) the batch's squared errors.
 */
export const Epilogue = { probability: 0, sample: 1, kl: 2, activation: 3, squaredError: 4 } as const;
export type Epilogue = (typeof Epilogue)[keyof typeof Epilogue];
/** What the sample epilogue writes (Call.flags): the statistic, the samples, the statistic's second moment. */
export const Write = { stat: 1, samples: 2, moment: 4 } as const;

/** Uniform structs are padded to this many bytes (the largest a dynamic offset may need). */
export const UNIFORM_STRIDE = 256;

const u32 = (v: number) => `${v >>> 0}u`;
const f32s = (values: readonly number[]) => `array<f32, ${values.length}>(${values.map((v) => `${v}f`).join(', ')})`;

/** WGSL `const` declarations prepended to every shader module. */
export function prelude(): string {
  const constants: [string, string][] = [
    ['RM', u32(MATMUL.rowsPerThread)],
    ['RN', u32(MATMUL.colsPerThread)],
    ['TILE_K', u32(MATMUL.tileK)],
    ['PHILOX_M0', u32(M0)],
    ['PHILOX_M1', u32(M1)],
    ['PHILOX_W0', u32(W0)],
    ['PHILOX_W1', u32(W1)],
    ['PHILOX_ROUNDS', u32(ROUNDS)],
    ['UNIFORM_SCALE', `${UNIFORM_SCALE}f`],
    ['PHASE_AIS_HIDDEN', u32(Phase.aisHidden)],
    ['PHASE_AIS_VISIBLE', u32(Phase.aisVisible)],
    ['LOG_WEIGHT_WORDS', u32(LOG_WEIGHT_WORDS)],
    ['LOG_WEIGHT_UNITS', `${LOG_WEIGHT_UNITS}.0f`],
    ['EPILOGUE_PROBABILITY', u32(Epilogue.probability)],
    ['EPILOGUE_SAMPLE', u32(Epilogue.sample)],
    ['EPILOGUE_KL', u32(Epilogue.kl)],
    ['EPILOGUE_ACTIVATION', u32(Epilogue.activation)],
    ['EPILOGUE_SQUARED_ERROR', u32(Epilogue.squaredError)],
    ['WRITE_STAT', u32(Write.stat)],
    ['WRITE_SAMPLES', u32(Write.samples)],
    ['WRITE_MOMENT', u32(Write.moment)],
    ['MIN_GAMMA', `${MIN_GAMMA}f`],
    // Acklam's rational approximation of Φ⁻¹ (src/layers/normal.ts): ReLU units' sampler.
    ['QUANTILE_A', f32s(NORMAL_QUANTILE.a)],
    ['QUANTILE_B', f32s(NORMAL_QUANTILE.b)],
    ['QUANTILE_C', f32s(NORMAL_QUANTILE.c)],
    ['QUANTILE_D', f32s(NORMAL_QUANTILE.d)],
    ['QUANTILE_P_LOW', `${NORMAL_QUANTILE.pLow}f`],
  ];
  return constants.map(([name, value]) => `const ${name} = ${value};`).join('\n') + '\n';
}

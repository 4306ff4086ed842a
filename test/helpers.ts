import { expect } from 'vitest';
import { modelShape, type EpochPlan, type ModelShape, type Parameters, type TrainingRule } from '../src/backend/backend.js';
import type { ModelLayers } from '../src/layers/layer.js';
import { modelLayers } from '../src/layers/registry.js';
import { batchStarts, largestBatch } from '../src/batches.js';
import { permutation } from '../src/rng/stream.js';

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, reporting the first
 * mismatches (index, actual, expected) when it fails.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-6, rtol = 1e-5, label = 'values' } = {},
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      count++;
      if (bad.length < 8) bad.push(`[${i}] got ${a}, expected ${e}`);
    }
  }
  expect(count, `${label}: ${count} of ${expected.length} outside atol ${atol} + rtol ${rtol}·|ref|\n${bad.join('\n')}`).toBe(0);
}

/** A deterministic pseudo-random Float32Array in [lo, hi) for test inputs (not the library's stream). */
export function fixture(length: number, seed: number, lo = 0, hi = 1): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}

/** The 3-visible, 2-hidden parameters the hand-worked tests compute with. */
export function handParameters(): Parameters {
  return {
    weights: Float32Array.of(0.5, -1, 1, 0.25, -0.5, 2),
    visibleBias: Float32Array.of(0.1, -0.2, 0.3),
    hiddenBias: Float32Array.of(-0.4, 0.6),
    weightVelocity: new Float32Array(6),
    visibleBiasVelocity: new Float32Array(3),
    hiddenBiasVelocity: new Float32Array(2),
  };
}

/** Random parameters in [−scale, scale) and small random momentum, for comparing backends. */
export function randomParameters(visible: number, hidden: number, seed: number, scale = 1): Parameters {
  return {
    weights: fixture(visible * hidden, seed, -scale, scale),
    visibleBias: fixture(visible, seed + 1, -scale, scale),
    hiddenBias: fixture(hidden, seed + 2, -scale, scale),
    weightVelocity: fixture(visible * hidden, seed + 3, -0.01, 0.01),
    visibleBiasVelocity: fixture(visible, seed + 4, -0.01, 0.01),
    hiddenBiasVelocity: fixture(hidden, seed + 5, -0.01, 0.01),
  };
}

/** 0/1 data with roughly `density` ones. */
export function binaryData(rows: number, cols: number, seed: number, density = 0.3) {
  return { data: fixture(rows * cols, seed).map((u) => (u < density ? 1 : 0)), rows, cols };
}

/** Training rules every fast backend is checked against the CPU reference with. */
export const RULES: TrainingRule[] = [
  { learningRate: 0.05, momentum: 0.9, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.5, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 3, persistent: false, weightDecay: 0.01 },
  { learningRate: 0.2, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0 },
  { learningRate: 0.2, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 2, persistent: true, weightDecay: 0.001 },
  // Centring: PyDeep's recipe (probabilities, mean gradient, PCD), and one with everything else on.
  { learningRate: 0.1, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0, centring: { offsetRate: 0.01 } },
  { learningRate: 0.05, momentum: 0.9, statistics: 'samples', gradient: 'sum', cdSteps: 2, persistent: false, weightDecay: 0.01, centring: { offsetRate: 0.2 } },
  // 'mixed': the PyTorch tutorial's recipe, and with a longer persistent chain, momentum, decay and centring.
  { learningRate: 0.1, momentum: 0, statistics: 'mixed', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.05, momentum: 0.5, statistics: 'mixed', gradient: 'sum', cdSteps: 2, persistent: true, weightDecay: 0.001, centring: { offsetRate: 0.1 } },
];

/** The parameters every backend comparison checks, with the offsets when the rule centres. */
export const PARAMETER_KEYS = ['weights', 'visibleBias', 'hiddenBias', 'weightVelocity', 'visibleBiasVelocity', 'hiddenBiasVelocity', 'visibleOffset', 'hiddenOffset'] as const;

/** randomParameters, with centring's offsets (μ in (0.1, 0.9), λ in (0.3, 0.7)) when `rule` centres. */
export function parametersFor(rule: TrainingRule, visible: number, hidden: number, seed: number, scale = 1): Parameters {
  const p = randomParameters(visible, hidden, seed, scale);
  return rule.centring ? { ...p, visibleOffset: fixture(visible, seed + 6, 0.1, 0.9), hiddenOffset: fixture(hidden, seed + 7, 0.3, 0.7) } : p;
}

/** An epoch of `rows` rows in batches of `batchSize` (numpy.array_split), as fit plans it. */
export function epochPlan(rows: number, batchSize: number, seed: number, epoch: number, rule: TrainingRule): EpochPlan {
  const starts = batchStarts(rows, batchSize);
  return { order: permutation(rows, seed, epoch), batchStarts: starts, largestBatch: largestBatch(starts), seed, epoch, rule, firstBatch: 0 };
}

/** The unit types of most tests: binary visible and hidden units. */
export const BINARY_LAYERS: ModelLayers = modelLayers({ visibleType: 'binary', hiddenType: 'binary', learnVariance: false });

/** Gaussian visible units and binary hidden units, their variances learned as the rule says. */
export function gaussianLayers(rule: TrainingRule): ModelLayers {
  return modelLayers({ visibleType: 'gaussian', hiddenType: 'binary', learnVariance: rule.learnVariance ?? false });
}

/**
 * The shape of a V × H model whose parameters are `p`: Gaussian visible units where they carry
 * log-variances, a label layer of their classes, softmax groups of `softmax` units when given.
 */
export function shapeFor(V: number, H: number, p?: Parameters, softmax?: number): ModelShape {
  const visibleType = p?.visibleLogVariance ? 'gaussian' : softmax ? { softmax } : 'binary';
  return modelShape({ visible: V, hidden: H, visibleType, labels: p?.labelBias?.length ?? 0 });
}

import { expect } from 'vitest';
import type { Parameters } from '../src/backend/backend.js';

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

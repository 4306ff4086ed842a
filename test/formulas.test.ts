import { describe, expect, it } from 'vitest';
import { batchStarts } from '../src/batches.js';
import { klDivergence } from '../src/layers/binary.js';
import { bernoulliLogLikelihood, sigmoid, softplus } from '../src/math.js';

describe('sigmoid and softplus', () => {
  it('match hand values', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 15);
    expect(sigmoid(-Math.log(3))).toBeCloseTo(0.25, 15);
    expect(sigmoid(2)).toBeCloseTo(0.8807970779778823, 15);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 15);
    expect(softplus(Math.log(3))).toBeCloseTo(Math.log(4), 15);
  });

  it('stay finite far out', () => {
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
    expect(softplus(800)).toBe(800);
    expect(softplus(-800)).toBe(0);
  });

  it('give a log-likelihood that is never −∞, even where σ(a) rounds to 0 or 1', () => {
    expect(bernoulliLogLikelihood(1, 0)).toBeCloseTo(Math.log(0.5), 15);
    expect(bernoulliLogLikelihood(0, Math.log(3))).toBeCloseTo(Math.log(0.25), 15);
    expect(bernoulliLogLikelihood(0.5, Math.log(3))).toBeCloseTo(0.5 * Math.log(0.75) + 0.5 * Math.log(0.25), 15);
    // σ(100) is exactly 1 in float32, so simple_rbm's log(1 − P) would be −∞ here.
    expect(bernoulliLogLikelihood(0, 100)).toBeCloseTo(-100, 10);
    expect(bernoulliLogLikelihood(1, -100)).toBeCloseTo(-100, 10);
  });
});

describe('the KL divergence of a batch', () => {
  it('equals the hand-worked value for a 2 × 3 batch', () => {
    // Pre-activations chosen so that P = σ(a) is 0.5, 0.75 or 0.25.
    const l3 = Math.log(3);
    const x = Float32Array.of(1, 0, 0.5, 0, 1, 1);
    const a = Float32Array.of(0, l3, -l3, l3, 0, l3);
    // Row 0: log 0.5 + log 0.25 + ½ log 0.25 + ½ log 0.75 = −2.9164297584656715
    // Row 1: log 0.25 + log 0.5 + log 0.75                 = −2.3671236141316165
    // (−log 2 − mean) / 3 = 0.6495431685795662
    expect(klDivergence(x, a, 2, 3)).toBeCloseTo(0.6495431685795662, 6);
  });
});

describe('batching', () => {
  const sizes = (rows: number, batchSize: number) => {
    const s = batchStarts(rows, batchSize);
    return Array.from(s.subarray(1), (end, b) => end - s[b]);
  };

  // Expected sizes are numpy.array_split(range(rows), rows // batchSize) as numpy prints them.
  it.each([
    [10, 3, [4, 3, 3]],
    [7, 7, [7]],
    [1001, 1000, [1001]],
    [1999, 1000, [1999]],
    [2999, 1000, [1500, 1499]],
    [5, 1, [1, 1, 1, 1, 1]],
    [17, 4, [5, 4, 4, 4]],
    [100, 33, [34, 33, 33]],
  ])('cuts %i rows with batch size %i as numpy.array_split: %j', (rows, batchSize, expected) => {
    expect(sizes(rows, batchSize)).toEqual(expected);
  });

  it('cuts MNIST into 60 batches of 1000', () => {
    expect(sizes(60000, 1000)).toEqual(new Array(60).fill(1000));
  });
});

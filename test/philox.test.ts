import { describe, expect, it } from 'vitest';
import { philox4x32, toUniform } from '../src/rng/philox.js';
import { Phase, permutation, philoxUniforms } from '../src/rng/stream.js';

// Random123's kat_vectors, philox4x32 with 10 rounds: counter[4], key[2] → output[4].
const KNOWN_ANSWERS: [number[], number[], number[]][] = [
  [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
];

describe('Philox4x32-10', () => {
  it.each(KNOWN_ANSWERS)('matches Random123 for counter %j key %j', (c, k, expected) => {
    const out = new Uint32Array(4);
    philox4x32(c[0], c[1], c[2], c[3], k[0], k[1], out);
    expect(Array.from(out)).toEqual(expected);
  });

  it('maps words to [0, 1) with 24 bits', () => {
    expect(toUniform(0)).toBe(0);
    expect(toUniform(0xffffffff)).toBe(1 - 2 ** -24);
    expect(toUniform(0x80000000)).toBe(0.5);
  });
});

describe('the addressed stream', () => {
  const at = { seed: 7, phase: Phase.visible, epoch: 3, batch: 2 };

  it('gives an element the same draw whatever the shape of the request', () => {
    const wide = new Float32Array(3 * 10);
    const narrow = new Float32Array(5 * 6);
    philoxUniforms(at, 3, 10, wide);
    philoxUniforms(at, 5, 6, narrow);
    // Element (row 1, col 5) in both requests.
    expect(narrow[1 * 6 + 5]).toBe(wide[1 * 10 + 5]);
    expect(narrow[2 * 6 + 3]).toBe(wide[2 * 10 + 3]);
  });

  it('changes with every part of the address', () => {
    const base = new Float32Array(8);
    philoxUniforms(at, 2, 4, base);
    for (const other of [
      { ...at, seed: 8 },
      { ...at, phase: Phase.hidden },
      { ...at, epoch: 4 },
      { ...at, batch: 3 },
    ]) {
      const u = new Float32Array(8);
      philoxUniforms(other, 2, 4, u);
      expect(Array.from(u)).not.toEqual(Array.from(base));
    }
  });

  it('is uniform: Kolmogorov–Smirnov statistic below the 1% critical value', () => {
    const n = 100_000;
    const u = new Float32Array(n);
    philoxUniforms(at, 250, 400, u);
    const sorted = Array.from(u).sort((a, b) => a - b);
    let d = 0;
    sorted.forEach((v, i) => {
      d = Math.max(d, Math.abs((i + 1) / n - v), Math.abs(v - i / n));
    });
    expect(d).toBeLessThan(1.628 / Math.sqrt(n));
  });

  it('shuffles into a permutation that depends on seed and epoch', () => {
    const p = permutation(1000, 0, 0);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(permutation(1000, 0, 0))).toEqual(Array.from(p));
    expect(Array.from(permutation(1000, 0, 1))).not.toEqual(Array.from(p));
    expect(Array.from(permutation(1000, 1, 0))).not.toEqual(Array.from(p));
    expect(Array.from(permutation(1, 0, 0))).toEqual([0]);
  });

  it('shuffles uniformly: each of 3! orders about equally often', () => {
    const counts = new Map<string, number>();
    const trials = 6000;
    for (let e = 0; e < trials; e++) {
      const key = Array.from(permutation(3, 5, e)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Each count is Binomial(6000, 1/6): mean 1000, σ ≈ 28.9; allow 5σ.
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(145);
  });
});

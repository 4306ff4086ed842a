/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011).
 * A counter-based generator: the output is a pure function of (counter, key), so any
 * element of the stream can be drawn on its own, by any thread, in any order.
 */

export const M0 = 0xd2511f53;
export const M1 = 0xcd9e8d57;
export const W0 = 0x9e3779b9;
export const W1 = 0xbb67ae85;
export const ROUNDS = 10;

/** High 32 bits of the 64-bit product of two uint32 values, exact in doubles. */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 0x10000)) >>> 0;
}

/** Writes the four output words of Philox4x32-10 for `counter` and `key` into `out`. */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** 2^−24: a uniform keeps the top 24 bits of a word, all a float32 mantissa holds. */
export const UNIFORM_SCALE = 1 / 16777216;

/** Maps a uint32 to a float32-exact uniform in [0, 1) using its top 24 bits. */
export function toUniform(word: number): number {
  return (word >>> 8) * UNIFORM_SCALE;
}

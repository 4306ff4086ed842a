// Rows of random numbers from Philox4x32-10, addressed as on the CPU and the GPU: element (row,
// col) is word col % 4 of the output for counter (col / 4, row, batch, epoch) and key (seed,
// phase). Uniforms (uniformRow), and Gaussian visible units' draws around a mean (normalRow).

import { PHILOX_M0, PHILOX_M1, PHILOX_ROUNDS, PHILOX_W0, PHILOX_W1, UNIFORM_SCALE } from './constants';
import { boxMuller4 } from './math';
import { deviation, epochIndex, seed, uniforms, V } from './state';
import { f32At } from './sums';

/** High 32 bits of the 64-bit products of the lanes of `a` and `b`. */
// @ts-ignore: decorator
@inline function mulhi4(a: v128, b: v128): v128 {
  const low = i64x2.extmul_low_i32x4_u(a, b);
  const high = i64x2.extmul_high_i32x4_u(a, b);
  return v128.shuffle<i32>(low, high, 1, 3, 5, 7);
}

/**
 * Writes uniforms in [0, 1) for one row into `out`: at least `cols`, rounded up to a multiple
 * of 16 (the buffer has room). Philox runs on four column groups at once, one per lane.
 */
export function uniformRow(out: usize, cols: i32, row: u32, batch: u32, phase: u32): void {
  const m0 = i32x4.splat(<i32>PHILOX_M0);
  const m1 = i32x4.splat(<i32>PHILOX_M1);
  const scale = f32x4.splat(UNIFORM_SCALE);
  for (let g = 0; g < cols; g += 16) {
    const group = <i32>(<u32>g >> 2);
    let c0 = i32x4.add(i32x4.splat(group), i32x4(0, 1, 2, 3));
    let c1 = i32x4.splat(<i32>row);
    let c2 = i32x4.splat(<i32>batch);
    let c3 = i32x4.splat(<i32>epochIndex);
    let k0: u32 = seed;
    let k1: u32 = phase;
    for (let round: u32 = 0; round < PHILOX_ROUNDS; round++) {
      if (round > 0) {
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
      }
      const hi0 = mulhi4(m0, c0);
      const lo0 = i32x4.mul(m0, c0);
      const hi1 = mulhi4(m1, c2);
      const lo1 = i32x4.mul(m1, c2);
      c0 = v128.xor(v128.xor(hi1, c1), i32x4.splat(<i32>k0));
      c2 = v128.xor(v128.xor(hi0, c3), i32x4.splat(<i32>k1));
      c1 = lo1;
      c3 = lo0;
    }
    // Lane i holds the four words of column group g/4 + i: transpose so each vector is a group.
    const t0 = v128.shuffle<i32>(c0, c1, 0, 4, 1, 5);
    const t1 = v128.shuffle<i32>(c2, c3, 0, 4, 1, 5);
    const t2 = v128.shuffle<i32>(c0, c1, 2, 6, 3, 7);
    const t3 = v128.shuffle<i32>(c2, c3, 2, 6, 3, 7);
    const at = f32At(out, g);
    v128.store(at, toUniforms(v128.shuffle<i32>(t0, t1, 0, 1, 4, 5), scale));
    v128.store(at, toUniforms(v128.shuffle<i32>(t0, t1, 2, 3, 6, 7), scale), 16);
    v128.store(at, toUniforms(v128.shuffle<i32>(t2, t3, 0, 1, 4, 5), scale), 32);
    v128.store(at, toUniforms(v128.shuffle<i32>(t2, t3, 2, 3, 6, 7), scale), 48);
  }
}

/** The top 24 bits of each word as a uniform; they fit a signed integer, which converts in one instruction. */
// @ts-ignore: decorator
@inline function toUniforms(words: v128, scale: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(words, 8)), scale);
}

/**
 * out = base + β·mean + σ ⊙ n over a visible row (no base when it is 0), with the row's
 * standard normals drawn at (row, batch, phase): element i from uniforms 2i and 2i + 1 of a
 * row of 2V, as normalDraws in src/rng/stream.ts. `out` may be `mean`.
 */
export function normalRow(out: usize, base: usize, mean: usize, beta: f32, row: u32, batch: u32, phase: u32): void {
  uniformRow(uniforms, 2 * V, row, batch, phase);
  const beta4 = f32x4.splat(beta);
  let i = 0;
  for (; i + 4 <= V; i += 4) {
    const pair = f32At(uniforms, 2 * i);
    const first = v128.load(pair);
    const second = v128.load(pair, 16);
    const n = boxMuller4(v128.shuffle<i32>(first, second, 0, 2, 4, 6), v128.shuffle<i32>(first, second, 1, 3, 5, 7));
    let a = f32x4.mul(beta4, v128.load(f32At(mean, i)));
    if (base) a = f32x4.add(v128.load(f32At(base, i)), a);
    v128.store(f32At(out, i), f32x4.add(a, f32x4.mul(v128.load(f32At(deviation, i)), n)));
  }
  for (; i < V; i++) {
    const n = f32x4.extract_lane(boxMuller4(f32x4.splat(load<f32>(f32At(uniforms, 2 * i))), f32x4.splat(load<f32>(f32At(uniforms, 2 * i + 1)))), 0);
    let a = beta * load<f32>(f32At(mean, i));
    if (base) a = load<f32>(f32At(base, i)) + a;
    store<f32>(f32At(out, i), a + load<f32>(f32At(deviation, i)) * n);
  }
}

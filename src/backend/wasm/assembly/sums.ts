// Sums of rows of a matrix over many rows of data at once (the batch rows of a thread, or AIS's
// chains): out_r = bias + Σ_q value_rq · B[index_rq], a block of columns at a time for every row,
// so that the block of B stays in cache while all the rows read it. And the dot product of two
// hidden rows (dotHidden).

import { H } from './state';

/** The address of float `index` of the array at `base`. */
// @ts-ignore: decorator
@inline
export function f32At(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/**
 * out_r = bias + Σ_q B[index_r[q]] for the chains r in [r0, r1) (rows of B and of out are n
 * wide; chain r's list starts at index + r·stride entries), each row of B weighted by the
 * list's value when there are `values` (laid out as the lists are); no bias when it is 0. Block
 * of columns by block, each for every chain, so that the block of B stays in cache while all
 * the chains read it. How a column is summed depends on n and the chain's list alone, never on
 * the chains beside it.
 */
export function sumRowsOfChains(out: usize, bias: usize, B: usize, n: i32, index: usize, values: usize, counts: usize, stride: i32, r0: i32, r1: i32): void {
  const outStride = <usize>n << 2;
  const listStride = <usize>stride << 2;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const from = bias ? f32At(bias, j) : 0;
    for (let r = r0; r < r1; r++) {
      const at = f32At(out + <usize>r * outStride, j);
      const count = load<i32>(counts + (<usize>r << 2));
      if (values) sumScaled16(at, from, f32At(B, j), n, index + <usize>r * listStride, values + <usize>r * listStride, count);
      else sumOnes16(at, from, f32At(B, j), n, index + <usize>r * listStride, count);
    }
  }
  for (; j < n; j++) {
    for (let r = r0; r < r1; r++) {
      const list = index + <usize>r * listStride;
      const count = load<i32>(counts + (<usize>r << 2));
      let a: f32 = bias ? load<f32>(f32At(bias, j)) : 0;
      for (let q = 0; q < count; q++) {
        const element = load<f32>(f32At(B + <usize>load<i32>(list + (<usize>q << 2)) * outStride, j));
        a += values ? load<f32>(f32At(values + <usize>r * listStride, q)) * element : element;
      }
      store<f32>(f32At(out + <usize>r * outStride, j), a);
    }
  }
}

/** Four vectors of a bias, or zeros where there is none (bias 0). */
// @ts-ignore: decorator
@inline function biasBlock(bias: usize, offset: usize): v128 {
  return bias ? v128.load(bias + offset) : f32x4.splat(0);
}

/**
 * out[0..16) = bias[0..16) + Σ_q column[index[q]·n .. +16): sixteen columns of a sum of rows,
 * added two rows at a time, which halves the chain of dependent additions into each sum.
 */
function sumOnes16(out: usize, bias: usize, column: usize, n: i32, index: usize, count: i32): void {
  const stride = <usize>n << 2;
  let a0 = biasBlock(bias, 0);
  let a1 = biasBlock(bias, 16);
  let a2 = biasBlock(bias, 32);
  let a3 = biasBlock(bias, 48);
  let q = 0;
  for (; q + 2 <= count; q += 2) {
    const row = column + <usize>load<i32>(index + (<usize>q << 2)) * stride;
    const next = column + <usize>load<i32>(index + (<usize>q << 2), 4) * stride;
    a0 = f32x4.add(a0, f32x4.add(v128.load(row), v128.load(next)));
    a1 = f32x4.add(a1, f32x4.add(v128.load(row, 16), v128.load(next, 16)));
    a2 = f32x4.add(a2, f32x4.add(v128.load(row, 32), v128.load(next, 32)));
    a3 = f32x4.add(a3, f32x4.add(v128.load(row, 48), v128.load(next, 48)));
  }
  if (q < count) {
    const row = column + <usize>load<i32>(index + (<usize>q << 2)) * stride;
    a0 = f32x4.add(a0, v128.load(row));
    a1 = f32x4.add(a1, v128.load(row, 16));
    a2 = f32x4.add(a2, v128.load(row, 32));
    a3 = f32x4.add(a3, v128.load(row, 48));
  }
  v128.store(out, a0);
  v128.store(out, a1, 16);
  v128.store(out, a2, 32);
  v128.store(out, a3, 48);
}

/** sumOnes16 with the rows weighted by value[q], a row at a time. */
function sumScaled16(out: usize, bias: usize, column: usize, n: i32, index: usize, value: usize, count: i32): void {
  const stride = <usize>n << 2;
  let a0 = biasBlock(bias, 0);
  let a1 = biasBlock(bias, 16);
  let a2 = biasBlock(bias, 32);
  let a3 = biasBlock(bias, 48);
  for (let q = 0; q < count; q++) {
    const row = column + <usize>load<i32>(index + (<usize>q << 2)) * stride;
    const s = f32x4.splat(load<f32>(f32At(value, q)));
    a0 = f32x4.add(a0, f32x4.mul(s, v128.load(row)));
    a1 = f32x4.add(a1, f32x4.mul(s, v128.load(row, 16)));
    a2 = f32x4.add(a2, f32x4.mul(s, v128.load(row, 32)));
    a3 = f32x4.add(a3, f32x4.mul(s, v128.load(row, 48)));
  }
  v128.store(out, a0);
  v128.store(out, a1, 16);
  v128.store(out, a2, 32);
  v128.store(out, a3, 48);
}

/** Σ_j x[j]·y[j] over two rows of H, summed in an order that depends on H alone. */
export function dotHidden(x: usize, y: usize): f32 {
  let sum4 = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= H; j += 4) sum4 = f32x4.add(sum4, f32x4.mul(v128.load(f32At(x, j)), v128.load(f32At(y, j))));
  let sum = f32x4.extract_lane(sum4, 0) + f32x4.extract_lane(sum4, 1) + f32x4.extract_lane(sum4, 2) + f32x4.extract_lane(sum4, 3);
  for (; j < H; j++) sum += load<f32>(f32At(x, j)) * load<f32>(f32At(y, j));
  return sum;
}

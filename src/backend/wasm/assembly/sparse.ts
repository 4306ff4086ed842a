// Rows as lists of their non-zero entries, so that a row's product with a matrix adds only the
// matrix's rows that the list picks (weighted by the entries, unless they are all 1): compress,
// compressScaled, sumRows; and firstAtLeast, a search in a sorted list.

import { f32At } from './sums';

/**
 * Compresses a row to its non-zero entries; returns how many there are. Without a branch:
 * every entry is written and the count only advances past non-zeros, since a data-dependent
 * branch mispredicts on about half of a row of random states.
 */
export function compress(row: usize, n: i32, index: usize, value: usize): i32 {
  let count = 0;
  for (let k = 0; k < n; k++) {
    const v = load<f32>(f32At(row, k));
    store<i32>(index + (<usize>count << 2), k);
    store<f32>(f32At(value, count), v);
    count += i32(v != 0);
  }
  return count;
}

/** compress for the row scaled unit by unit, row[k]·scale[k]: its non-zero entries and how many there are. */
export function compressScaled(row: usize, n: i32, scale: usize, index: usize, value: usize): i32 {
  let count = 0;
  for (let k = 0; k < n; k++) {
    const v = load<f32>(f32At(row, k)) * load<f32>(f32At(scale, k));
    store<i32>(index + (<usize>count << 2), k);
    store<f32>(f32At(value, count), v);
    count += i32(v != 0);
  }
  return count;
}

/**
 * out[0..n) = bias + Σ_q value[q] · B[index[q]] (rows of B are n wide). With `binary` the
 * values are all 1 and the rows are only added.
 */
export function sumRows(out: usize, bias: usize, B: usize, n: i32, index: usize, value: usize, count: i32, binary: bool): void {
  const stride = <usize>n << 2;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    let a0 = v128.load(f32At(bias, j));
    let a1 = v128.load(f32At(bias, j + 4));
    let a2 = v128.load(f32At(bias, j + 8));
    let a3 = v128.load(f32At(bias, j + 12));
    const column = B + (<usize>j << 2);
    for (let q = 0; q < count; q++) {
      const row = column + <usize>load<i32>(index + (<usize>q << 2)) * stride;
      if (binary) {
        a0 = f32x4.add(a0, v128.load(row));
        a1 = f32x4.add(a1, v128.load(row, 16));
        a2 = f32x4.add(a2, v128.load(row, 32));
        a3 = f32x4.add(a3, v128.load(row, 48));
      } else {
        const s = f32x4.splat(load<f32>(f32At(value, q)));
        a0 = f32x4.add(a0, f32x4.mul(s, v128.load(row)));
        a1 = f32x4.add(a1, f32x4.mul(s, v128.load(row, 16)));
        a2 = f32x4.add(a2, f32x4.mul(s, v128.load(row, 32)));
        a3 = f32x4.add(a3, f32x4.mul(s, v128.load(row, 48)));
      }
    }
    const o = f32At(out, j);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; j < n; j++) {
    let a = load<f32>(f32At(bias, j));
    const column = B + (<usize>j << 2);
    for (let q = 0; q < count; q++) {
      const row = column + <usize>load<i32>(index + (<usize>q << 2)) * stride;
      a += binary ? load<f32>(row) : load<f32>(f32At(value, q)) * load<f32>(row);
    }
    store<f32>(f32At(out, j), a);
  }
}

/** The first position in the ascending list index[0..count) whose entry is at least `v`. */
export function firstAtLeast(index: usize, count: i32, v: i32): i32 {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (load<i32>(index + (<usize>middle << 2)) < v) low = middle + 1;
    else high = middle;
  }
  return low;
}

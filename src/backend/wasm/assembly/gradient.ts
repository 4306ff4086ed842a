// The batch's gradient, summed over its rows in order whatever the threads: the weights' G =
// Σ x ⊗ S0 − v ⊗ Sk and the visible biases' Σ (x − v) for this thread's visible units, from the
// rows' sparse lists; the hidden biases' Σ (S0 − Sk) for this thread's hidden units.

import { GRADIENT_TILE_ROWS } from './constants';
import { firstAtLeast } from './sparse';
import { gradient, H, hidden1, hiddenBytes, hiddenGradient, rowBytes, statHidden0, unitStarts, unitTerms, V, vCount, vIndex, visibleGradient, visibleScale, vValue, xCount, xIndex, xValue } from './state';
import { f32At } from './sums';

/**
 * The weight gradient of this thread's visible units [v0, vEnd), G = Σ_i x_i ⊗ S0_i − v_i ⊗ Sk_i
 * over the batch's rows in order, and Σ (x − v) into visibleGradient. A tile of rows at a time:
 * their lists turned into one list per unit, so that each element of G sums a tile's terms in
 * a register and is loaded and stored once per tile, not once per row.
 */
export function sumWeightGradient(rows: i32, v0: i32, vEnd: i32): void {
  memory.fill(gradient + <usize>v0 * hiddenBytes, 0, <usize>(vEnd - v0) * hiddenBytes);
  memory.fill(visibleGradient, 0, <usize>V << 2);
  for (let i0 = 0; i0 < rows; i0 += GRADIENT_TILE_ROWS) {
    listByUnit(i0, min(i0 + <i32>GRADIENT_TILE_ROWS, rows), v0, vEnd);
    for (let v = v0; v < vEnd; v++) {
      const from = load<i32>(unitStarts + (<usize>(v - v0) << 2));
      const to = load<i32>(unitStarts + (<usize>(v - v0 + 1) << 2));
      const g = gradient + <usize>v * hiddenBytes;
      let j = 0;
      for (; j + 16 <= H; j += 16) sumTerms16(f32At(g, j), <usize>j << 2, from, to);
      for (; j < H; j++) {
        let a = load<f32>(f32At(g, j));
        for (let e = from; e < to; e++) {
          const term = unitTerms + (<usize>e << 3);
          a += load<f32>(term, 4) * load<f32>(f32At(<usize>load<u32>(term), j));
        }
        store<f32>(f32At(g, j), a);
      }
    }
  }
}

/**
 * The terms of rows [i0, i1) for the units [v0, vEnd): unit v's are unitTerms[unitStarts[v −
 * v0] .. unitStarts[v − v0 + 1]), each the address of a row's statistic (S0, or Sk) and its
 * weight (x, or −v), in the order a row-by-row sum takes them. Adds their Σ (x − v) to
 * visibleGradient.
 */
function listByUnit(i0: i32, i1: i32, v0: i32, vEnd: i32): void {
  memory.fill(unitStarts, 0, <usize>(vEnd - v0 + 2) << 2);
  for (let pass = 0; pass < 2; pass++) {
    for (let i = i0; i < i1; i++) {
      for (let side = 0; side < 2; side++) {
        const index = (side == 0 ? xIndex : vIndex) + <usize>i * rowBytes;
        const value = (side == 0 ? xValue : vValue) + <usize>i * rowBytes;
        const count = load<i32>((side == 0 ? xCount : vCount) + (<usize>i << 2));
        const statistic = (side == 0 ? statHidden0 : hidden1) + <usize>i * hiddenBytes;
        const sign: f32 = side == 0 ? 1 : -1;
        // The entries are sorted: start at this thread's first visible unit.
        for (let q = firstAtLeast(index, count, v0); q < count; q++) {
          const v = load<i32>(index + (<usize>q << 2));
          if (v >= vEnd) break;
          if (pass == 0) {
            const at = unitStarts + (<usize>(v - v0 + 2) << 2);
            store<i32>(at, load<i32>(at) + 1);
            continue;
          }
          const a = sign * load<f32>(f32At(value, q));
          const at = unitStarts + (<usize>(v - v0 + 1) << 2);
          const e = load<i32>(at);
          store<i32>(at, e + 1);
          store<u32>(unitTerms + (<usize>e << 3), <u32>statistic);
          store<f32>(unitTerms + (<usize>e << 3), a, 4);
          store<f32>(f32At(visibleGradient, v), load<f32>(f32At(visibleGradient, v)) + visibleScale * a);
        }
      }
    }
    // Counts to starts, each one place early: the second pass moves them into place.
    if (pass == 0) for (let k = 2; k <= vEnd - v0 + 1; k++) store<i32>(unitStarts + (<usize>k << 2), load<i32>(unitStarts + (<usize>k << 2)) + load<i32>(unitStarts + (<usize>(k - 1) << 2)));
  }
}

/** out[0..16) += Σ_e weight_e · statistic_e[column .. +16) over the terms [from, to). */
function sumTerms16(out: usize, column: usize, from: i32, to: i32): void {
  let a0 = v128.load(out);
  let a1 = v128.load(out, 16);
  let a2 = v128.load(out, 32);
  let a3 = v128.load(out, 48);
  for (let e = from; e < to; e++) {
    const term = unitTerms + (<usize>e << 3);
    const row = <usize>load<u32>(term) + column;
    const s = f32x4.splat(load<f32>(term, 4));
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

/** Σ_i (S0_i − Sk_i) over the batch's rows in order, for the hidden units [begin, end). */
export function sumHiddenGradient(rows: i32, begin: i32, end: i32): void {
  let j = begin;
  for (; j + 4 <= end; j += 4) {
    let s = f32x4.splat(0);
    for (let i = 0; i < rows; i++) {
      const at = <usize>i * hiddenBytes + (<usize>j << 2);
      s = f32x4.add(s, f32x4.sub(v128.load(statHidden0 + at), v128.load(hidden1 + at)));
    }
    v128.store(f32At(hiddenGradient, j), s);
  }
  for (; j < end; j++) {
    let s: f32 = 0;
    for (let i = 0; i < rows; i++) {
      s += load<f32>(f32At(statHidden0 + <usize>i * hiddenBytes, j)) - load<f32>(f32At(hidden1 + <usize>i * hiddenBytes, j));
    }
    store<f32>(f32At(hiddenGradient, j), s);
  }
}

import { erfcx, millsExcess } from '../../layers/normal.js';

/**
 * The ReLU kernel's erfcx(x) and Mills excess λ(√2·x) − √2·x for x ≥ 0, as polynomials in
 * t = (x − L)/(x + L), Weideman's map of [0, ∞) onto [−1, 1) ("Computation of the complex error
 * function", SIAM J. Numer. Anal. 1994), on which erfcx(x)·(x + L) and the excess times (x + L)
 * are smooth up to x = ∞: both tend to constants there, so a polynomial in t keeps their relative
 * precision for every x, with no cancellation at large x. [−1, 1] is cut into SERIES_PIECES equal
 * pieces, and on each the functions are Chebyshev interpolants of the reference's
 * (src/layers/normal.ts) of degree SERIES_DEGREE, written in powers of the piece's own variable
 * s ∈ [−1, 1]. They are computed when the kernels are built (kernel-constants.ts);
 * test/wasm-hidden.test.ts holds them within 2e-12 (relative) of the reference for every x ≥ 0,
 * the reference's own error near x = 2 setting that floor. Sixteen pieces of degree 7 cost a
 * fraction of one series of 24 terms over the whole interval, at the same error.
 */

/** L of the map t = (x − L)/(x + L). */
export const SERIES_SCALE = 2;
export const SERIES_PIECES = 16;
export const SERIES_DEGREE = 7;

/** x of the map's point t. */
const xOf = (t: number) => (SERIES_SCALE * (1 + t)) / (1 - t);

/** Coefficients c₀ … c_{n−1} of the Chebyshev interpolant of f on [−1, 1] at the n points of the first kind. */
function chebyshevInterpolant(f: (s: number) => number, n: number): number[] {
  const values = Array.from({ length: n }, (_, k) => f(Math.cos((Math.PI * (k + 0.5)) / n)));
  return Array.from({ length: n }, (_, j) => ((j === 0 ? 1 : 2) * values.reduce((sum, v, k) => sum + v * Math.cos((Math.PI * j * (k + 0.5)) / n), 0)) / n);
}

/** Σ c_j T_j(s) as Σ a_k s^k: the a_k, from T_{j+1} = 2s·T_j − T_{j−1}. */
function powersOf(c: readonly number[]): number[] {
  const a = new Array<number>(c.length).fill(0);
  let [previous, current] = [[1], [0, 1]];
  c.forEach((cj, j) => {
    const T = j === 0 ? previous : current;
    T.forEach((coefficient, k) => (a[k] += cj * coefficient));
    if (j >= 1) [previous, current] = [current, [0, ...current.map((v) => 2 * v)].map((v, k) => v - (previous[k] ?? 0))];
  });
  return a;
}

/** SERIES_PIECES × (SERIES_DEGREE + 1) coefficients: piece k's powers of s, lowest first. */
function piecewise(g: (t: number) => number): number[] {
  return Array.from({ length: SERIES_PIECES }, (_, k) => {
    const [low, high] = [-1 + (2 * k) / SERIES_PIECES, -1 + (2 * (k + 1)) / SERIES_PIECES];
    return powersOf(chebyshevInterpolant((s) => g(low + ((s + 1) / 2) * (high - low)), SERIES_DEGREE + 1));
  }).flat();
}

/** The piecewise polynomial `table` at t in [−1, 1), in the piece's s (the kernel sums the same powers by Estrin's scheme). */
export function piecewiseAt(table: readonly number[], t: number): number {
  const y = ((t + 1) * SERIES_PIECES) / 2;
  const k = y < SERIES_PIECES ? Math.trunc(y) : SERIES_PIECES - 1;
  const s = 2 * (y - k) - 1;
  const at = k * (SERIES_DEGREE + 1);
  let p = table[at + SERIES_DEGREE];
  for (let i = SERIES_DEGREE - 1; i >= 0; i--) p = p * s + table[at + i];
  return p;
}

/** erfcx(x)·(x + L) in t: erfcx(x) = piecewiseAt(ERFCX_PIECES, t)/(x + L). */
export const ERFCX_PIECES = piecewise((t) => erfcx(xOf(t)) * (xOf(t) + SERIES_SCALE));

/** (λ(√2·x) − √2·x)·(x + L) in t: the excess of α = √2·x is piecewiseAt(EXCESS_PIECES, t)/(x + L). */
export const EXCESS_PIECES = piecewise((t) => millsExcess(Math.SQRT2 * xOf(t)) * (xOf(t) + SERIES_SCALE));

// ReLU hidden units (Nair & Hinton 2010 in the exact form of Tubiana & Monasson 2017; reluHidden in
// src/layers/relu.ts and the normal distribution's functions of src/layers/normal.ts are the
// reference): h | z ~ N(z/γ, 1/γ) truncated to [0, ∞). With σ = 1/√γ and α = −z/√γ, the mean is
// σ·(λ(α) − α), E[h² | z] = σ²·(1 − α·(λ(α) − α)), and a draw is σ times the excess of a standard
// normal over α from one uniform: the quantile for α ≤ 0, Newton's method on the log tail for α > 0.
// Everything is float64, unit by unit, as the reference: the Newton step's log tails differ by
// their erfcx terms less t·(α + t/2), taken apart so that no difference of order α²/2 is formed,
// and a unit far below its truncation point still gets a draw of full relative precision. erfcx
// and the excess on x ≥ 0 are piecewise polynomials in Weideman's variable (normal-series.ts,
// generated into constants.ts from the reference's functions), within 2e-12 of the reference; the
// rest follows the reference's formulas, sharing what a unit's mean and draw both need (one erfcx
// and one exponential for α ≤ 0, λ(α) for the Newton steps' start).

import { ERFCX_PIECES, EXCESS_PIECES, SERIES_DEGREE, SERIES_PIECES, SERIES_SCALE } from '../constants';
import { uniformRow } from '../philox';
import { bySamples, gamma, H, uniforms } from '../state';
import { f32At } from '../sums';

const L: f64 = <f64>SERIES_SCALE;
/** √(2/π): φ(x)/Q(x) = √(2/π)/erfcx(x/√2). */
const SQRT_2_OVER_PI: f64 = 0.7978845608028654;
const SQRT_2PI: f64 = 2.5066282746310002;
const SQRT_PI_OVER_2: f64 = 1.2533141373155001;
/** Newton steps of the upper-tail sampler at most, as the reference's TAIL_STEPS. */
const TAIL_STEPS = 8;
/** The Newton steps end once one moves t by less than this fraction of it: the next would move it by about its square. */
const TAIL_CONVERGED: f64 = 1e-9;

/**
 * The piecewise polynomial `table` of x ≥ 0 (piecewiseAt in normal-series.ts, divided by x + L):
 * at t = (x − L)/(x + L), the polynomial of t's piece in the piece's s, by Estrin's scheme (its
 * degree, 7, in three levels of independent products rather than Horner's seven in a chain).
 */
function piecewiseAt(table: usize, x: f64): f64 {
  // A compile-time error where normal-series.ts's degree is not the one written out below.
  if (SERIES_DEGREE != 7) ERROR('piecewiseAt sums polynomials of degree 7');
  const r = 1 / (x + L);
  const y = ((x - L) * r + 1) * (<f64>SERIES_PIECES * 0.5);
  // A NaN x takes the last piece (and gives NaN) rather than a conversion of NaN.
  const k: i32 = y < <f64>SERIES_PIECES ? <i32>y : <i32>SERIES_PIECES - 1;
  const s = 2 * (y - <f64>k) - 1;
  const a = table + ((<usize>k * (<usize>SERIES_DEGREE + 1)) << 3);
  const s2 = s * s;
  const low = load<f64>(a) + load<f64>(a, 8) * s + s2 * (load<f64>(a, 16) + load<f64>(a, 24) * s);
  const high = load<f64>(a, 32) + load<f64>(a, 40) * s + s2 * (load<f64>(a, 48) + load<f64>(a, 56) * s);
  return (low + s2 * s2 * high) * r;
}

/** erfcx(x) = e^(x²)·erfc(x) for x ≥ 0. */
// @ts-ignore: decorator
@inline function erfcxNonNegative(x: f64): f64 {
  return piecewiseAt(ERFCX_PIECES, x);
}

/** millsExcess's second result for α ≤ 0: Q(−α) = P(Z > −α), which the unit's draw reuses (a global: each worker's instance has its own). */
let lowerTail: f64 = 0;

/**
 * λ(α) − α = E[Z − α | Z > α] ≥ 0: for α > 0 its polynomial (no cancellation for large α); for
 * α ≤ 0 from λ(α) = √(2/π)/erfcx(α/√2), erfcx(α/√2) = 2·e^(α²/2) − erfcx(−α/√2), with the same
 * erfcx and exponential giving Q(−α) = ½·erfcx(−α/√2)·e^(−α²/2) into lowerTail.
 */
function millsExcess(alpha: f64): f64 {
  const x = Math.abs(alpha) * Math.SQRT1_2;
  if (alpha > 0) return piecewiseAt(EXCESS_PIECES, x);
  const e = erfcxNonNegative(x);
  const w = Math.exp(-(x * x));
  lowerTail = 0.5 * e * w;
  return SQRT_2_OVER_PI / (2 / w - e) - alpha;
}

// Acklam's rational approximation of the normal quantile (relative error below 1.2e-9), which one
// Halley step then refines to full precision: normalQuantile in src/layers/normal.ts.
const P_LOW: f64 = 0.02425;

/** Acklam's lower tail: the quantile of p < P_LOW from q = √(−2·log p) (negated, the upper tail's). */
function quantileTail(q: f64): f64 {
  const n = ((((-7.784894002430293e-3 * q - 3.223964580411365e-1) * q - 2.400758277161838) * q - 2.549732539343734) * q + 4.374664141464968) * q + 2.938163982698783;
  const d = (((7.784695709041462e-3 * q + 3.224671290700398e-1) * q + 2.445134137142996) * q + 3.754408661907416) * q + 1;
  return n / d;
}

/** Φ⁻¹(p) for p in (0, 1): the x with P(Z ≤ x) = p. */
function normalQuantile(p: f64): f64 {
  let x: f64;
  if (p < P_LOW) {
    x = quantileTail(Math.sqrt(-2 * Math.log(p)));
  } else if (p <= 1 - P_LOW) {
    const q = p - 0.5;
    const r = q * q;
    const n = (((((-3.969683028665376e1 * r + 2.209460984245205e2) * r - 2.759285104469687e2) * r + 1.38357751867269e2) * r - 3.066479806614716e1) * r + 2.506628277459239) * q;
    const d = ((((-5.447609879822406e1 * r + 1.615858368580409e2) * r - 1.556989798598866e2) * r + 6.680131188771972e1) * r - 1.328068155288572e1) * r + 1;
    x = n / d;
  } else {
    x = -quantileTail(Math.sqrt(-2 * Math.log(1 - p)));
  }
  // Halley's step on Φ(x) − p, with Φ(x) from the tail Q(|x|) = ½·erfcx(|x|/√2)·w on the side that
  // keeps its precision, w = e^(−x²/2), whose reciprocal is the step's e^(x²/2).
  const w = Math.exp(-(x * x) / 2);
  const tail = 0.5 * erfcxNonNegative(Math.abs(x) * Math.SQRT1_2) * w;
  const e = x < 0 ? tail - p : 1 - p - tail;
  const u = (e * SQRT_2PI) / w;
  return x - u / (1 + (x * u) / 2);
}

/** logErfcxAt's second result (a global: each worker's instance has its own). */
let tailErfcx: f64 = 0;

/**
 * log erfcx(y/√2) for y ≥ 0, log Q(y) less its Gaussian factor's −log 2 − y²/2, with erfcx(y/√2)
 * into tailErfcx: λ(y) = φ(y)/Q(y) = √(2/π)/erfcx(y/√2).
 */
// @ts-ignore: decorator
@inline function logErfcxAt(y: f64): f64 {
  const e = erfcxNonNegative(y * Math.SQRT1_2);
  tailErfcx = e;
  return Math.log(e);
}

/**
 * A draw of Z conditioned on Z > α, as its excess t = Z − α ≥ 0, from one uniform u in [0, 1):
 * Q(α + t) = (1 − u)·Q(α), as truncatedNormalExcess in src/layers/normal.ts, after
 * millsExcess(α) gave `excess` (and for α ≤ 0, lowerTail). For α ≤ 0 by the quantile, on the side
 * of ½ that keeps its precision. For α > 0 by Newton's method on g(t) = log Q(α + t) − log Q(α) −
 * log(1 − u), which falls monotonically to the root after its first step; it starts at the root of
 * g's second-order expansion at 0, λ·t + ½·λ·(λ − α)·t² = −log(1 − u) with λ = λ(α) (the
 * reference's start, α·t + t²/2 = −log(1 − u), is its limit at large α), and ends once a step
 * moves t by less than TAIL_CONVERGED of it: about two steps, where the reference takes eight.
 */
function truncatedNormalExcess(alpha: f64, u: f64, excess: f64): f64 {
  if (alpha <= 0) {
    const below = lowerTail;
    const tail = 1 - below;
    const p = below + u * tail;
    const z = p <= 0.5 ? normalQuantile(p) : -normalQuantile((1 - u) * tail);
    return Math.max(0, z - alpha);
  }
  const target = Math.log1p(-u);
  const base = logErfcxAt(alpha);
  const lambda = alpha + excess;
  let t = (-2 * target) / (lambda + Math.sqrt(lambda * lambda - 2 * lambda * excess * target));
  for (let step = 0; step < TAIL_STEPS; step++) {
    // The log tails' Gaussian factors differ by t·(α + t/2): their difference, of order α²/2, would round t away for large α.
    const g = logErfcxAt(alpha + t) - base - t * (alpha + 0.5 * t) - target;
    // t + g/λ(α + t), without a division.
    const next = Math.max(0, t + g * tailErfcx * SQRT_PI_OVER_2);
    const moved = Math.abs(next - t);
    t = next;
    if (moved <= TAIL_CONVERGED * t) break;
  }
  return t;
}

/**
 * Batch row i's hidden half step (layers/hidden.ts, hiddenRow) from z in `row`: the means
 * σ·(λ(α) − α) in place; with `draw` a sample σ·t from uniform j of a row of H at (row i, batch,
 * phase) into `sample`, and the statistic into `stat` (may be `row`) unless it is 0; m₂ into
 * `moment` unless it is 0: the sample's square under 'samples', else σ²·(1 − α·(λ(α) − α)).
 */
export function reluHiddenRow(row: usize, draw: bool, i: i32, batch: i32, phase: u32, sample: usize, stat: usize, moment: usize): void {
  const sampled = draw && bySamples;
  if (draw) uniformRow(uniforms, H, <u32>i, <u32>batch, phase);
  for (let j = 0; j < H; j++) {
    const sigma = 1 / Math.sqrt(<f64>load<f32>(f32At(gamma, j)));
    const alpha = -<f64>load<f32>(f32At(row, j)) * sigma;
    const excess = millsExcess(alpha);
    const mean = <f32>(sigma * excess);
    store<f32>(f32At(row, j), mean);
    let value = mean;
    if (draw) {
      const s = <f32>(sigma * truncatedNormalExcess(alpha, <f64>load<f32>(f32At(uniforms, j)), excess));
      store<f32>(f32At(sample, j), s);
      if (sampled) value = s;
    }
    if (stat) store<f32>(f32At(stat, j), value);
    if (moment) store<f32>(f32At(moment, j), sampled ? value * value : <f32>(sigma * sigma * Math.max(0, 1 - alpha * excess)));
  }
}

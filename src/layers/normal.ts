/**
 * The normal distribution's functions the Gaussian and ReLU units need, in float64: the scaled
 * complementary error function erfcx(x) = e^(x²)·erfc(x) (and its log, which never overflows),
 * the tail Q(x) = P(Z > x), the quantile Φ⁻¹, and the truncated normal's sampler and moments.
 * The kernels (WGSL, AssemblyScript) follow the same formulas in float32.
 */

const SQRT_PI = Math.sqrt(Math.PI);
/** √(2/π): φ(x)/Q(x) = √(2/π)/erfcx(x/√2). */
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Below this x the series gives erfcx, above it the continued fraction (both to ~1e-15 relative). */
const SERIES_END = 2;
/** Terms of the continued fraction: enough for 1e-15 at x = SERIES_END, more than enough beyond. */
const FRACTION_TERMS = 80;

/**
 * erfcx(x) = e^(x²)·erfc(x) for x ≥ 0. Below SERIES_END, e^(x²) − (2/√π)·Σₙ 2ⁿx^(2n+1)/(2n+1)!!
 * (the series of e^(x²)·erf(x), all terms positive); above, Laplace's continued fraction
 * erfcx(x) = 1/(√π·(x + ½/(x + 1/(x + (3/2)/(x + …))))), evaluated from its tail.
 */
function erfcxNonNegative(x: number): number {
  if (x < SERIES_END) {
    const x2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
      term *= x2 / (2 * n + 1);
      sum += term;
    }
    return Math.exp(x * x) - (2 / SQRT_PI) * sum;
  }
  return 1 / (SQRT_PI * continuedFraction(x, 1));
}

/** x + (k/2)/(x + ((k+1)/2)/(x + …)): Laplace's fraction for erfcx from its k-th term (k ≥ 1). */
function continuedFraction(x: number, k: number): number {
  let f = x;
  for (let n = FRACTION_TERMS; n >= k; n--) f = x + n / 2 / f;
  return f;
}

/** erfcx(x) = e^(x²)·erfc(x); overflows only where the answer does (x below about −26.6). */
export function erfcx(x: number): number {
  return x >= 0 ? erfcxNonNegative(x) : 2 * Math.exp(x * x) - erfcxNonNegative(-x);
}

/** log erfcx(x), finite for every finite x: x² + log(2 − e^(−x²)·erfcx(−x)) below 0. */
export function logErfcx(x: number): number {
  if (x >= 0) return Math.log(erfcxNonNegative(x));
  return x * x + Math.log(2 - Math.exp(-x * x) * erfcxNonNegative(-x));
}

/** log Q(x) = log P(Z > x) for a standard normal Z, for every finite x. */
export function logNormalTail(x: number): number {
  return x >= 0 ? Math.log(0.5) + logErfcx(x / Math.SQRT2) - (x * x) / 2 : Math.log1p(-normalTail(-x));
}

/** Q(x) = P(Z > x) = ½·erfc(x/√2); below 0 as 1 − Q(−x), which neither overflows nor loses precision. */
export function normalTail(x: number): number {
  const tail = 0.5 * erfcxNonNegative(Math.abs(x) / Math.SQRT2) * Math.exp(-(x * x) / 2);
  return x >= 0 ? tail : 1 - tail;
}

/**
 * λ(x) = φ(x)/Q(x), the inverse Mills ratio (the mean of Z given Z > x), and λ(x) − x without
 * cancellation for large x (from the tail of the continued fraction): both for the ReLU unit.
 */
export function millsRatio(x: number): number {
  return SQRT_2_OVER_PI / erfcx(x / Math.SQRT2);
}

/** λ(x) − x = E[Z − x | Z > x] ≥ 0. */
export function millsExcess(x: number): number {
  if (x < SERIES_END * Math.SQRT2) return millsRatio(x) - x;
  // λ(x) = √2·f(x/√2) with f Laplace's fraction, so λ − x = √2·(f − x/√2) = (1/√2)/(its tail from k = 2).
  return 1 / (Math.SQRT2 * continuedFraction(x / Math.SQRT2, 2));
}

// Acklam's rational approximation of the normal quantile (relative error below 1.2e-9), which one
// Halley step then refines to full precision.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;
/** The same coefficients and bound, for the kernels' quantile (the WebGPU prelude declares them from these). */
export const NORMAL_QUANTILE = { a: A, b: B, c: C, d: D, pLow: P_LOW } as const;

/** Φ⁻¹(p) for p in (0, 1): the x with P(Z ≤ x) = p. */
export function normalQuantile(p: number): number {
  let x: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else if (p <= 1 - P_LOW) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  // Halley's step on Φ(x) − p, with Φ(x) from the tail on the side that keeps its precision.
  const e = x < 0 ? normalTail(-x) - p : 1 - p - normalTail(x);
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** Newton steps of the upper-tail sampler: from its start, ample for float64 (convergence is monotone after the first). */
const TAIL_STEPS = 8;

/**
 * A draw of Z conditioned on Z > α, returned as its excess t = Z − α ≥ 0 (exact even where Z and
 * α are huge), from one uniform u in [0, 1): Q(α + t) = (1 − u)·Q(α). For α ≤ 0 by the quantile
 * (on the side of ½ that keeps its precision); for α > 0 by Newton's method on
 * g(t) = log Q(α + t) − log Q(α) − log(1 − u), which is concave and decreasing, so after one
 * step the iterates fall monotonically to the root; the start solves the same equation with Q
 * replaced by the normal density's tail factor e^(−αt − t²/2). g is taken as the difference of
 * the log erfcx terms less t·(α + t/2): the two log tails themselves are of order α²/2, and their
 * difference would lose t's precision beyond α ≈ 10⁶ (at α = 10¹⁰ it is all rounding).
 */
export function truncatedNormalExcess(alpha: number, u: number): number {
  if (alpha <= 0) {
    const below = normalTail(-alpha);
    const tail = normalTail(alpha);
    const p = below + u * tail;
    const z = p <= 0.5 ? normalQuantile(p) : -normalQuantile((1 - u) * tail);
    return Math.max(0, z - alpha);
  }
  const target = Math.log1p(-u);
  const base = logErfcx(alpha / Math.SQRT2);
  let t = (-2 * target) / (alpha + Math.sqrt(alpha * alpha - 2 * target));
  for (let step = 0; step < TAIL_STEPS; step++) {
    const g = logErfcx((alpha + t) / Math.SQRT2) - base - t * (alpha + t / 2) - target;
    t = Math.max(0, t + g / millsRatio(alpha + t));
  }
  return t;
}

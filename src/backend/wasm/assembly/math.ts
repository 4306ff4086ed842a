// Vectorised exp, sigmoid, softplus and Box–Muller normals on f32x4 lanes. WebAssembly has no
// exp, log or cos, so these are polynomial approximations accurate to a few units in the last
// place of a float32.
// f32x4.pmax where either maximum gives the same value: it is one x86 instruction, where
// f32x4.max's rules for NaN and ±0 take several.

const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;

/** e^x for x ≤ 0, lane by lane (0 below −87, where float32 runs out). */
// @ts-ignore: decorator
@inline
export function expNonPositive(x: v128): v128 {
  const clamped = f32x4.pmax(x, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(clamped, f32x4.splat(LOG2E)));
  // Cody–Waite: r = x − n·ln 2 in two parts, so r is exact to float32 precision.
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  // Taylor series of e^r for |r| ≤ ln(2)/2, to degree 7 (Horner).
  let p = f32x4.splat(1.0 / 5040.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  // 2^n, built in the exponent bits: n + 1.5·2^23 + 127 holds n + 127 in its low mantissa bits
  // (n is a whole number from −126 to 0), cheaper than converting n to an integer.
  const scale = i32x4.shl(f32x4.add(n, f32x4.splat(12583039.0)), 23);
  const result = f32x4.mul(p, scale);
  return v128.and(result, f32x4.gt(x, f32x4.splat(-87.0)));
}

/** σ(a) = 1 / (1 + e^−a), from e = e^−|a| so that nothing overflows. */
// @ts-ignore: decorator
@inline
export function sigmoid4(a: v128): v128 {
  const e = expNonPositive(f32x4.neg(f32x4.abs(a)));
  const inverse = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), e));
  return v128.bitselect(inverse, f32x4.mul(e, inverse), f32x4.ge(a, f32x4.splat(0.0)));
}

/** softplus(a) = max(a, 0) + log(1 + e^−|a|). */
// @ts-ignore: decorator
@inline
export function softplus4(a: v128): v128 {
  return f32x4.add(f32x4.pmax(a, f32x4.splat(0.0)), log1p4(expNonPositive(f32x4.neg(f32x4.abs(a)))));
}

/** log(1 + x) for x in [−0.4, 1], by the atanh series in z = x / (2 + x) (|z| ≤ 1/3). */
// @ts-ignore: decorator
@inline
function log1p4(x: v128): v128 {
  const z = f32x4.div(x, f32x4.add(f32x4.splat(2.0), x));
  const z2 = f32x4.mul(z, z);
  let s = f32x4.splat(1.0 / 13.0);
  s = f32x4.add(f32x4.mul(s, z2), f32x4.splat(1.0 / 11.0));
  s = f32x4.add(f32x4.mul(s, z2), f32x4.splat(1.0 / 9.0));
  s = f32x4.add(f32x4.mul(s, z2), f32x4.splat(1.0 / 7.0));
  s = f32x4.add(f32x4.mul(s, z2), f32x4.splat(1.0 / 5.0));
  s = f32x4.add(f32x4.mul(s, z2), f32x4.splat(1.0 / 3.0));
  s = f32x4.add(f32x4.mul(s, z2), f32x4.splat(1.0));
  return f32x4.mul(f32x4.mul(f32x4.splat(2.0), z), s);
}

/** e^t − 1 for t in [−1/2, 0], accurate relative to itself however small t is (Taylor, degree 9). */
// @ts-ignore: decorator
@inline
function expm1Small4(t: v128): v128 {
  let p = f32x4.splat(1.0 / 362880.0);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0 / 40320.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0 / 5040.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0 / 720.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0));
  return f32x4.mul(p, t);
}

/**
 * softplus(b + d) − softplus(b). A step of AIS adds thousands of these for a small d, where
 * the difference of two rounded softplus values would be mostly rounding error; so for
 * |d| ≤ 1/2 it is max(d, 0) + log1p(σ(∓b)·(e^−|d| − 1)) (σ(−b) for d ≥ 0, σ(b) below),
 * accurate relative to the difference itself.
 */
// @ts-ignore: decorator
@inline
export function softplusDifference4(b: v128, d: v128): v128 {
  const zero = f32x4.splat(0.0);
  const up = f32x4.ge(d, zero);
  const weight = sigmoid4(v128.bitselect(f32x4.neg(b), b, up));
  const near = f32x4.add(f32x4.pmax(d, zero), log1p4(f32x4.mul(weight, expm1Small4(f32x4.neg(f32x4.abs(d))))));
  const isNear = f32x4.le(f32x4.abs(d), f32x4.splat(0.5));
  if (i32x4.all_true(isNear)) return near;
  return v128.bitselect(near, f32x4.sub(softplus4(f32x4.add(b, d)), softplus4(b)), isNear);
}

const SQRT2: f32 = 1.4142135623730951;
const TWO_PI: f32 = 6.283185307179586;

/** ln(x) for normal x in (0, 1]: x = 2^e·m with m in [√½, √2), so ln x = e·ln 2 + log1p(m − 1), m − 1 exact. */
// @ts-ignore: decorator
@inline
function logUnit4(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(127));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  const high = f32x4.gt(m, f32x4.splat(SQRT2));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, high);
  // A high lane's mask is −1: its exponent goes up by one.
  const n = f32x4.convert_i32x4_s(i32x4.sub(e, high));
  const low = f32x4.add(f32x4.mul(n, f32x4.splat(LN2_LO)), log1p4(f32x4.sub(m, f32x4.splat(1.0))));
  return f32x4.add(f32x4.mul(n, f32x4.splat(LN2_HI)), low);
}

/**
 * cos(2π·u) for u in [0, 1): with r = u − round(u) in [−½, ½] and s = ¼ − |r| in [−¼, ¼] (both
 * exact), it is sin(2π·s), an odd Taylor polynomial of degree 13 on [−π/2, π/2] (error below 1e-9).
 */
// @ts-ignore: decorator
@inline
function cosTwoPi4(u: v128): v128 {
  const s = f32x4.sub(f32x4.splat(0.25), f32x4.abs(f32x4.sub(u, f32x4.nearest(u))));
  const x = f32x4.mul(s, f32x4.splat(TWO_PI));
  const x2 = f32x4.mul(x, x);
  let p = f32x4.splat(1.0 / 6227020800.0);
  p = f32x4.sub(f32x4.mul(p, x2), f32x4.splat(1.0 / 39916800.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 362880.0));
  p = f32x4.sub(f32x4.mul(p, x2), f32x4.splat(1.0 / 5040.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0 / 120.0));
  p = f32x4.sub(f32x4.mul(p, x2), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(1.0));
  return f32x4.mul(p, x);
}

/**
 * Standard normals √(−2·ln(1 − u₀))·cos(2π·u₁) from uniforms in [0, 1), lane by lane (Box–Muller,
 * as boxMuller in src/rng/stream.ts; 1 − u₀ is exact, at least 2⁻²⁴). Within a few float32 ulps
 * of the reference's float64 value.
 */
// @ts-ignore: decorator
@inline
export function boxMuller4(u0: v128, u1: v128): v128 {
  const radius = f32x4.sqrt(f32x4.mul(f32x4.splat(-2.0), logUnit4(f32x4.sub(f32x4.splat(1.0), u0))));
  return f32x4.mul(radius, cosTwoPi4(u1));
}

// ReLU hidden units (src/layers/relu.ts; Nair & Hinton's rectified units in the exact form of
// Tubiana & Monasson, PRL 2017): the Gaussian unit restricted to h ≥ 0, h | z ~ N(z/γ, 1/γ)
// truncated to [0, ∞). With σ = 1/√γ, α = −z/√γ and λ(α) = φ(α)/Q(α) the inverse Mills ratio:
// mean σ·(λ(α) − α), E[h² | z] = σ²·(1 − α·(λ(α) − α)), and a draw σ·t from one uniform, t the
// excess over α of a standard normal conditioned to exceed α (src/layers/normal.ts, whose
// algorithm this follows in float32; docs/layers.md):
// - erfcx(x) = e^(x²)·erfc(x) for x ≥ 0 as t·exp(½(c₀ + ỹ·d) − dd), Clenshaw's recurrence over
//   the Chebyshev fit of Numerical Recipes (Press et al., 3rd ed., §6.2.2) in t = 2/(2 + x),
//   ỹ = 4t − 2: its first 13 terms, 6e-9 relative, below float32's rounding. It neither cancels
//   nor overflows for any x ≥ 0, so log erfcx and the tails Q(x) = ½·erfcx(|x|/√2)·e^(−x²/2) (1 −
//   that below 0) keep float32's relative precision for every α.
// - λ(α) − α: directly below α = 2√2 (where the difference has lost at most a factor of ten), and
//   above from the tail of Laplace's continued fraction, 1/(√2·F₂) with F_k = y + (k/2)/F_{k+1},
//   y = α/√2, from 20 terms (2e-8 relative at y = 2, less beyond); there 1 − α·(λ − α) = 1/(F₂·F₃)
//   too, without the cancellation of the difference (its float32 error would grow as α²).
// - The draw for α ≤ 0: Z = Φ⁻¹(Φ(α) + u·Q(α)), taken as −Φ⁻¹((1 − u)·Q(α)) where that is above
//   ½, so the quantile is always taken below ½: Acklam's approximation (its coefficients from the
//   reference, through the prelude) and one Halley step on Φ(x) − p, as the reference takes. In
//   float32 the step matters: near the regions' border (p ≈ 0.024) Acklam's polynomials cancel to
//   about 1e-4; Φ(x) = Q(−x) keeps its relative precision there, and the step restores Z's.
// - The draw for α > 0: Newton's method on g(t) = log Q(α + t) − log Q(α) − log(1 − u),
//   g′(t) = −λ(α + t), from the reference's start, 8 steps as the reference takes (float32 has
//   converged after 3). g is concave and decreasing, so the iterates fall monotonically to the
//   root after the first step. The reference takes g as a difference of two log tails; float32
//   would lose t's relative precision to that difference's absolute error wherever u, and so t,
//   is small, so g's parts are taken without cancellation: the quadratic part as t·(α + t/2), and
//   log erfcx(y + d) − log erfcx(y) as −log1p(d/(2 + y)) plus the Chebyshev series' divided
//   difference (logErfcxStep). t then has float32's relative precision for every α and u.
// Needs logistic.wgsl (log1pSmall) and the prelude's QUANTILE_* constants.

const SQRT_HALF = 0.7071067811865476;
const SQRT_2_OVER_PI = 0.7978845608028654;
const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2PI = 2.5066282746310002;
// Numerical Recipes' Chebyshev coefficients of erfc, c₀ … c₁₂.
const ERFC_CHEBYSHEV = array<f32, 13>(
  -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3, -9.46595344482036e-4,
  3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5, -1.624290004647e-6, 1.303655835580e-6,
  1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
);
// Terms of the continued fraction for λ − α above α = 2√2.
const EXCESS_FRACTION_TERMS = 20;
// Newton steps of the upper-tail sampler.
const TAIL_STEPS = 8u;

// log erfcx(x) for x ≥ 0.
fn logErfcxNonNegative(x: f32) -> f32 {
  let t = 2.0 / (2.0 + x);
  let ty = 4.0 * t - 2.0;
  var d = 0.0;
  var dd = 0.0;
  for (var j = 12; j > 0; j--) {
    let previous = d;
    d = ty * d - dd + ERFC_CHEBYSHEV[j];
    dd = previous;
  }
  return log(t) + 0.5 * (ERFC_CHEBYSHEV[0] + ty * d) - dd;
}

// log erfcx(y + d) − log erfcx(y) for y, d ≥ 0, with relative precision however small d: log t's
// part as −log1p(d/(2 + y)), and the series' as h·Σ c_k·Δ_k with x = 2t − 1, h = x₁ − x₀ and
// Δ_k = (T_k(x₁) − T_k(x₀))/h from T's recurrence: Δ_{k+1} = 2x₁·Δ_k + 2T_k(x₀) − Δ_{k−1}.
fn logErfcxStep(y: f32, d: f32) -> f32 {
  let w = d / (2.0 + y);
  let logRatio = select(log(1.0 + w), log1pSmall(w), w < 0.5);
  let x0 = 4.0 / (2.0 + y) - 1.0;
  let h = -4.0 * w / (2.0 + y + d);
  let x1 = x0 + h;
  var chebyshev = vec2<f32>(1.0, x0);
  var divided = vec2<f32>(0.0, 1.0);
  var sum = ERFC_CHEBYSHEV[1];
  for (var k = 2; k <= 12; k++) {
    divided = vec2<f32>(divided.y, 2.0 * x1 * divided.y + 2.0 * chebyshev.y - divided.x);
    chebyshev = vec2<f32>(chebyshev.y, 2.0 * x0 * chebyshev.y - chebyshev.x);
    sum += ERFC_CHEBYSHEV[k] * divided.y;
  }
  return h * sum - logRatio;
}

// Q(|x|) = P(Z > |x|) = ½·erfcx(|x|/√2)·e^(−x²/2): the smaller of the two tails at x.
fn smallerTail(x: f32) -> f32 {
  let a = abs(x);
  return 0.5 * exp(logErfcxNonNegative(a * SQRT_HALF) - 0.5 * a * a);
}

// λ(x) = φ(x)/Q(x) = √(2/π)/erfcx(x/√2) for x ≥ 0, φ(x)/(1 − Q(−x)) below.
fn millsRatio(x: f32) -> f32 {
  if (x >= 0.0) {
    return SQRT_2_OVER_PI * exp(-logErfcxNonNegative(x * SQRT_HALF));
  }
  return INV_SQRT_2PI * exp(-0.5 * x * x) / (1.0 - smallerTail(x));
}

// (λ(α) − α, 1 − α·(λ(α) − α)): the standardised mean and second moment of the excess.
fn truncatedMoments(alpha: f32) -> vec2<f32> {
  if (alpha < 2.0 / SQRT_HALF) {
    let excess = millsRatio(alpha) - alpha;
    return vec2<f32>(excess, max(0.0, 1.0 - alpha * excess));
  }
  let y = alpha * SQRT_HALF;
  var f = y;
  for (var n = EXCESS_FRACTION_TERMS; n >= 3; n--) {
    f = y + 0.5 * f32(n) / f;
  }
  let f2 = y + 1.0 / f;
  return vec2<f32>(SQRT_HALF / f2, 1.0 / (f2 * f));
}

// Φ⁻¹(p) for p in (0, ½]: Acklam's lower and central regions, then Halley's step.
fn normalQuantileLower(p: f32) -> f32 {
  let a = QUANTILE_A;
  let b = QUANTILE_B;
  let c = QUANTILE_C;
  let d = QUANTILE_D;
  var x: f32;
  if (p < QUANTILE_P_LOW) {
    let q = sqrt(-2.0 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    let q = p - 0.5;
    let r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  // Φ(x) = Q(−x) = Q(|x|) for x ≤ 0.
  let e = smallerTail(x) - p;
  let step = e * SQRT_2PI * exp(0.5 * x * x);
  return x - step / (1.0 + 0.5 * x * step);
}

// The excess t = Z − α ≥ 0 of a standard normal Z conditioned on Z > α, from one uniform u.
fn truncatedNormalExcess(alpha: f32, u: f32) -> f32 {
  if (alpha <= 0.0) {
    // u = 0 draws the truncation point itself (Φ(α) may underflow to 0 below).
    if (u == 0.0) {
      return 0.0;
    }
    let below = smallerTail(alpha);
    let tail = 1.0 - below;
    let p = below + u * tail;
    var z: f32;
    if (p <= 0.5) {
      z = normalQuantileLower(p);
    } else {
      z = -normalQuantileLower((1.0 - u) * tail);
    }
    return max(0.0, z - alpha);
  }
  // log(1 − u), exactly for small u (1 − u is exact: u has 24 bits).
  let goal = select(log(1.0 - u), log1pSmall(-u), u < 0.375);
  let y = alpha * SQRT_HALF;
  let base = logErfcxNonNegative(y);
  var t = -2.0 * goal / (alpha + sqrt(alpha * alpha - 2.0 * goal));
  for (var step = 0u; step < TAIL_STEPS; step++) {
    let rise = logErfcxStep(y, t * SQRT_HALF);
    let g = rise - t * (alpha + 0.5 * t) - goal;
    t = max(0.0, t + g / (SQRT_2_OVER_PI * exp(-(base + rise))));
  }
  return t;
}

fn unitMean(z: f32, unit: u32) -> f32 {
  let sigma = 1.0 / sqrt(hiddenGamma[unit]);
  return sigma * truncatedMoments(-z * sigma).x;
}

fn unitSample(z: f32, mean: f32, unit: u32, u: vec2<f32>) -> f32 {
  let sigma = 1.0 / sqrt(hiddenGamma[unit]);
  return sigma * truncatedNormalExcess(-z * sigma, u.x);
}

fn unitSecondMoment(z: f32, mean: f32, unit: u32) -> f32 {
  let sigma = 1.0 / sqrt(hiddenGamma[unit]);
  return sigma * sigma * truncatedMoments(-z * sigma).y;
}

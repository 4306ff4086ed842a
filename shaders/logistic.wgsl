// The logistic functions of AIS's kernels (and parallel tempering's statistics), and the
// difference of two softplus values to float32's relative precision: a weight increment is
// thousands of such small differences.

fn sigmoid(z: f32) -> f32 {
  let e = exp(-abs(z));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), z >= 0.0);
}

fn softplus(z: f32) -> f32 {
  return max(z, 0.0) + log(1.0 + exp(-abs(z)));
}

// e^d − 1 for |d| ≤ 1/2 by its Taylor series to d⁹ (the rest is below 2⁻³⁰ of it): WGSL has no
// expm1, and exp(d) − 1 keeps only the absolute precision of 1.
fn expm1Small(d: f32) -> f32 {
  var p = 1.0;
  for (var n = 9; n >= 2; n--) {
    p = 1.0 + d / f32(n) * p;
  }
  return d * p;
}

// log(1 + y) for y in [e^−½ − 1, e^½ − 1] as 2·atanh(t), t = y / (2 + y), |t| < 1/4, by its
// series to t¹³ (the rest is below 2⁻³⁰ of it): WGSL's log promises only an absolute error of
// 2⁻²¹ near 1, far more than a small y.
fn log1pSmall(y: f32) -> f32 {
  let t = y / (2.0 + y);
  let t2 = t * t;
  var p = 1.0 / 13.0;
  for (var n = 11; n >= 1; n -= 2) {
    p = 1.0 / f32(n) + t2 * p;
  }
  return 2.0 * t * p;
}

// softplus(x + d) − softplus(x) = log(1 + σ(x)·(e^d − 1)). For |d| ≤ 1/2 (a fine path) it
// comes to a few ulp of itself and is exactly 0 for d = 0; a coarser step takes the
// difference, whose error of a few ulp of softplus(x) matters little over so few steps.
fn softplusStep(x: f32, d: f32) -> f32 {
  if (abs(d) > 0.5) {
    return softplus(x + d) - softplus(x);
  }
  return log1pSmall(sigmoid(x) * expm1Small(d));
}

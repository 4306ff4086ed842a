// Gaussian visible units' per-unit scales from the log-variance z = log σ², and their normal
// draws (docs/training-step.md, "Gaussian visible units"). Needs philox.wgsl and logistic.wgsl.

// 1/σ² = e^(−z): what the hidden units see is v/σ².
fn precisionOf(z: f32) -> f32 {
  return exp(-z);
}

// σ = e^(z/2).
fn deviationOf(z: f32) -> f32 {
  return exp(0.5 * z);
}

// √(−2·ln(1 − u₀))·cos(2π·u₁), as boxMuller in src/rng/stream.ts. ln(1 − u₀) by log1pSmall where
// u₀ is small (log's absolute error would swamp it there), and cos of an angle in [−π, π)
// (u₁ − 1 is exact for u₁ ≥ ½), where WGSL's cos keeps its accuracy.
fn boxMuller(u0: f32, u1: f32) -> f32 {
  let logTail = select(log(1.0 - u0), log1pSmall(-u0), u0 < 0.375);
  let turn = select(u1, u1 - 1.0, u1 >= 0.5);
  return sqrt(-2.0 * logTail) * cos(6.283185307179586 * turn);
}

// Standard normal i of a row whose Philox block ⌊i/2⌋ gave `words`: uniforms 2i and 2i + 1 of the
// row's 2·cols are words 2(i mod 2) and 2(i mod 2) + 1 (normalDraws in src/rng/stream.ts).
fn normalOf(words: vec4<u32>, i: u32) -> f32 {
  let w = 2u * (i % 2u);
  return boxMuller(toUniform(words[w]), toUniform(words[w + 1u]));
}

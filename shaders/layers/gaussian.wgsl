// Gaussian hidden units (src/layers/gaussian.ts; Tubiana & Monasson, PRL 2017): U(h) = γh²/2 with
// γ the unit's own precision (hiddenGamma), so h | z ~ N(z/γ, 1/γ). Mean z/γ; a draw
// mean + n/√γ with n the normal of the unit's two uniforms (boxMuller of gaussian.wgsl, as
// normalDraws pairs a row of 2H uniforms); E[h² | z] = (z/γ)² + 1/γ.

fn unitMean(z: f32, unit: u32) -> f32 {
  return z / hiddenGamma[unit];
}

fn unitSample(z: f32, mean: f32, unit: u32, u: vec2<f32>) -> f32 {
  return mean + boxMuller(u.x, u.y) / sqrt(hiddenGamma[unit]);
}

fn unitSecondMoment(z: f32, mean: f32, unit: u32) -> f32 {
  return mean * mean + 1.0 / hiddenGamma[unit];
}

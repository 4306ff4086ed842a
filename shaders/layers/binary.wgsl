// Binary (Bernoulli) units, h ∈ {0, 1} (src/layers/binary.ts): mean σ(z), a draw 1 when σ(z)
// beats its one uniform, E[h² | z] = σ(z) since h² = h. Every unit snippet gives matmul.wgsl's
// epilogue these three functions of a unit's pre-activation z and its index (its column); this
// one reads no tensor of its own.

fn unitMean(z: f32, unit: u32) -> f32 {
  return sigmoid(z);
}

fn unitSample(z: f32, mean: f32, unit: u32, u: vec2<f32>) -> f32 {
  return select(0.0, 1.0, mean > u.x);
}

fn unitSecondMoment(z: f32, mean: f32, unit: u32) -> f32 {
  return mean;
}

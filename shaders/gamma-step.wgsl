// γ's momentum step with Gaussian and ReLU hidden units (docs/layers.md), one thread per hidden
// unit j, after the batch's matmuls have written each phase's m₂ (a sample's square, or E[h² | z]
// of its pre-activation, as the rule's statistics say) after the statistics, into the hidden
// stack [h0; h_k; m₂(h0); m₂(h_k)]:
//   g_γ = Σ_r (m₂(negative) − m₂(positive)) / 2B,   dγ = m·dγ + stepSize·g_γ,   γ += dγ,
// then γ is kept at least MIN_GAMMA (src/layers/gaussian.ts, through the prelude). A non-finite
// dγ or γ records the batch in `health` before the floor could hide it.

// The host prepends its bindings (the `gammaStep` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts).

override WG_SIZE: u32 = 64u;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  let h = shape.h;
  if (j >= h) {
    return;
  }
  let moments = 2u * step.rows * h;
  var sum = 0.0;
  for (var r = 0u; r < step.rows; r++) {
    sum += hiddenStack[moments + (step.rows + r) * h + j] - hiddenStack[moments + r * h + j];
  }
  let g = sum / f32(2u * step.rows);
  let at = shape.hiddenGamma + j;
  let dg = rule.momentum * velocity[at] + rule.stepSize * g;
  velocity[at] = dg;
  let gamma = params[at] + dg;
  if (!isFiniteF32(dg) || !isFiniteF32(gamma)) {
    atomicMin(&health, step.index);
  }
  params[at] = max(gamma, MIN_GAMMA);
}

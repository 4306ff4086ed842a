// The log-variances' momentum step with Gaussian visible units (docs/training-step.md), one
// thread per visible unit i, after gradient.wgsl and before update.wgsl moves W and b:
//   g_z = (½·e^(−zᵢ)·Σ_r [(x_ri − bᵢ)² − (v_ri − bᵢ)²] − Σ_j Wᵢⱼ·Gᵢⱼ) / B,   less ½ with 'probabilities'
// where G is the weight gradient the partials hold: Σ_r e^(−zᵢ)·xᵢ·(S·Wᵀ)ᵢ over the data less over
// the model is Σ_j Wᵢⱼ·(X̃ᵀ·S0 − ṽᵀ·S_k)ᵢⱼ. With means for v_k ('probabilities'), E[(v − b)²] gains
// σ², and the model's term ½. Then dz = m·dz + stepSize·g_z and z += dz.

// The host prepends its bindings (the `logVariance` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts). summed(m, n) is in partials.wgsl.

override WG_SIZE: u32 = 64u;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  let v = shape.v;
  if (i >= v) {
    return;
  }
  let b = params[shape.visibleBias + i];
  var squares = 0.0;
  for (var r = 0u; r < step.rows; r++) {
    let data = rawVisible[r * v + i] - b;
    let model = rawVisible[(step.rows + r) * v + i] - b;
    squares += data * data - model * model;
  }
  var cross = 0.0;
  for (var j = 0u; j < shape.h; j++) {
    cross += params[i * shape.h + j] * summed(i, j);
  }
  let at = shape.logVariance + i;
  var g = (0.5 * precisionOf(params[at]) * squares - cross) / f32(step.rows);
  if (rule.bySamples == 0u) {
    g -= 0.5;
  }
  let dz = rule.momentum * velocity[at] + rule.stepSize * g;
  velocity[at] = dz;
  let z = params[at] + dz;
  params[at] = z;
  if (!isFiniteF32(dz) || !isFiniteF32(z)) {
    atomicMin(&health, step.index);
  }
}

// Sums the gradient's split-K partials and applies the momentum update, for the weights and
// both biases at once: dθ = m·dθ + stepSize·scale·g, θ += dθ. Weights are scaled by 1/B when
// the gradient is a mean, and decay by decayStep·W; the bias gradients are always batch means. A non-finite result
// records the earliest batch that produced one in `health`.
//
// CENTRED (Melchior et al. 2016): the weight gradient is the centred one, and the biases'
// velocities are those of the centred biases, so only they are updated here; centred-biases.wgsl
// then moves the plain biases once every weight has its new velocity.

// The host prepends its bindings (the `update` program in src/backend/webgpu/programs.ts) and the
// structs they name (uniforms.ts). summed(m, n) is in partials.wgsl.

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;
override CENTRED: bool = false;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let n = id.x;
  let m = id.y;
  let v = shape.v;
  let h = shape.h;
  if (m > v || n > h || (m == v && n == h)) {
    return;
  }
  let weight = m < v && n < h;
  var g = summed(m, n);
  if (CENTRED && weight) {
    // Σ (x − μ)(s − λ)ᵀ over the data less over the model: the plain sum less μ·(B·g_c)ᵀ and
    // (B·g_b)·λᵀ, where row V and column H of the partials hold exactly those bias sums.
    g -= params[shape.mu + m] * summed(v, n) + summed(m, h) * params[shape.lambda + n];
  }
  let perRow = 1.0 / f32(step.rows);
  var at: u32;
  var scale = rule.stepSize * perRow;
  if (weight) {
    at = m * h + n;
    if (rule.meanGradient == 0u) {
      scale = rule.stepSize;
    }
  } else if (n == h) {
    at = shape.visibleBias + m;
  } else {
    at = shape.hiddenBias + n;
  }
  var decay = 0.0;
  if (weight) {
    decay = rule.decayStep * params[at];
  }
  let dv = rule.momentum * velocity[at] + scale * g - decay;
  velocity[at] = dv;
  if (CENTRED && !weight) {
    if (!isFiniteF32(dv)) {
      atomicMin(&health, step.index);
    }
    return;
  }
  let value = params[at] + dv;
  params[at] = value;
  if (!isFiniteF32(dv) || !isFiniteF32(value)) {
    atomicMin(&health, step.index);
  }
}

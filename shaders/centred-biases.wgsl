// Centring's bias update, after the weight update: the model keeps the plain biases
// b = b_c − W·λ and c = c_c − Wᵀ·μ, so they move by the centred biases' steps (their new
// velocities) less the weight step's share: b += db − dW·λ, c += dc − dWᵀ·μ. One thread per
// unit, visible units first, each summing over the other layer in index order.

// The host prepends its bindings (the `centredBiases` program in src/backend/webgpu/programs.ts)
// and the structs they name (uniforms.ts).

override WG_SIZE: u32 = 64u;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let v = shape.v;
  let h = shape.h;
  var shift = 0.0;
  var at: u32;
  if (id.x < v) {
    let i = id.x;
    for (var j = 0u; j < h; j++) {
      shift += velocity[i * h + j] * params[shape.lambda + j];
    }
    at = shape.visibleBias + i;
  } else if (id.x < v + h) {
    let j = id.x - v;
    for (var i = 0u; i < v; i++) {
      shift += velocity[i * h + j] * params[shape.mu + i];
    }
    at = shape.hiddenBias + j;
  } else {
    return;
  }
  let value = params[at] + (velocity[at] - shift);
  params[at] = value;
  if (!isFiniteF32(value)) {
    atomicMin(&health, step.index);
  }
}

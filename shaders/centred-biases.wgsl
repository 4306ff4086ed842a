// Centring's bias update, after the weight update: the model keeps the plain biases
// b = b_c − W·λ and c = c_c − Wᵀ·μ, so they move by the centred biases' steps (their new
// velocities) less the weight step's share: b += db − dW·λ, c += dc − dWᵀ·μ. One thread per
// unit, visible units first, each summing over the other layer in index order.

// Layout and Step are declared in src/backend/webgpu/uniforms.ts and prepended by the host.

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read> velocity: array<f32>;
@group(0) @binding(2) var<storage, read_write> health: atomic<u32>;
@group(0) @binding(3) var<uniform> shape: Layout;
@group(1) @binding(0) var<uniform> step: Step;

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

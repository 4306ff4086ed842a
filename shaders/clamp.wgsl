// Inpainting's clamp, after each visible half step of a Gibbs loop whose visible units another
// kernel finishes (Gaussian, softmax; binary ones clamp in matmul.wgsl's epilogue): the units a
// row knows (known = 1) take their given values again, the others keep their new states.

// ClampCall and Step are declared in src/backend/webgpu/uniforms.ts and prepended by the host.

@group(0) @binding(0) var<storage, read_write> states: array<f32>;
// The rows' known flags, then their values.
@group(0) @binding(1) var<storage, read> known: array<f32>;
@group(0) @binding(2) var<uniform> call: ClampCall;
@group(1) @binding(0) var<uniform> step: Step;

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col = id.x;
  let row = id.y;
  if (row >= step.rows || col >= call.visible) {
    return;
  }
  let at = row * call.visible + col;
  if (known[at] == 1.0) {
    states[at] = known[step.rows * call.visible + at];
  }
}

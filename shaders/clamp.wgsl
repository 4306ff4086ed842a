// Inpainting's clamp, after each visible half step of a Gibbs loop whose visible units another
// kernel finishes (Gaussian, softmax; binary ones clamp in matmul.wgsl's epilogue): the units a
// row knows (known = 1) take their given values again, the others keep their new states.

// The host prepends its bindings (the `clamp` program in src/backend/webgpu/programs.ts) and the
// structs they name (uniforms.ts).

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

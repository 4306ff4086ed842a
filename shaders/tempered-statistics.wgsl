// Parallel tempering's negative statistics: the β = 1 chain of each batch row (chain r·M) gives
// the lower halves of the stacked batch, its visible sample and its hidden sample ('samples') or
// σ(c + v·W) ('probabilities'), where the gradient and update kernels read v_k and h_k.

// The host prepends its bindings (the `temperedStatistics` program in
// src/backend/webgpu/programs.ts) and the structs they name (uniforms.ts).

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col = id.x;
  let row = id.y;
  if (row >= step.rows) {
    return;
  }
  let chain = row * shape.temperatures;
  if (col < shape.visible) {
    visibleStack[(step.rows + row) * shape.visible + col] = visible[chain * shape.visible + col];
  }
  if (col < shape.hidden) {
    let at = chain * shape.hidden + col;
    hiddenStack[(step.rows + row) * shape.hidden + col] = select(sigmoid(activation[at]), hidden[at], rule.bySamples != 0u);
  }
}

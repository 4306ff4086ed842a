// A label layer's batch: each row's class y = labels[order[start + row]] into the first half of
// batchLabels, and its row U_y into labelRows (what the h0 product adds to the hidden input).

// The host prepends its bindings (the `labelGather` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts).

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  let row = id.y;
  if (row >= step.rows || j >= call.hidden) {
    return;
  }
  let y = labels[order[step.start + row]];
  if (j == 0u) {
    batchLabels[row] = y;
  }
  labelRows[row * call.hidden + j] = params[call.labelWeights + y * call.hidden + j];
}

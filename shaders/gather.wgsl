// Copies the batch's rows, picked by the epoch's shuffled order, from one chunk of the
// resident data set into the top half of the stacked visible buffer. A data set larger than
// one storage binding lives in several chunks; the batch is gathered with one dispatch each.

// The host prepends its bindings (the `gather` program in src/backend/webgpu/programs.ts) and the
// structs they name (uniforms.ts).

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col = id.x;
  let row = id.y;
  if (row >= step.rows || col >= chunk.cols) {
    return;
  }
  let source = order[step.start + row];
  if (source < chunk.first || source >= chunk.first + chunk.rows) {
    return;
  }
  batch[row * chunk.cols + col] = data[(source - chunk.first) * chunk.cols + col];
}

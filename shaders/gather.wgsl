// Copies the batch's rows, picked by the epoch's shuffled order, from one chunk of the
// resident data set into the top half of the stacked visible buffer. A data set larger than
// one storage binding lives in several chunks; the batch is gathered with one dispatch each.

// Chunk and Step are declared in src/backend/webgpu/uniforms.ts and prepended by the host.

@group(0) @binding(0) var<storage, read> data: array<f32>;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read_write> batch: array<f32>;
@group(0) @binding(3) var<uniform> chunk: Chunk;
@group(1) @binding(0) var<uniform> step: Step;

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

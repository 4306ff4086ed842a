// gather.wgsl for 8-bit data: the chunk holds the rows' pixels four to a word (the first byte
// lowest, as the host's Uint8Array lies in memory), and each pixel k becomes values[k], the
// host's PIXEL_VALUES table (k / 255 as float32), so the batch equals the float32 rows' exactly.

// Chunk and Step are declared in src/backend/webgpu/uniforms.ts and prepended by the host.

@group(0) @binding(0) var<storage, read> data: array<u32>;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read_write> batch: array<f32>;
@group(0) @binding(3) var<uniform> chunk: Chunk;
@group(0) @binding(4) var<storage, read> values: array<f32>;
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
  let at = (source - chunk.first) * chunk.cols + col;
  let pixel = (data[at / 4u] >> (8u * (at % 4u))) & 0xffu;
  batch[row * chunk.cols + col] = values[pixel];
}

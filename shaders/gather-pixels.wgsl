// gather.wgsl for 8-bit data: the chunk holds the rows' pixels four to a word (the first byte
// lowest, as the host's Uint8Array lies in memory), and each pixel k becomes values[k], the
// host's PIXEL_VALUES table (k / 255 as float32), so the batch equals the float32 rows' exactly.

// The host prepends its bindings (the `gatherPixels` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts).

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

// The CD weight gradient as one product over the stacked batch (K = 2B):
//   G = [X; v1]ᵀ · [h0; −h1]
// with a ones column appended to each operand, so that row V of G is Σ h0 − Σ h1 (the hidden
// bias gradient) and column H is Σ X − Σ v1 (the visible bias gradient). K is split over
// workgroups (z) so that a small output such as 785 × 65 still fills the GPU; each slice writes
// its partial sums, which update.wgsl adds up. A label layer's step weighs the ones column by
// Dims.ones (the visible bias follows the generative part alone).

// The host prepends its bindings (the `gradient` program in src/backend/webgpu/programs.ts) and the
// structs they name (uniforms.ts).

fn loadA(m: u32, k: u32) -> f32 {
  if (m == dims.v) {
    return 1.0;
  }
  if (m > dims.v) {
    return 0.0;
  }
  return visibleStack[k * dims.v + m];
}

fn loadB(k: u32, n: u32) -> f32 {
  let sign = select(-1.0, 1.0, k < step.rows);
  if (n == dims.h) {
    return sign * dims.ones;
  }
  if (n > dims.h) {
    return 0.0;
  }
  return sign * hiddenStack[k * dims.h + n];
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let total = 2u * step.rows;
  let perSlice = (total + groups.z * TILE_K - 1u) / (groups.z * TILE_K) * TILE_K;
  let kBegin = min(wg.z * perSlice, total);
  let kEnd = min(kBegin + perSlice, total);
  let acc = accumulateTile(wg.y * TILE_M, wg.x * TILE_N, kBegin, kEnd, lid.x, lid.y, li);

  let rows = dims.v + 1u;
  let cols = dims.h + 1u;
  let base = wg.z * rows * cols;
  for (var r = 0u; r < RM; r++) {
    let m = wg.y * TILE_M + lid.y * RM + r;
    for (var j = 0u; j < RN; j++) {
      let n = wg.x * TILE_N + lid.x * RN + j;
      if (m < rows && n < cols) {
        partials[base + m * cols + n] = acc[r][j];
      }
    }
  }
}

// Parallel tempering: the energy E_q = −(h·(c + v·W) + b·v) of each chain's state after a sweep,
// at β = 1, from the hidden inputs c + v·W that the tempered matmul kept. One workgroup per chain
// (a 2-D grid, rows of MAX_GROUPS workgroups): the swaps compare neighbouring chains' energies.

// The host prepends its bindings (the `temperedEnergy` program in src/backend/webgpu/programs.ts)
// and the structs they name (uniforms.ts).

override WG_SIZE: u32 = 64u;
var<workgroup> sums: array<f32, WG_SIZE>;

@compute @workgroup_size(WG_SIZE)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let chain = wg.y * groups.x + wg.x;
  if (chain >= step.rows * shape.temperatures) {
    return;
  }
  var s = 0.0;
  for (var j = li; j < shape.hidden; j += WG_SIZE) {
    s += hidden[chain * shape.hidden + j] * activation[chain * shape.hidden + j];
  }
  for (var i = li; i < shape.visible; i += WG_SIZE) {
    s += visibleBias[i] * visible[chain * shape.visible + i];
  }
  sums[li] = s;
  workgroupBarrier();
  for (var half = WG_SIZE / 2u; half > 0u; half /= 2u) {
    if (li < half) {
      sums[li] += sums[li + half];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    energies[chain] = -sums[0];
  }
}

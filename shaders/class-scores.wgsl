// A label layer's class scores, one workgroup per row: score_y = d_y + Σ_j softplus(a_j + U_yj)
// from the hidden pre-activations a = c + x·W (the reference's classScores). In training
// (POSTERIOR) they become p(y | x) in place, and the row's −log p(y_r | x_r) goes to rowLoss
// (0 for the rows past the batch, so that a mean over every row slot is the batch's mean).

// The host prepends its bindings (the `classScores` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts). softplus is in logistic.wgsl.

override WG_SIZE: u32 = 64u;
override POSTERIOR: bool = true;
var<workgroup> sums: array<f32, WG_SIZE>;

@compute @workgroup_size(WG_SIZE)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let row = wg.y * groups.x + wg.x;
  if (row >= step.rows) {
    if (POSTERIOR && li == 0u && row < groups.x * groups.y) {
      rowLoss[row] = 0.0;
    }
    return;
  }
  let H = call.hidden;
  let C = call.classes;
  for (var y = 0u; y < C; y++) {
    var s = 0.0;
    for (var j = li; j < H; j += WG_SIZE) {
      s += softplus(activation[row * H + j] + params[call.labelWeights + y * H + j]);
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
      scores[row * C + y] = params[call.labelBias + y] + sums[0];
    }
    workgroupBarrier();
  }
  if (!POSTERIOR || li != 0u) {
    return;
  }
  var top = scores[row * C];
  for (var y = 1u; y < C; y++) {
    top = max(top, scores[row * C + y]);
  }
  var total = 0.0;
  for (var y = 0u; y < C; y++) {
    total += exp(scores[row * C + y] - top);
  }
  rowLoss[row] = log(total) - (scores[row * C + batchLabels[row]] - top);
  for (var y = 0u; y < C; y++) {
    scores[row * C + y] = exp(scores[row * C + y] - top) / total;
  }
}

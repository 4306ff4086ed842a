// A label layer's gradient and momentum step, one thread per class y and hidden unit j (j = H:
// the bias d_y), summing over the batch's rows; it reads U before writing it, and runs before the
// hidden statistics are combined (label-term.wgsl's COMBINE).
//   discriminative: U_yj gains Σ_r (1[y = y_r] − p(y | x_r))·σ(a_rj + U_yj), d_y the bracket;
//   generative (× generativeWeight): U_yj gains Σ_r 1[y = y_r]·h0_rj − 1[y = ŷ_r]·hk_rj, d_y the
//   indicators, where ŷ_r is the chain's last label (the second half of batchLabels).
// U steps as W does (its decay, summed or mean gradient), d as the biases (a batch mean).

// The host prepends its bindings (the `labelUpdate` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts). sigmoid is in logistic.wgsl, isFiniteF32 in finite.wgsl.

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  let y = id.y;
  let H = call.hidden;
  let C = call.classes;
  if (y >= C || j > H) {
    return;
  }
  let bias = j == H;
  let at = select(call.labelWeights + y * H + j, call.labelBias + y, bias);
  let u = params[at];
  let rows = step.rows;
  var g = 0.0;
  for (var r = 0u; r < rows; r++) {
    let chosen = select(0.0, 1.0, batchLabels[r] == y);
    if (call.discriminative != 0u) {
      let w = chosen - posterior[r * C + y];
      g += select(w * sigmoid(activation[r * H + j] + u), w, bias);
    }
    if (call.generative != 0u) {
      let drawn = select(0.0, 1.0, batchLabels[rows + r] == y);
      var term = chosen - drawn;
      if (!bias) {
        term = chosen * hiddenStack[r * H + j] - drawn * hiddenStack[(rows + r) * H + j];
      }
      g += call.generativeWeight * term;
    }
  }
  let perRow = 1.0 / f32(rows);
  var dv: f32;
  if (bias) {
    dv = rule.momentum * velocity[at] + rule.stepSize * perRow * g;
  } else {
    let scale = select(rule.stepSize, rule.stepSize * perRow, rule.meanGradient != 0u);
    dv = rule.momentum * velocity[at] + scale * g - rule.decayStep * u;
  }
  velocity[at] = dv;
  let value = u + dv;
  params[at] = value;
  if (!isFiniteF32(dv) || !isFiniteF32(value)) {
    atomicMin(&health, step.index);
  }
}

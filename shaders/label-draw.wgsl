// The generative chain's label half-step, one thread per row: ŷ ~ softmax(d + U·h) by inverting
// the cumulative sum at the row's uniform (column 0 of the draws at (seed, call.phase)), into the
// second half of batchLabels, and its row U_ŷ into labelRows for the hidden half-step after it.

// The host prepends its bindings (the `labelDraw` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts).

override WG_SIZE: u32 = 64u;

fn logit(row: u32, y: u32) -> f32 {
  let H = call.hidden;
  var s = params[call.labelBias + y];
  for (var j = 0u; j < H; j++) {
    s += params[call.labelWeights + y * H + j] * chain[row * H + j];
  }
  return s;
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let row = id.x;
  if (row >= step.rows) {
    return;
  }
  let C = call.classes;
  var top = logit(row, 0u);
  for (var y = 1u; y < C; y++) {
    top = max(top, logit(row, y));
  }
  var total = 0.0;
  for (var y = 0u; y < C; y++) {
    total += exp(logit(row, y) - top);
  }
  let u = toUniform(philox(vec4<u32>(0u, step.rowOffset + row, step.drawBatch, step.drawEpoch), vec2<u32>(rule.seed, call.phase)).x);
  var chosen = C - 1u;
  var cumulative = 0.0;
  for (var y = 0u; y + 1u < C; y++) {
    cumulative += exp(logit(row, y) - top) / total;
    if (u < cumulative) {
      chosen = y;
      break;
    }
  }
  batchLabels[step.rows + row] = chosen;
  let H = call.hidden;
  for (var j = 0u; j < H; j++) {
    labelRows[row * H + j] = params[call.labelWeights + chosen * H + j];
  }
}

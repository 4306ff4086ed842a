// The discriminative gradient's hidden term (Larochelle & Bengio, eq. 4), one thread per row and
// hidden unit: g_j = s_{y j} − Σ_c p(c | x)·s_{c j}, s_{c j} = σ(a_j + U_cj), into hiddenTerm.
// COMBINE then folds it into the stacked hidden statistics the weight gradient reads, with the
// generative part weighted: top ← w·h0 + g, bottom ← w·h_k (w = generativeWeight; 0 and no chain
// when the step is purely discriminative, so both halves hold zeros before).

// The host prepends its bindings (the `labelTerm` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts). sigmoid is in logistic.wgsl.

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;
override COMBINE: bool = false;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  let row = id.y;
  let H = call.hidden;
  if (row >= step.rows || j >= H) {
    return;
  }
  let at = row * H + j;
  if (COMBINE) {
    let w = select(call.generativeWeight, 0.0, call.generative == 0u);
    let g = select(0.0, hiddenTerm[at], call.discriminative != 0u);
    hiddenStack[at] = w * hiddenStack[at] + g;
    let below = (step.rows + row) * H + j;
    hiddenStack[below] = w * hiddenStack[below];
    return;
  }
  let a = activation[at];
  let C = call.classes;
  var expected = 0.0;
  for (var c = 0u; c < C; c++) {
    expected += posterior[row * C + c] * sigmoid(a + params[call.labelWeights + c * H + j]);
  }
  hiddenTerm[at] = sigmoid(a + params[call.labelWeights + batchLabels[row] * H + j]) - expected;
}

// Turns the loss epilogue's per-workgroup sums into the batch's value and stores it in the
// epoch's array, which is read back once per epoch: from the sums of log P(x | h0) the KL
// (−log B − Σ / B) / V, or with SQUARED_ERROR the mean Σ / (B·V): Gaussian visible units'
// squared error, or (V = 1) a label layer's mean −log p(y | x).

// The host prepends its bindings (the `lossReduce` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts).

override WG_SIZE: u32 = 256u;
override SQUARED_ERROR: bool = false;
var<workgroup> sums: array<f32, WG_SIZE>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(local_invocation_index) li: u32) {
  var s = 0.0;
  for (var i = li; i < call.count; i += WG_SIZE) {
    s += lossPartials[i];
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
    let rows = f32(step.rows);
    if (SQUARED_ERROR) {
      epochLoss[step.index] = sums[0] / (rows * f32(call.visible));
    } else {
      epochLoss[step.index] = (-log(rows) - sums[0] / rows) / f32(call.visible);
    }
  }
}

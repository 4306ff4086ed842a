// The batch's softmax cross-entropy, one workgroup: −mean over the data's observed groups of
// log p(x's category | a), a the logits b + h0·Wᵀ after the update (the reference's
// softmaxCrossEntropy), into the epoch's array; 0 when no group is observed.

// The host prepends its bindings (the `softmaxLoss` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts).

override WG_SIZE: u32 = 256u;
var<workgroup> totals: array<f32, WG_SIZE>;
var<workgroup> counts: array<f32, WG_SIZE>;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(local_invocation_index) li: u32) {
  let K = call.size;
  let groups = step.rows * (call.visible / K);
  var total = 0.0;
  var count = 0.0;
  for (var i = li; i < groups; i += WG_SIZE) {
    let at = i * K;
    var top = logits[at];
    for (var k = 1u; k < K; k++) {
      top = max(top, logits[at + k]);
    }
    var sum = 0.0;
    for (var k = 0u; k < K; k++) {
      sum += exp(logits[at + k] - top);
    }
    let logSum = log(sum);
    for (var k = 0u; k < K; k++) {
      let x = data[at + k];
      if (x != 0.0) {
        total -= x * (logits[at + k] - top - logSum);
        count += 1.0;
      }
    }
  }
  totals[li] = total;
  counts[li] = count;
  workgroupBarrier();
  for (var half = WG_SIZE / 2u; half > 0u; half /= 2u) {
    if (li < half) {
      totals[li] += totals[li + half];
      counts[li] += counts[li + half];
    }
    workgroupBarrier();
  }
  if (li == 0u) {
    epochLoss[step.index] = select(totals[0] / counts[0], 0.0, counts[0] == 0.0);
  }
}

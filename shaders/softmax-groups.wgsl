// Softmax visible groups (docs/training-step.md, "Softmax visible groups") over one block of rows
// of logits b + h·Wᵀ, in place, one thread per row and group of K units: the group's
// probabilities, or when the call draws and the rule samples a one-hot state, the first unit
// whose cumulative probability exceeds the uniform drawn for (row, group) at (seed, call.phase).
// With `mask`, a group all zero in the data (block 0 of the same stack) is missing: zeroed.

// The host prepends its bindings (the `softmaxGroups` program in src/backend/webgpu/programs.ts)
// and the structs they name (uniforms.ts).

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let g = id.x;
  let row = id.y;
  let K = call.size;
  if (row >= step.rows || g * K >= call.visible) {
    return;
  }
  let at = (call.block * step.rows + row) * call.visible + g * K;
  if (call.mask != 0u) {
    var observed = false;
    for (var k = 0u; k < K; k++) {
      observed = observed || stack[row * call.visible + g * K + k] != 0.0;
    }
    if (!observed) {
      for (var k = 0u; k < K; k++) {
        stack[at + k] = 0.0;
      }
      return;
    }
  }
  var top = stack[at];
  for (var k = 1u; k < K; k++) {
    top = max(top, stack[at + k]);
  }
  var total = 0.0;
  for (var k = 0u; k < K; k++) {
    total += exp(stack[at + k] - top);
  }
  if (call.draws == 0u || rule.bySamples == 0u) {
    for (var k = 0u; k < K; k++) {
      stack[at + k] = exp(stack[at + k] - top) / total;
    }
    return;
  }
  let words = philox(vec4<u32>(g / 4u, step.rowOffset + row, step.drawBatch, step.drawEpoch), vec2<u32>(rule.seed, call.phase));
  let u = toUniform(words[g % 4u]);
  var chosen = K - 1u;
  var cumulative = 0.0;
  for (var k = 0u; k + 1u < K; k++) {
    cumulative += exp(stack[at + k] - top) / total;
    if (u < cumulative) {
      chosen = k;
      break;
    }
  }
  for (var k = 0u; k < K; k++) {
    stack[at + k] = select(0.0, 1.0, k == chosen);
  }
}

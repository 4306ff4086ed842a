// Gaussian visible units over one block of rows (a half of the stacked batch, or an inference
// call's rows): adds the noise σ ⊙ n to the visible means when the call draws and the rule
// samples, n the normals of normalDraws at (seed, phase) with row rowOffset + row, then writes
// what the hidden units see, v/σ². One thread per row and Philox block (two units).

// The host prepends its bindings (the `gaussianVisible` program in src/backend/webgpu/programs.ts)
// and the structs they name (uniforms.ts).

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let pair = id.x;
  let row = id.y;
  if (row >= step.rows || 2u * pair >= call.visible) {
    return;
  }
  let noisy = call.draws != 0u && rule.bySamples != 0u;
  var words = vec4<u32>();
  if (noisy) {
    words = philox(vec4<u32>(pair, step.rowOffset + row, step.drawBatch, step.drawEpoch), vec2<u32>(rule.seed, call.phase));
  }
  let base = (call.block * step.rows + row) * call.visible;
  for (var i = 2u * pair; i < min(2u * pair + 2u, call.visible); i++) {
    let z = logVariance[i];
    var v = raw[base + i];
    if (noisy) {
      v += deviationOf(z) * normalOf(words, i);
      raw[base + i] = v;
    }
    scaled[base + i] = v * precisionOf(z);
  }
}

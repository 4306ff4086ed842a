// One term of the exact log partition function per thread: for state s of the enumerated layer
// (the smaller one, n ≤ 24 units), c·s + Σ_i softplus(b_i + Σ_k s_k·W_ki), the other layer
// summed out. GAUSSIAN (visible units with log-variances z, integrated out): the enumerated
// layer is the hidden one, and the term c·s + Σ_i ½·((b_i + d_i)² − b_i²)·e^(−z_i) with
// d = Σ_k s_k·W_ki, written d_i·(2b_i + d_i) so that nothing cancels; the host adds
// Σ_i ½·log(2πσ_i²). The host adds the terms up with log-sum-exp in float64, one chunk at a time.

// The host prepends its bindings (the `partition` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts). softplus is in logistic.wgsl, precisionOf in gaussian.wgsl.

override WG_SIZE: u32 = 256u;
override GAUSSIAN: bool = false;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = id.y * groups.x * WG_SIZE + id.x;
  if (index >= job.count) {
    return;
  }
  let state = job.first + index;
  var term = 0.0;
  for (var k = 0u; k < job.n; k++) {
    if (((state >> k) & 1u) == 1u) {
      term += ownBias[k];
    }
  }
  for (var i = 0u; i < job.m; i++) {
    let b = otherBias[i];
    // The binary input b + d, or GAUSSIAN's d alone.
    var a = select(b, 0.0, GAUSSIAN);
    for (var k = 0u; k < job.n; k++) {
      if (((state >> k) & 1u) == 1u) {
        a += columns[k * job.m + i];
      }
    }
    if (GAUSSIAN) {
      term += 0.5 * a * (2.0 * b + a) * precisionOf(logVariance[i]);
    } else {
      term += softplus(a);
    }
  }
  terms[index] = term;
}

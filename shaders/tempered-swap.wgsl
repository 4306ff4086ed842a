// Parallel tempering's swaps after a sweep, one thread per batch row: each pair of neighbouring
// temperatures (k, k + 1), k ≡ parity (mod 2), trades states (h, v and the hidden inputs) when
// u < exp(min(0, (β_k − β_{k+1})·(E_k − E_{k+1}))), u drawn at (row, col k) of rows × M. The
// accepted and offered swaps are counted for the epoch's readback.

// The host prepends its bindings (the `temperedSwap` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts).

override WG_SIZE: u32 = 64u;

fn swapRows(a: u32, b: u32) {
  for (var j = 0u; j < shape.hidden; j++) {
    let x = a * shape.hidden + j;
    let y = b * shape.hidden + j;
    let h = hidden[x];
    hidden[x] = hidden[y];
    hidden[y] = h;
    let z = activation[x];
    activation[x] = activation[y];
    activation[y] = z;
  }
  for (var i = 0u; i < shape.visible; i++) {
    let x = a * shape.visible + i;
    let y = b * shape.visible + i;
    let v = visible[x];
    visible[x] = visible[y];
    visible[y] = v;
  }
}

// By the bits (compilers may assume floats are not NaN): the reference refuses a swap whose
// log acceptance is NaN, where min(NaN, 0) may give 0 and accept it.
fn isNan(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let row = id.x;
  if (row >= step.rows) {
    return;
  }
  let m = shape.temperatures;
  var accepted = 0u;
  var offered = 0u;
  var draws = vec4<u32>();
  for (var k = shape.parity; k + 1u < m; k += 2u) {
    // Columns k and k + 2 share a Philox call (word k % 4), drawn when k reaches a new group of four.
    if (k % 4u == shape.parity) {
      draws = philox(vec4<u32>(k / 4u, step.rowOffset + row, step.drawBatch, step.drawEpoch), vec2<u32>(rule.seed, shape.phase));
    }
    let a = row * m + k;
    let b = a + 1u;
    offered++;
    let logAcceptance = (betas[k] - betas[k + 1u]) * (energies[a] - energies[b]);
    if (!isNan(logAcceptance) && toUniform(draws[k % 4u]) < exp(min(logAcceptance, 0.0))) {
      accepted++;
      swapRows(a, b);
    }
  }
  atomicAdd(&swaps[0], accepted);
  atomicAdd(&swaps[1], offered);
}

// AIS's two products over every chain at once (a row per run), on tile.wgsl's tiled product:
// UP, the hidden inputs a = c + v·W that the next step's anneal-weights.wgsl reads; otherwise
// the visible draws v ~ σ((1 − β)·bA + β·(b + h·Wᵀ)) at (seed, aisVisible, epoch k, batch 0).
// GAUSSIAN (visible units with log-variances z; the base model N(b, σ²)): a = c + (v/σ²)·W, and
// v = b + β·h·Wᵀ + σ ⊙ n with the normals of normalDraws at the same address.

override UP: bool = true;
override GAUSSIAN: bool = false;

// The host prepends its bindings (the `annealProduct` program in src/backend/webgpu/programs.ts)
// and the structs they name (uniforms.ts).

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= job.runs) {
    return 0.0;
  }
  if (UP) {
    let v = visible[m * job.visible + k];
    if (GAUSSIAN) {
      return v * precisionOf(base[k]);
    }
    return v;
  }
  return hidden[m * job.hidden + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (UP) {
    if (n >= job.hidden) {
      return 0.0;
    }
    return weights[k * job.hidden + n];
  }
  if (n >= job.visible) {
    return 0.0;
  }
  return weights[n * job.hidden + k];
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let inner = select(job.hidden, job.visible, UP);
  let cols = select(job.visible, job.hidden, UP);
  let acc = accumulateTile(wg.y * TILE_M, wg.x * TILE_N, 0u, inner, lid.x, lid.y, li);
  let r0 = wg.y * TILE_M + lid.y * RM;
  let c0 = wg.x * TILE_N + lid.x * RN;
  for (var r = 0u; r < RM; r++) {
    let row = r0 + r;
    if (row >= job.runs) {
      break;
    }
    // RN = 4 aligned columns share one Philox call: element (row, col) is word col % 4; a
    // normal takes two words, so GAUSSIAN's four take blocks c0/2 and c0/2 + 1.
    var draws = array<vec4<u32>, 2>();
    if (!UP) {
      let key = vec2<u32>(job.seed, PHASE_AIS_VISIBLE);
      if (GAUSSIAN) {
        draws[0] = philox(vec4<u32>(c0 / 2u, row, 0u, step.epoch), key);
        draws[1] = philox(vec4<u32>(c0 / 2u + 1u, row, 0u, step.epoch), key);
      } else {
        draws[0] = philox(vec4<u32>(c0 / 4u, row, 0u, step.epoch), key);
      }
    }
    for (var j = 0u; j < RN; j++) {
      let col = c0 + j;
      if (col >= cols) {
        break;
      }
      if (UP) {
        activation[row * job.hidden + col] = acc[r][j] + hiddenBias[col];
      } else if (GAUSSIAN) {
        let noise = deviationOf(base[col]) * normalOf(draws[j / 2u], col);
        visible[row * job.visible + col] = visibleBias[col] + step.beta * acc[r][j] + noise;
      } else {
        let z = (1.0 - step.beta) * base[col] + step.beta * (acc[r][j] + visibleBias[col]);
        visible[row * job.visible + col] = select(0.0, 1.0, sigmoid(z) > toUniform(draws[0][j]));
      }
    }
  }
}

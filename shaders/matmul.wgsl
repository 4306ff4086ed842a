// One layer's input: out = f(A·B + bias), where B is W (visible → hidden) or Wᵀ
// (hidden → visible), and f is fused into the epilogue: the units' means, their samples drawn
// from the Philox stream by element address, the raw activation, or the batch's loss summed per
// workgroup (the KL's log-likelihood, or with Gaussian visible units the squared error of the
// means). What the output units are is a unit snippet appended to the module (shaders/layers/,
// one file per type): unitMean(z, unit), unitSample(z, mean, unit, u) and unitSecondMoment(z,
// mean, unit), with UNIT_DRAWS uniforms a unit (the host takes it from the layer's drawWidth).
// The sample epilogue writes, as Call.flags says, the samples, the statistic (the sample or the
// mean, as Rule.bySamples says) and the statistic's second moment (its square, or E[h² | z]) two
// blocks of rows after the statistic: the hidden stack [h0; h_k; m₂(h0); m₂(h_k)] that γ's step
// reads (gamma-step.wgsl).
// TEMPERED runs parallel tempering's chains, M to a batch row: the sample epilogue draws at the
// row's inverse temperature, from β_{row mod M}·z, and its statistic is the raw activation z,
// which the chains' energies need. LABELLED adds a label layer's rows U_y (one per batch row, in
// aux) to the hidden input: c + v·W + U_y. CLAMPED is inpainting's clamp fused into the sample and
// probability epilogues: the units a row knows keep their values. DIRECT reads A and B without
// tiles in workgroup memory (tile.wgsl, accumulateDirect).

override TRANSPOSE_B: bool = false;
override EPILOGUE: u32 = EPILOGUE_PROBABILITY;
override TEMPERED: bool = false;
override LABELLED: bool = false;
override DIRECT: bool = false;
override CLAMPED: bool = false;
// Uniforms per unit, at most 2 (Box–Muller's pair): a thread's RN = 4 columns take RN·UNIT_DRAWS
// consecutive uniforms of the row, one Philox block per four, unit j from j·UNIT_DRAWS on (as
// normalDraws lays a row of 2H uniforms out).
override UNIT_DRAWS: u32 = 1u;

// The host prepends its bindings (the `matmul` program in src/backend/webgpu/programs.ts) and the
// structs they name (uniforms.ts). sigmoid and softplus are in logistic.wgsl; the unit snippets
// may use its log1pSmall and gaussian.wgsl's boxMuller.

var<workgroup> partialSums: array<f32, WG_X * WG_Y>;

fn rows() -> u32 {
  if (TEMPERED) {
    return step.rows * call.temperatures;
  }
  return step.rows;
}

fn loadA(m: u32, k: u32) -> f32 {
  if (m >= rows()) {
    return 0.0;
  }
  return a[(call.aBlock * rows() + m) * call.k + k];
}

fn loadB(k: u32, n: u32) -> f32 {
  if (n >= call.n) {
    return 0.0;
  }
  if (TRANSPOSE_B) {
    return b[n * call.k + k];
  }
  return b[k * call.n + n];
}

// An output of the clamped variant: a unit its row knows (flag 1) takes its value.
fn clamped(row: u32, col: u32, x: f32) -> f32 {
  let at = row * call.n + col;
  if (CLAMPED && aux[at] == 1.0) {
    return aux[step.rows * call.n + at];
  }
  return x;
}

// The uniforms of column j of a thread's RN from its row's Philox blocks (.y repeats .x for one-uniform units).
fn unitUniforms(words: ptr<function, array<vec4<u32>, 2>>, j: u32) -> vec2<f32> {
  let first = j * UNIT_DRAWS;
  let last = first + UNIT_DRAWS - 1u;
  return vec2<f32>(toUniform((*words)[first / 4u][first % 4u]), toUniform((*words)[last / 4u][last % 4u]));
}

// One element's share of the batch's loss: log P(x | z) = x·z − softplus(z), or (x − z)².
fn lossTerm(x: f32, z: f32) -> f32 {
  if (EPILOGUE == EPILOGUE_SQUARED_ERROR) {
    return (x - z) * (x - z);
  }
  return x * z - softplus(z);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let r0 = wg.y * TILE_M + lid.y * RM;
  let c0 = wg.x * TILE_N + lid.x * RN;
  var acc: array<vec4<f32>, RM>;
  if (DIRECT) {
    acc = accumulateDirect(r0, c0, 0u, call.k);
  } else {
    acc = accumulateTile(wg.y * TILE_M, wg.x * TILE_N, 0u, call.k, lid.x, lid.y, li);
  }

  if (EPILOGUE == EPILOGUE_KL || EPILOGUE == EPILOGUE_SQUARED_ERROR) {
    var sum = 0.0;
    for (var r = 0u; r < RM; r++) {
      for (var j = 0u; j < RN; j++) {
        let row = r0 + r;
        let col = c0 + j;
        if (row < step.rows && col < call.n) {
          let z = acc[r][j] + bias[col];
          sum += lossTerm(aux[row * call.n + col], z);
        }
      }
    }
    partialSums[li] = sum;
    workgroupBarrier();
    for (var half = WG_X * WG_Y / 2u; half > 0u; half /= 2u) {
      if (li < half) {
        partialSums[li] += partialSums[li + half];
      }
      workgroupBarrier();
    }
    if (li == 0u) {
      lossPartials[wg.y * groups.x + wg.x] = partialSums[0];
    }
    return;
  }

  let outBase = call.outBlock * rows() * call.n;
  // A sample is drawn only where it is written or is the statistic.
  let drawn = EPILOGUE == EPILOGUE_SAMPLE && ((call.flags & WRITE_SAMPLES) != 0u || rule.bySamples != 0u || TEMPERED);
  let bySamples = rule.bySamples != 0u;
  for (var r = 0u; r < RM; r++) {
    let row = r0 + r;
    if (row >= rows()) {
      break;
    }
    var words: array<vec4<u32>, 2>;
    if (drawn) {
      for (var d = 0u; d < UNIT_DRAWS; d++) {
        words[d] = philox(vec4<u32>(c0 / 4u * UNIT_DRAWS + d, step.rowOffset + row, step.drawBatch, step.drawEpoch), vec2<u32>(rule.seed, call.phase));
      }
    }
    for (var j = 0u; j < RN; j++) {
      let col = c0 + j;
      if (col >= call.n) {
        break;
      }
      var z = acc[r][j] + bias[col];
      if (LABELLED) {
        z += aux[row * call.n + col];
      }
      let at = outBase + row * call.n + col;
      if (EPILOGUE == EPILOGUE_ACTIVATION) {
        stat[at] = z;
      } else if (EPILOGUE == EPILOGUE_PROBABILITY) {
        stat[at] = clamped(row, col, unitMean(z, col));
      } else if (TEMPERED) {
        let tempered = aux[row % call.temperatures] * z;
        let s = unitSample(tempered, unitMean(tempered, col), col, unitUniforms(&words, j));
        if ((call.flags & WRITE_SAMPLES) != 0u) {
          samples[row * call.n + col] = s;
        }
        if ((call.flags & WRITE_STAT) != 0u) {
          stat[at] = z;
        }
      } else {
        let mean = unitMean(z, col);
        var s = mean;
        if (drawn) {
          s = clamped(row, col, unitSample(z, mean, col, unitUniforms(&words, j)));
        }
        if ((call.flags & WRITE_SAMPLES) != 0u) {
          samples[row * call.n + col] = s;
        }
        if ((call.flags & WRITE_STAT) != 0u) {
          stat[at] = select(mean, s, bySamples);
        }
        if ((call.flags & WRITE_MOMENT) != 0u) {
          let second = at + 2u * rows() * call.n;
          if (bySamples) {
            stat[second] = s * s;
          } else {
            stat[second] = unitSecondMoment(z, mean, col);
          }
        }
      }
    }
  }
}

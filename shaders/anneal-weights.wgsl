// Step k of AIS for every chain, one workgroup per chain (run): adds the weight increment
// log f_β(v) − log f_β'(v) = (β − β')·(b − bA)·v + Σ_j [softplus(β·a_j) − softplus(β'·a_j)]
// (a = c + v·W from anneal-product.wgsl, β' the step before) to the chain's log weight, then
// draws h ~ σ(β·a) at (seed, aisHidden, epoch k, batch 0, row = run). GAUSSIAN: the visible
// units' term is not annealed, so the increment is the softplus differences alone.
//
// The log weights add up in 64-bit fixed point, LOG_WEIGHT_UNITS to the nat: integer adds are
// exact and no compiler may reorder them, where a float32 total would lose an ulp of itself per
// step and a compensated (Kahan) sum may be reassociated away (SPIR-V without NoContraction).
// The only rounding left is the float32 increment itself and its quantisation to 2⁻³² nats.

// The host prepends its bindings (the `annealWeights` program in src/backend/webgpu/programs.ts)
// and the structs they name (uniforms.ts).

override WG_SIZE: u32 = 64u;
override GAUSSIAN: bool = false;
var<workgroup> sums: array<f32, WG_SIZE>;

// By the bits (compilers may assume floats are finite): a biased exponent below 127 + 31.
fn fitsFixedPoint(x: f32) -> bool {
  return ((bitcast<u32>(x) >> 23u) & 0xffu) < 158u;
}

// x in fixed point, rounded to the nearest unit: |x| − ⌊|x|⌋ keeps bits of |x| (exact), and
// scaling by 2³² only moves them.
fn fixedPoint(x: f32) -> vec2<u32> {
  let magnitude = abs(x);
  let whole = floor(magnitude);
  let value = vec2<u32>(u32(round((magnitude - whole) * LOG_WEIGHT_UNITS)), u32(whole));
  if (x >= 0.0) {
    return value;
  }
  let low = ~value.x + 1u;
  return vec2<u32>(low, ~value.y + select(0u, 1u, low == 0u));
}

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let low = a.x + b.x;
  return vec2<u32>(low, a.y + b.y + select(0u, 1u, low < a.x));
}

@compute @workgroup_size(WG_SIZE)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) li: u32,
) {
  let run = wg.y * groups.x + wg.x;
  if (run >= job.runs) {
    return;
  }
  var visibleTerm = 0.0;
  for (var i = li; i < job.visible && !GAUSSIAN; i += WG_SIZE) {
    visibleTerm += visible[run * job.visible + i] * (visibleBias[i] - baseBias[i]);
  }
  var s = step.delta * visibleTerm;
  // Four hidden units share one Philox call: unit j is word j % 4.
  for (var q = li; q * 4u < job.hidden; q += WG_SIZE) {
    let draws = philox(vec4<u32>(q, run, 0u, step.epoch), vec2<u32>(job.seed, PHASE_AIS_HIDDEN));
    for (var w = 0u; w < 4u; w++) {
      let j = q * 4u + w;
      if (j >= job.hidden) {
        break;
      }
      let a = activation[run * job.hidden + j];
      s += softplusStep(step.previous * a, step.delta * a);
      hidden[run * job.hidden + j] = select(0.0, 1.0, sigmoid(step.beta * a) > toUniform(draws[w]));
    }
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
    let at = run * LOG_WEIGHT_WORDS;
    let increment = sums[0];
    if (fitsFixedPoint(increment)) {
      let total = add64(vec2<u32>(logWeights[at], logWeights[at + 1u]), fixedPoint(increment));
      logWeights[at] = total.x;
      logWeights[at + 1u] = total.y;
    } else {
      logWeights[at + 2u] = 1u;
    }
  }
}

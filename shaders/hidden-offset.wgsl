// Centring's hidden offsets follow the positive phase: λ ← (1 − ν)·λ + ν·mean_rows(S0), with
// S0 the upper half of the hidden stack. Runs after centred-biases.wgsl, which reads the old λ.
// Moving λ only re-parametrises the centred biases: the plain W, b and c the model keeps stay.

// The host prepends its bindings (the `hiddenOffset` program in src/backend/webgpu/programs.ts) and
// the structs they name (uniforms.ts).

override WG_SIZE: u32 = 64u;

@compute @workgroup_size(WG_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  let h = shape.h;
  if (j >= h) {
    return;
  }
  var sum = 0.0;
  for (var r = 0u; r < step.rows; r++) {
    sum += hiddenStack[r * h + j];
  }
  let rate = centring.offsetRate;
  let at = shape.lambda + j;
  let value = (1.0 - rate) * params[at] + rate * (sum / f32(step.rows));
  params[at] = value;
  if (!isFiniteF32(value)) {
    atomicMin(&health, step.index);
  }
}

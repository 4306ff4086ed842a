// Centring's hidden offsets follow the positive phase: λ ← (1 − ν)·λ + ν·mean_rows(S0), with
// S0 the upper half of the hidden stack. Runs after centred-biases.wgsl, which reads the old λ.
// Moving λ only re-parametrises the centred biases: the plain W, b and c the model keeps stay.

// Layout, Centring and Step are declared in src/backend/webgpu/uniforms.ts and prepended by the host.

@group(0) @binding(0) var<storage, read> hiddenStack: array<f32>;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> health: atomic<u32>;
@group(0) @binding(3) var<uniform> shape: Layout;
@group(0) @binding(4) var<uniform> centring: Centring;
@group(1) @binding(0) var<uniform> step: Step;

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

// Parallel tempering's negative statistics: the β = 1 chain of each batch row (chain r·M) gives
// the lower halves of the stacked batch, its visible sample and its hidden sample ('samples') or
// σ(c + v·W) ('probabilities'), where the gradient and update kernels read v_k and h_k.

// Tempering, Rule and Step are declared in src/backend/webgpu/uniforms.ts and prepended by the host.

@group(0) @binding(0) var<storage, read> visible: array<f32>;
@group(0) @binding(1) var<storage, read> hidden: array<f32>;
@group(0) @binding(2) var<storage, read> activation: array<f32>;
@group(0) @binding(3) var<storage, read_write> visibleStack: array<f32>;
@group(0) @binding(4) var<storage, read_write> hiddenStack: array<f32>;
@group(0) @binding(5) var<uniform> shape: Tempering;
@group(0) @binding(6) var<uniform> rule: Rule;
@group(1) @binding(0) var<uniform> step: Step;

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let col = id.x;
  let row = id.y;
  if (row >= step.rows) {
    return;
  }
  let chain = row * shape.temperatures;
  if (col < shape.visible) {
    visibleStack[(step.rows + row) * shape.visible + col] = visible[chain * shape.visible + col];
  }
  if (col < shape.hidden) {
    let at = chain * shape.hidden + col;
    hiddenStack[(step.rows + row) * shape.hidden + col] = select(sigmoid(activation[at]), hidden[at], rule.bySamples != 0u);
  }
}

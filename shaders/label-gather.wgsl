// A label layer's batch: each row's class y = labels[order[start + row]] into the first half of
// batchLabels, and its row U_y into labelRows (what the h0 product adds to the hidden input).

// LabelCall and Step are declared in src/backend/webgpu/uniforms.ts and prepended by the host.

@group(0) @binding(0) var<storage, read> labels: array<u32>;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> batchLabels: array<u32>;
@group(0) @binding(4) var<storage, read_write> labelRows: array<f32>;
@group(0) @binding(5) var<uniform> call: LabelCall;
@group(1) @binding(0) var<uniform> step: Step;

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let j = id.x;
  let row = id.y;
  if (row >= step.rows || j >= call.hidden) {
    return;
  }
  let y = labels[order[step.start + row]];
  if (j == 0u) {
    batchLabels[row] = y;
  }
  labelRows[row * call.hidden + j] = params[call.labelWeights + y * call.hidden + j];
}

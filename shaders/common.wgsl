// Uniforms shared by the kernels of one training step.

// Per batch (bound with a dynamic offset), or per inference call.
struct Step {
  rows: u32,       // B, the rows in this batch
  start: u32,      // its first entry in the epoch's order
  drawBatch: u32,  // random-stream address: counter = (col / 4, rowOffset + row, drawBatch, drawEpoch)
  drawEpoch: u32,
  index: u32,      // where this batch's KL goes in the epoch's array
  rowOffset: u32,
}

// Per epoch: the training rule.
struct Rule {
  seed: u32,
  bySamples: u32,     // 1: sampled states in the statistics; 0: probabilities
  meanGradient: u32,  // 1: divide the weight gradient by B
  momentum: f32,
  stepSize: f32,      // (1 − momentum) · learning rate
  decayStep: f32,     // stepSize · weight decay λ
}

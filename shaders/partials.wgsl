// The weight gradient's split-K partials (gradient.wgsl), summed: element (m, n) of the
// (V + 1) × (H + 1) product. The including program binds `partials` and `shape` (a Layout).

fn summed(m: u32, n: u32) -> f32 {
  let size = (shape.v + 1u) * (shape.h + 1u);
  var g = 0.0;
  for (var s = 0u; s < shape.slices; s++) {
    g += partials[s * size + m * (shape.h + 1u) + n];
  }
  return g;
}

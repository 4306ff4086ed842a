// By the bits: compilers may assume that float comparisons never see NaN or infinity.
fn isFiniteF32(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

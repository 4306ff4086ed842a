// Philox4x32-10, the generator of src/rng/philox.ts; its constants come from the TypeScript
// prelude. WGSL has no 64-bit integers, so the 32×32 → 64-bit product is built from 16-bit halves.

fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  let hi = ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, a * b);
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0u; round < PHILOX_ROUNDS; round++) {
    if (round > 0u) {
      k += vec2<u32>(PHILOX_W0, PHILOX_W1);
    }
    let p0 = mulhilo(PHILOX_M0, c.x);
    let p1 = mulhilo(PHILOX_M1, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
  }
  return c;
}

// The top 24 bits as a float in [0, 1), exactly as toUniform in TypeScript.
fn toUniform(word: u32) -> f32 {
  return f32(word >> 8u) * UNIFORM_SCALE;
}

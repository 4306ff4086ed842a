// The tiled, register-blocked product shared by matmul.wgsl and gradient.wgsl. The including
// kernel defines loadA(m, k) and loadB(k, n), which return 0 outside their matrices. Each
// workgroup stages TILE_M × TILE_K of A and TILE_K × TILE_N of B in workgroup memory; each
// thread accumulates an RM × RN block (RN = 4, one vec4 per row) at (ly·RM, lx·RN) in the tile.

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
// Which order the cooperative loads walk, so that neighbouring threads read neighbouring words.
override A_CONTIGUOUS_IN_M: bool = false;
override B_CONTIGUOUS_IN_K: bool = false;
override TILE_M: u32 = WG_Y * RM;
override TILE_N: u32 = WG_X * RN;

var<workgroup> tileA: array<f32, TILE_M * TILE_K>;
var<workgroup> tileB: array<f32, TILE_K * TILE_N>;

fn accumulateTile(row0: u32, col0: u32, kBegin: u32, kEnd: u32, lx: u32, ly: u32, li: u32) -> array<vec4<f32>, RM> {
  var acc: array<vec4<f32>, RM>;
  let threads = WG_X * WG_Y;
  for (var k0 = kBegin; k0 < kEnd; k0 += TILE_K) {
    for (var i = li; i < TILE_M * TILE_K; i += threads) {
      var m = i / TILE_K;
      var k = i % TILE_K;
      if (A_CONTIGUOUS_IN_M) {
        m = i % TILE_M;
        k = i / TILE_M;
      }
      var v = 0.0;
      if (k0 + k < kEnd) {
        v = loadA(row0 + m, k0 + k);
      }
      tileA[m * TILE_K + k] = v;
    }
    for (var i = li; i < TILE_K * TILE_N; i += threads) {
      var k = i / TILE_N;
      var n = i % TILE_N;
      if (B_CONTIGUOUS_IN_K) {
        k = i % TILE_K;
        n = i / TILE_K;
      }
      var v = 0.0;
      if (k0 + k < kEnd) {
        v = loadB(k0 + k, col0 + n);
      }
      tileB[k * TILE_N + n] = v;
    }
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let at = k * TILE_N + lx * RN;
      let b = vec4<f32>(tileB[at], tileB[at + 1u], tileB[at + 2u], tileB[at + 3u]);
      for (var r = 0u; r < RM; r++) {
        acc[r] = fma(vec4<f32>(tileA[(ly * RM + r) * TILE_K + k]), b, acc[r]);
      }
    }
    workgroupBarrier();
  }
  return acc;
}

// The same sums read straight from A and B, without workgroup memory or barriers: each output
// takes its products in the same order as accumulateTile, so the two agree bit for bit.
fn accumulateDirect(row0: u32, col0: u32, kBegin: u32, kEnd: u32) -> array<vec4<f32>, RM> {
  var acc: array<vec4<f32>, RM>;
  for (var k = kBegin; k < kEnd; k++) {
    let b = vec4<f32>(loadB(k, col0), loadB(k, col0 + 1u), loadB(k, col0 + 2u), loadB(k, col0 + 3u));
    for (var r = 0u; r < RM; r++) {
      acc[r] = fma(vec4<f32>(loadA(row0 + r, k)), b, acc[r]);
    }
  }
  return acc;
}

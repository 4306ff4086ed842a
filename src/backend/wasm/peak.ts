import wasmBytes from './rbm.wasm';

/**
 * Measures one core's WebAssembly SIMD throughput (GFLOP/s) with the kernels' own peak loop:
 * eight independent f32x4 multiply–add chains.
 */
export async function measureSimdPeak(iterations = 100_000_000): Promise<number> {
  const memory = new WebAssembly.Memory({ initial: 4, maximum: 65536, shared: true });
  const { instance } = await WebAssembly.instantiate(wasmBytes, { env: { memory } });
  const peak = instance.exports.peak as (n: number) => number;
  peak(1_000_000);
  const started = performance.now();
  peak(iterations);
  const seconds = (performance.now() - started) / 1000;
  return (iterations * 8 * 4 * 2) / seconds / 1e9;
}

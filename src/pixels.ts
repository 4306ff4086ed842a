/**
 * Rows of 8-bit values standing for value / 255 (pixels, as in MNIST's files), which fit keeps
 * 8-bit on the host and on the GPU, a quarter of the memory of float32 rows. The loaders give
 * them as `pixels` beside their float32 `images`.
 */
export interface PixelMatrix {
  readonly pixels: Uint8Array;
  readonly rows: number;
  readonly cols: number;
}

/** Each byte's value: k / 255 as float32, exactly as idxToMatrix scales bytes. */
export const PIXEL_VALUES = Float32Array.from({ length: 256 }, (_, k) => k * (1 / 255));

export function isPixelMatrix(x: unknown): x is PixelMatrix {
  return x !== null && typeof x === 'object' && 'pixels' in x;
}

/** Row `source` of `p` as float32 values, written into `into` from `at`. */
export function pixelRow(p: PixelMatrix, source: number, into: Float32Array, at: number): void {
  const from = source * p.cols;
  for (let i = 0; i < p.cols; i++) into[at + i] = PIXEL_VALUES[p.pixels[from + i]];
}

import { PNG } from 'pngjs';
import { InvalidArgumentError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

/** A grayscale picture, one byte per pixel, row-major. */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** How a tile's values become gray levels. */
export type Shading =
  /** Values already in [0, 1] (pixels, probabilities): 0 black, 1 white. */
  | 'unit'
  /** Weights: each tile scaled so its largest |value| is black or white and 0 is mid-gray. */
  | 'signed';

export interface GridOptions {
  readonly columns: number;
  /** Each pixel becomes scale × scale pixels, so that a 28 × 28 digit can be seen. */
  readonly scale?: number;
  /** Gap between tiles, in (scaled) pixels. */
  readonly gap?: number;
  readonly shading?: Shading;
}

/** The side of a square image with `pixels` pixels, or an error naming `argument`. */
export function squareSide(pixels: number, argument: string): number {
  const side = Math.round(Math.sqrt(pixels));
  if (side * side !== pixels) {
    throw new InvalidArgumentError(argument, `${pixels} values are not a square image; give its shape as --shape WxH`);
  }
  return side;
}

/** Lays tiles (each tileWidth × tileHeight values) out in a grid, scaled up, on a gray background. */
export function grid(tiles: readonly Float32Array[], tileWidth: number, tileHeight: number, o: GridOptions): GrayImage {
  const scale = o.scale ?? 4;
  const gap = o.gap ?? scale;
  const columns = Math.max(1, Math.min(o.columns, tiles.length));
  const rows = Math.ceil(tiles.length / columns);
  const width = columns * tileWidth * scale + (columns + 1) * gap;
  const height = rows * tileHeight * scale + (rows + 1) * gap;
  const pixels = new Uint8Array(width * height).fill(128);
  tiles.forEach((tile, t) => {
    const gray = shade(tile, o.shading ?? 'unit');
    const left = gap + (t % columns) * (tileWidth * scale + gap);
    const top = gap + Math.floor(t / columns) * (tileHeight * scale + gap);
    for (let y = 0; y < tileHeight * scale; y++) {
      for (let x = 0; x < tileWidth * scale; x++) {
        pixels[(top + y) * width + left + x] = gray[Math.floor(y / scale) * tileWidth + Math.floor(x / scale)];
      }
    }
  });
  return { width, height, pixels };
}

function shade(values: Float32Array, shading: Shading): Uint8Array {
  const out = new Uint8Array(values.length);
  let range = 1;
  if (shading === 'signed') range = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  values.forEach((v, i) => {
    const unit = shading === 'signed' ? 0.5 + v / (2 * range) : v;
    out[i] = Math.round(255 * Math.min(1, Math.max(0, unit)));
  });
  return out;
}

/** Encodes a grayscale PNG (with pngjs). */
export function encodePng(image: GrayImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  image.pixels.forEach((g, i) => {
    png.data[4 * i] = g;
    png.data[4 * i + 1] = g;
    png.data[4 * i + 2] = g;
    png.data[4 * i + 3] = 255;
  });
  return new Uint8Array(PNG.sync.write(png, { colorType: 0 }));
}

/** Writes a PNG atomically. */
export async function writePng(path: string, image: GrayImage): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}

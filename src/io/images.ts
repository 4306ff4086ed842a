import { constants } from 'node:buffer';
import { PNG } from 'pngjs';
import { InvalidArgumentError } from '../errors.js';
import { checkMemory } from '../memory.js';
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

/** The size in pixels of the picture `grid` draws from `tiles` tiles, and its layout. */
export function gridSize(tiles: number, tileWidth: number, tileHeight: number, o: GridOptions) {
  const scale = o.scale ?? 4;
  const gap = o.gap ?? scale;
  const columns = Math.max(1, Math.min(o.columns, tiles));
  const rows = Math.ceil(tiles / columns);
  const width = columns * tileWidth * scale + (columns + 1) * gap;
  const height = rows * tileHeight * scale + (rows + 1) * gap;
  return { width, height, columns, scale, gap };
}

/**
 * Host bytes per pixel at the peak of drawing and writing a picture: the gray pixels, pngjs's
 * RGBA bitmap, its gray scanlines before and after filtering, the deflated stream and its copy
 * (measured: about 10).
 */
const PICTURE_BYTES_PER_PIXEL = 10;
/** pngjs holds the picture as one RGBA Buffer, so it can encode at most this many pixels. */
const MAX_PNG_PIXELS = Math.floor(constants.MAX_LENGTH / 4);

/** The host memory that drawing and encoding a width × height picture needs, estimated before anything is allocated. */
export function pictureBytes(width: number, height: number): number {
  return width * height * PICTURE_BYTES_PER_PIXEL;
}

/** Memory a caller holds beside a picture, and what it is ("16 chains"), for checkPicture's message. */
export interface OtherMemory {
  readonly what: string;
  readonly bytes: number;
}

/**
 * Refuses, before anything is allocated, a grid picture (as `grid` would draw `tiles` tiles)
 * that would need more than `limit` bytes, with `besides` held beside it, or that is larger
 * than a PNG can be written: an InvalidArgumentError naming `argument`.
 */
export function checkPicture(argument: string, tiles: number, tileWidth: number, tileHeight: number, o: GridOptions, limit: number, besides?: OtherMemory): void {
  const { width, height } = gridSize(tiles, tileWidth, tileHeight, o);
  const picture = `a ${width} × ${height}-pixel picture`;
  checkMemory(argument, besides ? `${besides.what} and ${picture}` : picture, pictureBytes(width, height) + (besides?.bytes ?? 0), limit);
  if (!(width * height <= MAX_PNG_PIXELS)) throw new InvalidArgumentError(argument, `${picture} is larger than a PNG can be written (${MAX_PNG_PIXELS} pixels)`);
}

/** Lays tiles (each tileWidth × tileHeight values) out in a grid, scaled up, on a gray background. */
export function grid(tiles: readonly Float32Array[], tileWidth: number, tileHeight: number, o: GridOptions): GrayImage {
  const { width, height, columns, scale, gap } = gridSize(tiles.length, tileWidth, tileHeight, o);
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

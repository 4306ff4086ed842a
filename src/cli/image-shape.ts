import { squareSide } from '../io/images.js';
import { UsageError } from './cli.js';

/** The tile shape of a model's visible layer: --shape WxH, or a square. */
export function imageShape(visible: number, shape: string | undefined): [width: number, height: number] {
  if (shape === undefined) {
    const side = squareSide(visible, 'shape');
    return [side, side];
  }
  const match = /^(\d+)x(\d+)$/.exec(shape);
  if (!match || Number(match[1]) * Number(match[2]) !== visible) {
    throw new UsageError(`--shape expects WxH with W·H = ${visible} visible units, got '${shape}'`);
  }
  return [Number(match[1]), Number(match[2])];
}

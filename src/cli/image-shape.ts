import { squareSide } from '../io/images.js';
import { quote, UsageError } from './cli.js';

/** --shape's WxH, checked before anything is loaded; undefined when it is not given. */
export function parseShape(shape: string | undefined): [width: number, height: number] | undefined {
  if (shape === undefined) return undefined;
  const match = /^([1-9]\d{0,8})x([1-9]\d{0,8})$/.exec(shape);
  if (!match) throw new UsageError(`--shape expects WxH, two positive integers such as 28x28, got ${quote(shape)}`);
  return [Number(match[1]), Number(match[2])];
}

/** The tile shape of a model's visible layer: --shape WxH, or a square. */
export function imageShape(visible: number, shape: string | undefined): [width: number, height: number] {
  const given = parseShape(shape);
  if (given === undefined) {
    const side = squareSide(visible, '--shape');
    return [side, side];
  }
  if (given[0] * given[1] !== visible) {
    throw new UsageError(`--shape expects WxH with W·H = ${visible} visible units, got ${quote(shape!)}`);
  }
  return given;
}

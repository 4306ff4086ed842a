import type { Matrix } from '../matrix.js';
import type { PixelMatrix } from '../pixels.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readFileBytes } from './files.js';
import { checkNpyHead, decodeNpy, encodeNpy, type NpyArray } from './npy.js';

/**
 * Reads a NumPy .npy file (parseNpy's formats and dtypes). Its header is checked against the
 * file's size, and the memory its values need against the platform's limit, before it is read.
 */
export async function readNpyFile(path: string): Promise<NpyArray> {
  const bytes = await readFileBytes(path, (head, size) => checkNpyHead(head, size, path, {}));
  return decodeNpy(bytes, path);
}

/** Writes `value` as a .npy file (encodeNpy), atomically: a crash leaves the old file or the new one. */
export async function writeNpyFile(path: string, value: Matrix | PixelMatrix | NpyArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(value));
}

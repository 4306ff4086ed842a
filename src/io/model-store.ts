import { readFileBytes } from '../data/files.js';
import type { ModelState } from '../state.js';
import { writeFileAtomic } from './atomic-write.js';
import { decodeModel, encodeModel } from './model-file.js';

/** Node only: model files on disk, written atomically. */
export async function writeModelFile(path: string, state: ModelState): Promise<void> {
  await writeFileAtomic(path, encodeModel(state));
}

export async function readModelFile(path: string): Promise<ModelState> {
  return decodeModel(await readFileBytes(path), path);
}

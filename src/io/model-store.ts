import { readFileBytes } from '../data/files.js';
import type { ModelState } from '../state.js';
import { writeFileAtomic } from './atomic-write.js';
import { decodeModel, decodeStack, encodeModel, encodeStack } from './model-file.js';

/** Node only: model files on disk, written atomically. */
export async function writeModelFile(path: string, state: ModelState): Promise<void> {
  await writeFileAtomic(path, encodeModel(state));
}

export async function readModelFile(path: string): Promise<ModelState> {
  return decodeModel(await readFileBytes(path), path);
}

/** Node only: a stack of models (a deep belief network's layers) in one file, written atomically. */
export async function writeStackFile(path: string, states: readonly ModelState[]): Promise<void> {
  await writeFileAtomic(path, encodeStack(states));
}

export async function readStackFile(path: string): Promise<ModelState[]> {
  return decodeStack(await readFileBytes(path), path);
}

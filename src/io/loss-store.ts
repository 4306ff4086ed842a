import type { History } from '../state.js';
import { writeFileAtomic } from './atomic-write.js';
import { formatLossFile } from './loss-file.js';

/** Node only: writes loss.dat atomically; a bad history is refused (InvalidArgumentError) before anything is written. */
export async function writeLossFile(path: string, history: History, loss?: string): Promise<void> {
  await writeFileAtomic(path, formatLossFile(history, loss));
}

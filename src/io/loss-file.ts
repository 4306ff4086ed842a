import type { History } from '../state.js';
import { writeFileAtomic } from './atomic-write.js';

/** simple_rbm's loss.dat: a header line, then "epoch value" per line. */
export function formatLossFile(history: History): string {
  const lines = ['# epoch KL_divergence'];
  history.epoch.forEach((e, i) => lines.push(`${e} ${history.klDivergence[i]}`));
  return lines.join('\n') + '\n';
}

export async function writeLossFile(path: string, history: History): Promise<void> {
  await writeFileAtomic(path, formatLossFile(history));
}

import { DataFormatError } from '../errors.js';
import type { History } from '../state.js';

/** simple_rbm's loss.dat: a header line, then "epoch value" per line. */
export function formatLossFile(history: History): string {
  const lines = ['# epoch KL_divergence'];
  history.epoch.forEach((e, i) => lines.push(`${e} ${history.klDivergence[i]}`));
  return lines.join('\n') + '\n';
}


/** Reads a loss.dat back: "# comments", then "epoch value" lines. */
export function parseLossFile(text: string, source = 'loss.dat'): History {
  const history: History = { epoch: [], klDivergence: [] };
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [e, v, extra] = trimmed.split(/\s+/);
    const epoch = Number(e);
    const value = Number(v);
    if (extra !== undefined || !Number.isInteger(epoch) || !Number.isFinite(value)) {
      throw new DataFormatError(source, `line ${i + 1} is not "epoch value": '${trimmed}'`);
    }
    history.epoch.push(epoch);
    history.klDivergence.push(value);
  });
  if (history.epoch.length === 0) throw new DataFormatError(source, 'holds no "epoch value" lines');
  return history;
}

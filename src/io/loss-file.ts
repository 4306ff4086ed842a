import { DataFormatError, InvalidArgumentError } from '../errors.js';
import { DECIMAL } from '../data/text.js';
import type { History } from '../state.js';

/**
 * simple_rbm's loss.dat: a header line, then "epoch value" per line. Throws
 * InvalidArgumentError unless `history` holds equal-length arrays of positive integer epochs
 * and finite KL values. `loss` names the values in the header (the reconstruction MSE of a
 * model with Gaussian visible units).
 */
export function formatLossFile(history: History, loss = 'KL divergence'): string {
  checkLossHistory(history);
  const lines = [`# epoch ${loss.replace(/ /g, '_')}`];
  history.epoch.forEach((e, i) => lines.push(`${e} ${history.klDivergence[i]}`));
  return lines.join('\n') + '\n';
}

function checkLossHistory(history: unknown): asserts history is History {
  const fail = (argument: string, message: string): never => {
    throw new InvalidArgumentError(argument, message);
  };
  if (history === null || typeof history !== 'object') fail('history', 'expected { epoch, klDivergence }');
  const { epoch, klDivergence } = history as Record<string, unknown>;
  if (!Array.isArray(epoch)) fail('history.epoch', 'expected an array of epoch numbers');
  if (!Array.isArray(klDivergence)) fail('history.klDivergence', 'expected an array of numbers');
  const epochs = epoch as unknown[];
  const values = klDivergence as unknown[];
  if (epochs.length !== values.length) fail('history', `has ${epochs.length} epochs but ${values.length} KL values`);
  epochs.forEach((e, i) => {
    if (!Number.isSafeInteger(e) || (e as number) < 1) fail('history.epoch', `entry ${i} is ${String(e)}; expected a positive integer`);
  });
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) fail('history.klDivergence', `entry ${i} is ${String(v)}; expected a finite number`);
  });
}

/**
 * Reads a loss.dat back: "# comments", then "epoch value" lines (ending with \n, \r\n or \r),
 * epochs positive integers and values finite decimal numbers. Throws DataFormatError naming
 * the line.
 */
export function parseLossFile(text: string, source = 'loss.dat'): History {
  if (typeof text !== 'string') throw new InvalidArgumentError('text', `expected a string, got ${text === null ? 'null' : typeof text}`);
  const history: History = { epoch: [], klDivergence: [] };
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [e, v, extra] = trimmed.split(/\s+/);
    const epoch = /^\d+$/.test(e) ? Number(e) : NaN;
    const value = DECIMAL.test(v ?? '') ? Number(v) : NaN;
    if (extra !== undefined || !Number.isSafeInteger(epoch) || epoch < 1 || !Number.isFinite(value)) {
      const shown = trimmed.length > 64 ? `${trimmed.slice(0, 64)}…` : trimmed;
      throw new DataFormatError(source, `line ${i + 1} is not "epoch value" (a positive integer and a finite number): '${shown}'`);
    }
    history.epoch.push(epoch);
    history.klDivergence.push(value);
  });
  if (history.epoch.length === 0) throw new DataFormatError(source, 'holds no "epoch value" lines');
  return history;
}


import { InvalidArgumentError } from '../errors.js';
import { LogSumExp } from '../math.js';
import { yieldToEventLoop } from '../event-loop.js';
import type { Parameters } from './backend.js';
import { MAX_EXACT_UNITS } from './exact-partition.js';

/**
 * log Σ_k exp(a_k) over each group of `size` units of `a`, summed over the groups: the log
 * normaliser of independent softmax groups with logits a.
 */
export function groupLogNormaliser(a: ArrayLike<number>, size: number): number {
  let total = 0;
  for (let at = 0; at < a.length; at += size) {
    let top = -Infinity;
    for (let k = 0; k < size; k++) top = Math.max(top, a[at + k]);
    let sum = 0;
    for (let k = 0; k < size; k++) sum += Math.exp(a[at + k] - top);
    total += top + Math.log(sum);
  }
  return total;
}

/**
 * log Z of a model whose visible units form softmax groups of `size`, summing over every hidden
 * state with each group's categories summed out: log Z = log Σ_h exp(c·h + Σ_groups
 * log Σ_k exp(b_k + (W·h)_k)). Hidden states in Gray-code order; at most MAX_EXACT_UNITS hidden units.
 */
export async function exactSoftmaxLogPartition(p: Parameters, visible: number, hidden: number, size: number): Promise<number> {
  if (hidden > MAX_EXACT_UNITS) {
    throw new InvalidArgumentError('method', `'exact' sums over the 2^${hidden} hidden states of a softmax model; it is limited to ${MAX_EXACT_UNITS} hidden units (use method: 'ais')`);
  }
  const logits = Float64Array.from(p.visibleBias);
  const state = new Uint8Array(hidden);
  let linear = 0;
  const total = new LogSumExp();
  for (let s = 0; s < 2 ** hidden; s++) {
    if (s > 0) {
      const k = 31 - Math.clz32(s & -s);
      const sign = state[k] === 0 ? 1 : -1;
      state[k] ^= 1;
      linear += sign * p.hiddenBias[k];
      for (let i = 0; i < visible; i++) logits[i] += sign * p.weights[i * hidden + k];
    }
    total.add(linear + groupLogNormaliser(logits, size));
    if ((s & 0xffff) === 0xffff) await yieldToEventLoop();
  }
  return total.value;
}

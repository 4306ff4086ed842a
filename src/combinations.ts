import { InvalidArgumentError } from './errors.js';
import type { Statistics } from './layers/layer.js';
import type { HiddenType, VisibleType } from './layers/registry.js';

/**
 * Which options combine, in one table with one wording, read by the options' checks and by every
 * backend before it trains: each rule names an option and what it is not available with.
 */

/** What the rules read: a model's unit types and training options, as the options and a backend's rule both give them. */
export interface Combination {
  readonly visibleType: VisibleType;
  readonly hiddenType: HiddenType;
  /** A label layer's classes (0: none). */
  readonly labels: number;
  readonly centering: boolean;
  readonly parallelTempering: boolean;
  readonly persistent: boolean;
  readonly statistics: Statistics;
}

interface Rule {
  /** The option the error names. */
  readonly option: keyof Combination;
  /** Whether the combination uses the option. */
  readonly uses: (c: Combination) => boolean;
  /** What it is not available with, in words, where the combination has it; undefined where it has none. */
  readonly conflict: (c: Combination) => string | undefined;
}

const quoted = (type: unknown) => JSON.stringify(type).replace(/"/g, "'");

/** Other visible units than binary, in the rules' words. */
const nonBinaryVisible = (c: Combination) => (c.visibleType === 'binary' ? undefined : `visibleType: ${quoted(c.visibleType)}`);
const nonBinaryHidden = (c: Combination) => (c.hiddenType === 'binary' ? undefined : `hiddenType: ${quoted(c.hiddenType)}`);
const labelLayer = (c: Combination) => (c.labels > 0 ? 'a label layer' : undefined);
const first = (...conflicts: ((c: Combination) => string | undefined)[]) => (c: Combination) => conflicts.map((f) => f(c)).find((words) => words !== undefined);

export const RULES: readonly Rule[] = [
  { option: 'centering', uses: (c) => c.centering, conflict: first(nonBinaryVisible, nonBinaryHidden, labelLayer) },
  {
    option: 'parallelTempering',
    uses: (c) => c.parallelTempering,
    conflict: first((c) => (c.persistent ? undefined : 'persistent: false (it keeps persistent chains: set persistent: true as well)'), nonBinaryVisible, nonBinaryHidden, labelLayer),
  },
  { option: 'persistent', uses: (c) => c.persistent, conflict: labelLayer },
  { option: 'labels', uses: (c) => c.labels > 0, conflict: first(nonBinaryVisible, nonBinaryHidden) },
  {
    option: 'statistics',
    uses: (c) => c.statistics === 'mixed',
    conflict: first(nonBinaryVisible, labelLayer, (c) => (c.parallelTempering ? 'parallel tempering' : undefined)),
  },
];

/** The first rule the combination breaks, as [option, message], or undefined. */
export function combinationError(c: Combination): [option: string, message: string] | undefined {
  for (const rule of RULES) {
    if (!rule.uses(c)) continue;
    const conflict = rule.conflict(c);
    if (conflict === undefined) continue;
    return [rule.option, `${rule.option === 'statistics' ? "'mixed' " : ''}is not available with ${conflict}`];
  }
  return undefined;
}

/** Throws InvalidArgumentError naming the option of the first rule the combination breaks. */
export function checkCombination(c: Combination): void {
  const error = combinationError(c);
  if (error) throw new InvalidArgumentError(error[0], error[1]);
}

// The hidden units' code, chosen by their type (the hiddenType word, HIDDEN_* in constants.ts): a
// row's half step in training (the means, a sample from the row's uniforms, and the m₂ that γ
// learns from), and whether the type owns γ. Each type's code is a file in layers/; a new type is a
// file there, a case in hiddenRow, and its word in HiddenTypeWord (layout.ts).

import { HIDDEN_BINARY, HIDDEN_GAUSSIAN, HIDDEN_RELU } from '../constants';
import { hiddenType } from '../state';
import { binaryHiddenRow } from './binary';
import { gaussianHiddenRow } from './gaussian';
import { reluHiddenRow } from './relu';

/**
 * Batch row i's hidden half step, from its pre-activations z = c + v'·W in `row`, which become the
 * units' means. With `draw`, a sample drawn at (row i, batch, phase) into `sample`, and the
 * statistic (the sample under 'samples' statistics, else the mean) into `stat` unless it is 0
 * (it may be `row`). For the types that own γ, the statistic's m₂ into `moment` unless it is 0:
 * the sample's square under 'samples', else E[h² | z].
 */
export function hiddenRow(row: usize, draw: bool, i: i32, batch: i32, phase: u32, sample: usize, stat: usize, moment: usize): void {
  switch (hiddenType) {
    case HIDDEN_GAUSSIAN:
      gaussianHiddenRow(row, draw, i, batch, phase, sample, stat, moment);
      break;
    case HIDDEN_RELU:
      reluHiddenRow(row, draw, i, batch, phase, sample, stat, moment);
      break;
    default:
      binaryHiddenRow(row, draw, i, batch, phase, sample, stat);
  }
}

/** Whether the hidden units own γ (all but binary units): training then steps it (update.ts, updateHiddenGamma). */
export function ownsGamma(): bool {
  return hiddenType != HIDDEN_BINARY;
}

import { freeEnergies, type ModelView } from '../energies.js';
import type { CheckedFitOptions, EpochMetrics } from '../fit-options.js';
import { mean } from '../math.js';
import { firstRows, type Matrix } from '../matrix.js';
import { Phase, philoxUniforms } from '../rng/stream.js';
import { flipOneUnit, pseudoLikelihood, reconstructionError } from './metrics.js';

/**
 * The metrics FitOptions.metrics asks for, computed inside fit through the model's backend on the
 * first metricRows rows of the validation data (or of the training data without it). The
 * pseudo-likelihood flips the same units every epoch (from `seed`'s stream), so epochs compare.
 * `binary`: the visible units are binary (the cross-entropy and pseudo-likelihood need them).
 */
export async function epochMetrics(model: ModelView, seed: number, binary: boolean, o: CheckedFitOptions, data: Matrix, validation: Matrix | undefined): Promise<EpochMetrics> {
  const { backend } = model;
  const free = (m: Matrix) => freeEnergies(model, m);
  const x = firstRows(validation ?? data, o.metricRows);
  const out: EpochMetrics = {};
  if (o.metrics.includes('reconstructionError') || o.metrics.includes('crossEntropy')) {
    const error = reconstructionError(x, await backend.propagate(await backend.propagate(x, 'hidden'), 'visible'), binary);
    if (o.metrics.includes('reconstructionError')) out.reconstructionError = error.meanSquared;
    if (o.metrics.includes('crossEntropy')) out.crossEntropy = error.crossEntropy;
  }
  if (o.metrics.includes('pseudoLikelihood')) {
    const u = new Float32Array(x.rows);
    philoxUniforms({ seed, phase: Phase.pseudoLikelihood, epoch: 0, batch: 0 }, x.rows, 1, u);
    const flip = Array.from(u, (r) => Math.floor(r * x.cols));
    out.pseudoLikelihood = mean(pseudoLikelihood(x.cols, await free(x), await free(flipOneUnit(x, flip))));
  }
  if (o.metrics.includes('freeEnergyGap') && validation) {
    out.freeEnergyGap = mean(await free(firstRows(validation, o.metricRows))) - mean(await free(firstRows(data, o.metricRows)));
  }
  if (o.metrics.includes('logLikelihood')) {
    const logZ = await backend.logPartitionExact();
    out.logLikelihood = -mean(await free(x)) - logZ;
  }
  return out;
}

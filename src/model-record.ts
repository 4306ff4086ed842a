import { copyParameters, type Parameters, type TrainingRule } from './backend/backend.js';
import type { ResolvedOptions } from './options.js';
import type { DrawAddress, Phase } from './rng/stream.js';
import { RbmError } from './errors.js';
import { configOf, MAX_INFERENCE_DRAWS, type EpochProgress, type History, type ModelState, type RunInfo } from './state.js';

/**
 * A model as the host last saw it complete: its options, parameters, learning curve, any epoch
 * stopped part-way, and its position in the random stream. Updated after every completed
 * epoch, so a failed device loses nothing that finished; what getState() returns and save()
 * writes.
 */
export class ModelRecord {
  parameters: Parameters;
  history: History = { epoch: [], klDivergence: [] };
  progress: EpochProgress | undefined;
  run: RunInfo | undefined;
  /** Sampling calls made outside training. */
  inferenceDraws = 0;
  /** The visible means of the data of the first fit; undefined until then. */
  dataMean: Float32Array | undefined;

  constructor(
    public config: ResolvedOptions,
    parameters: Parameters,
  ) {
    this.parameters = parameters;
  }

  /** Epochs trained so far; also the next epoch's position in the random stream. */
  get epochsTrained(): number {
    return this.history.epoch.length;
  }

  /** A copy of everything needed to continue exactly. */
  state(): ModelState {
    const { parameters, history, progress, run } = this;
    return {
      config: configOf(this.config),
      parameters: copyParameters(parameters),
      history: { epoch: [...history.epoch], klDivergence: [...history.klDivergence] },
      inferenceDraws: this.inferenceDraws,
      progress: progress && { ...progress, klDivergence: [...progress.klDivergence] },
      run,
      ...(this.dataMean && { dataMean: this.dataMean.slice() }),
    };
  }

  /** Takes a checked state's values (copies of them). */
  apply(state: ModelState): void {
    this.config = { ...this.config, ...state.config };
    this.inferenceDraws = state.inferenceDraws;
    this.parameters = copyParameters(state.parameters);
    this.history = { epoch: [...state.history.epoch], klDivergence: [...state.history.klDivergence] };
    this.progress = state.progress && { ...state.progress, klDivergence: [...state.progress.klDivergence] };
    this.run = state.run;
    this.dataMean = state.dataMean?.slice();
  }

  /** The training rule for `epoch` (0-based), the momentum taken from the schedule if any. */
  rule(epoch: number): TrainingRule {
    const { learningRate, statistics, gradient, cdSteps, persistent, weightDecay, momentumSchedule, centering, parallelTempering, visibleType, learnVariance, labels, objective, generativeWeight } = this.config;
    let momentum = this.config.momentum;
    for (const step of momentumSchedule) if (step.epoch <= epoch + 1) momentum = step.momentum;
    return {
      learningRate, momentum, statistics, gradient, cdSteps, persistent, weightDecay,
      learnVariance: visibleType === 'gaussian' && learnVariance,
      ...(centering && { centring: centering }),
      ...(parallelTempering && { parallelTempering }),
      ...(labels > 0 && { labels: { objective, generativeWeight } }),
    };
  }

  /** The next address in the inference stream of `phase`. */
  nextDraw(phase: Phase): DrawAddress {
    if (this.inferenceDraws >= MAX_INFERENCE_DRAWS) {
      throw new RbmError('STREAM_EXHAUSTED', `this model has made all ${MAX_INFERENCE_DRAWS} sampling calls its random stream addresses; reseed it (a new seed in state.config)`);
    }
    return { seed: this.config.seed, phase, epoch: this.inferenceDraws++, batch: 0 };
  }
}

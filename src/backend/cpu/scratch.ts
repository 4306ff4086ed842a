import type { ModelLayers } from '../../layers/layer.js';
import { inverseTemperatures } from '../backend.js';

/** Working memory for steps on batches of up to `maxRows` rows of a model's layers, allocated once. */
export class StepScratch {
  /** The positive phase's hidden pre-activations c + v·W, means and samples. */
  readonly hiddenPre: Float32Array;
  readonly hiddenProb: Float32Array;
  readonly hidden: Float32Array;
  /** The visible half step's pre-activations, turned into means in place, and samples. */
  readonly visibleProb: Float32Array;
  readonly visible: Float32Array;
  /** The data and the model's visible states as the hidden units see them, where that differs. */
  readonly seenData: Float32Array;
  readonly seenModel: Float32Array;
  readonly hiddenAgainPre: Float32Array;
  readonly hiddenAgainProb: Float32Array;
  readonly hiddenAgain: Float32Array;
  readonly chain: Float32Array;
  readonly uniforms: Float32Array;
  readonly weightsTransposed: Float32Array;
  readonly weightGradient: Float64Array;
  readonly visibleGradient: Float64Array;
  readonly hiddenGradient: Float64Array;
  /** Parallel tempering's swaps accepted and tried since the counts were last reset. */
  readonly swaps = { accepted: 0, tried: 0 };
  private temperedChains: TemperedScratch | undefined;
  private classScratch: ClassScratch | undefined;

  constructor(
    readonly maxRows: number,
    private readonly visibleUnits: number,
    private readonly hiddenUnits: number,
    layers?: ModelLayers,
  ) {
    const [visible, hidden] = [visibleUnits, hiddenUnits];
    const rows = (width: number) => new Float32Array(maxRows * width);
    this.hiddenPre = rows(hidden);
    this.hiddenProb = rows(hidden);
    this.hidden = rows(hidden);
    this.visibleProb = rows(visible);
    this.visible = rows(visible);
    const scaled = layers?.visible.type === 'gaussian';
    this.seenData = scaled ? rows(visible) : new Float32Array(0);
    this.seenModel = scaled ? rows(visible) : new Float32Array(0);
    this.hiddenAgainPre = rows(hidden);
    this.hiddenAgainProb = rows(hidden);
    this.hiddenAgain = rows(hidden);
    this.chain = rows(hidden);
    const draws = layers ? Math.max(layers.visible.drawWidth(visible), layers.hidden.drawWidth(hidden)) : 0;
    this.uniforms = rows(Math.max(visible, hidden, draws));
    this.weightsTransposed = new Float32Array(visible * hidden);
    this.weightGradient = new Float64Array(visible * hidden);
    this.visibleGradient = new Float64Array(visible);
    this.hiddenGradient = new Float64Array(hidden);
  }

  /** Working memory for a label layer of `classes` classes, allocated on first use. */
  classes(classes: number): ClassScratch {
    if (this.classScratch?.labelBiasGradient.length !== classes) this.classScratch = new ClassScratch(this.maxRows, this.hiddenUnits, classes);
    return this.classScratch;
  }

  /** Working memory for maxRows × `temperatures` tempered chains, allocated on first use. */
  tempered(temperatures: number): TemperedScratch {
    if (this.temperedChains?.temperatures !== temperatures) this.temperedChains = new TemperedScratch(this.maxRows * temperatures, temperatures, this.visibleUnits, this.hiddenUnits);
    return this.temperedChains;
  }
}

/** Parallel tempering's chains: one row per batch row and temperature, the temperatures of a row together. */
export class TemperedScratch {
  readonly hidden: Float32Array;
  readonly visible: Float32Array;
  /** c + v·W of each chain's visible state (the same at every temperature). */
  readonly activation: Float32Array;
  readonly energy: Float64Array;
  readonly uniforms: Float32Array;
  readonly betas: Float32Array;

  constructor(chains: number, readonly temperatures: number, visible: number, hidden: number) {
    this.hidden = new Float32Array(chains * hidden);
    this.visible = new Float32Array(chains * visible);
    this.activation = new Float32Array(chains * hidden);
    this.energy = new Float64Array(chains);
    this.uniforms = new Float32Array(chains * Math.max(visible, hidden));
    this.betas = inverseTemperatures(temperatures);
  }
}

/** What a labelled step needs beyond StepScratch, for batches of up to `rows` rows. */
export class ClassScratch {
  /** c + x·W of each row. */
  readonly activation: Float32Array;
  /** p(y | x) of each row and class. */
  readonly posterior: Float64Array;
  /** The discriminative gradient's hidden term of each row, then the generative statistics' label parts. */
  readonly hiddenTerm: Float32Array;
  readonly labelDraws: Float32Array;
  readonly modelLabels: Uint32Array;
  readonly labelWeightGradient: Float64Array;
  readonly labelBiasGradient: Float64Array;

  constructor(rows: number, hidden: number, classes: number) {
    this.activation = new Float32Array(rows * hidden);
    this.posterior = new Float64Array(rows * classes);
    this.hiddenTerm = new Float32Array(rows * hidden);
    this.labelDraws = new Float32Array(rows);
    this.modelLabels = new Uint32Array(rows);
    this.labelWeightGradient = new Float64Array(classes * hidden);
    this.labelBiasGradient = new Float64Array(classes);
  }
}

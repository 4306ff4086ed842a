import { checkRule, type Backend, type EpochPlan, type EpochResult, type ModelShape, type ResidentData } from '../backend.js';
import { copyParameters, type Parameters } from '../../parameters.js';
import type { Matrix } from '../../matrix.js';
import { isPixelMatrix, pixelRow, type PixelMatrix } from '../../pixels.js';
import { philoxUniforms, type DrawAddress } from '../../rng/stream.js';
import { yieldToEventLoop, YIELD_EVERY_MS } from '../../event-loop.js';
import { contrastiveDivergenceStep } from './cd-step.js';
import { StepScratch } from './scratch.js';
import { classStep } from './class-step.js';
import type { ModelLayers } from '../../layers/layer.js';
import { modelLayers } from '../../layers/registry.js';
import { InvalidArgumentError } from '../../errors.js';
import { cpuBanner, HostBackend } from '../host-backend.js';

class HostData implements ResidentData {
  constructor(
    readonly m: Matrix | PixelMatrix,
    readonly labels?: Uint32Array,
  ) {}
  get rows(): number {
    return this.m.rows;
  }
  get cols(): number {
    return this.m.cols;
  }
  release(): void {}
}

/** Whether every parameter and momentum value is finite (a sum is, exactly when its terms are). */
function allFinite(p: Parameters): boolean {
  for (const a of Object.values(p) as Float32Array[]) {
    let sum = 0;
    for (let k = 0; k < a.length; k++) sum += a[k];
    if (!Number.isFinite(sum)) return false;
  }
  return true;
}

/** The reference backend: plain TypeScript on Float32Arrays, the spec the GPU must match. */
export class CpuBackend extends HostBackend implements Backend {
  readonly info = { backend: 'cpu', device: 'CPU (TypeScript)' } as const;
  readonly banner: string;
  private params: Parameters;
  private scratch: StepScratch | undefined;
  /** The layers the scratch was laid out for. */
  private scratchLayers = '';

  /** `note` adds a line to the banner (why the CPU was chosen). */
  constructor(shape: ModelShape, note?: string) {
    super(shape);
    const [visible, hidden] = [shape.visible, shape.hidden];
    this.banner = cpuBanner('TypeScript', note);
    this.params = {
      weights: new Float32Array(visible * hidden),
      visibleBias: new Float32Array(visible),
      hiddenBias: new Float32Array(hidden),
      weightVelocity: new Float32Array(visible * hidden),
      visibleBiasVelocity: new Float32Array(visible),
      hiddenBiasVelocity: new Float32Array(hidden),
    };
  }

  async setParameters(p: Parameters): Promise<void> {
    this.params = copyParameters(p);
  }

  async getParameters(): Promise<Parameters> {
    return copyParameters(this.params);
  }

  async upload(x: Matrix | PixelMatrix, labels?: Uint32Array): Promise<ResidentData> {
    return new HostData(x, labels);
  }

  async trainEpoch(data: ResidentData, plan: EpochPlan): Promise<EpochResult> {
    const { m: x, labels } = data as HostData;
    checkRule(this.shape, plan.rule);
    if (plan.rule.labels && !labels) throw new InvalidArgumentError('labels', 'a labelled step needs the data uploaded with its labels');
    const batches = plan.batchStarts.length - 1;
    const maxRows = plan.largestBatch;
    const layers = this.trainingLayers(plan);
    if (!this.scratch || this.scratch.maxRows < maxRows || this.scratchLayers !== layerKey(layers)) {
      this.scratch = new StepScratch(maxRows, this.visible, this.hidden, layers);
      this.scratchLayers = layerKey(layers);
    }
    const before = copyParameters(this.params);
    const batch = new Float32Array(maxRows * this.visible);
    const swaps = this.scratch.swaps;
    [swaps.accepted, swaps.tried] = [0, 0];
    const counts = () => (plan.rule.parallelTempering ? { swaps: { ...swaps } } : {});
    const batchLabels = new Uint32Array(maxRows);
    const step: typeof contrastiveDivergenceStep = plan.rule.labels
      ? (_layers, p, x, rows, rule, at, uniforms, s) => classStep(p, x, batchLabels, rows, rule, at, uniforms, s)
      : contrastiveDivergenceStep;
    const losses: number[] = [];
    let yielded = performance.now();
    for (let b = plan.firstBatch; b < batches; b++) {
      const start = plan.batchStarts[b];
      const rows = plan.batchStarts[b + 1] - start;
      for (let r = 0; r < rows; r++) {
        if (isPixelMatrix(x)) {
          pixelRow(x, plan.order[start + r], batch, r * x.cols);
        } else {
          const src = plan.order[start + r] * x.cols;
          batch.set(x.data.subarray(src, src + x.cols), r * x.cols);
        }
        if (labels) batchLabels[r] = labels[plan.order[start + r]];
      }
      const at = (phase: number): DrawAddress => ({ seed: plan.seed, phase, epoch: plan.epoch, batch: b });
      const value = step(layers, this.params, batch, rows, plan.rule, at, philoxUniforms, this.scratch);
      if (!Number.isFinite(value) || !allFinite(this.params)) {
        this.params = before;
        return { losses: Float64Array.from(losses), parameters: copyParameters(before), stopped: false, nonFiniteBatch: b };
      }
      losses.push(value);
      plan.onBatch?.(b);
      if (performance.now() - yielded > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        yielded = performance.now();
      }
      if (plan.signal?.aborted && b < batches - 1) {
        return { losses: Float64Array.from(losses), parameters: copyParameters(this.params), stopped: true, ...counts() };
      }
    }
    return { losses: Float64Array.from(losses), parameters: copyParameters(this.params), stopped: false, ...counts() };
  }

  /** The layers an epoch trains: the model's, with the rule's options for them. */
  private trainingLayers(plan: EpochPlan): ModelLayers {
    return modelLayers({ ...this.shape, learnVariance: plan.rule.learnVariance ?? false });
  }

  async dispose(): Promise<void> {
    this.scratch = undefined;
  }

  protected view(): Parameters {
    return this.params;
  }
}

/** What a step's scratch depends on of its layers. */
function layerKey(layers: ModelLayers): string {
  return `${layers.visible.type}/${layers.hidden.type}`;
}

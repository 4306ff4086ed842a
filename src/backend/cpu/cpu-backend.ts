import { copyParameters, type Backend, type EpochPlan, type EpochResult, type Layer, type Parameters, type ResidentData } from '../backend.js';
import { matrix, type Matrix } from '../../matrix.js';
import { philoxUniforms, type DrawAddress, type UniformSource } from '../../rng/stream.js';
import { contrastiveDivergenceStep, sample, sigmoidInPlace, StepScratch } from './cd-step.js';
import { multiplyAdd, multiplyTransposedAdd } from './kernels.js';
import { energies, freeEnergies } from '../energies.js';
import { exactLogPartition } from '../../evaluation/partition.js';

class HostData implements ResidentData {
  constructor(readonly m: Matrix) {}
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

/** How long training may hold the event loop before letting timers, I/O and signals run. */
const YIELD_EVERY_MS = 20;

/** Lets other work run between batches, in Node and in browsers. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The reference backend: plain TypeScript on Float32Arrays, the spec the GPU must match. */
export class CpuBackend implements Backend {
  readonly info = { backend: 'cpu', device: 'CPU' } as const;
  readonly banner: string;
  private readonly uniforms: UniformSource = philoxUniforms;
  private params: Parameters;
  private scratch: StepScratch | undefined;

  /** `note` adds a line to the banner (why the CPU was chosen). */
  constructor(
    readonly visible: number,
    readonly hidden: number,
    note?: string,
  ) {
    this.banner = ['# Computation will proceed on the CPU.', ...(note ? [note] : [])].join('\n');
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

  async upload(x: Matrix): Promise<ResidentData> {
    return new HostData(x);
  }

  async trainEpoch(data: ResidentData, plan: EpochPlan): Promise<EpochResult> {
    const x = (data as HostData).m;
    const batches = plan.batchStarts.length - 1;
    let maxRows = 0;
    for (let b = 0; b < batches; b++) maxRows = Math.max(maxRows, plan.batchStarts[b + 1] - plan.batchStarts[b]);
    if (!this.scratch || this.scratch.maxRows < maxRows) {
      this.scratch = new StepScratch(maxRows, this.visible, this.hidden);
    }
    const before = copyParameters(this.params);
    const batch = new Float32Array(maxRows * this.visible);
    const kl: number[] = [];
    let yielded = performance.now();
    for (let b = plan.firstBatch; b < batches; b++) {
      const start = plan.batchStarts[b];
      const rows = plan.batchStarts[b + 1] - start;
      for (let r = 0; r < rows; r++) {
        const src = plan.order[start + r] * x.cols;
        batch.set(x.data.subarray(src, src + x.cols), r * x.cols);
      }
      const at = (phase: number): DrawAddress => ({ seed: plan.seed, phase, epoch: plan.epoch, batch: b });
      const value = contrastiveDivergenceStep(this.params, batch, rows, plan.rule, at, this.uniforms, this.scratch);
      if (!Number.isFinite(value) || !allFinite(this.params)) {
        this.params = before;
        return { klDivergence: Float64Array.from(kl), parameters: copyParameters(before), stopped: false, nonFiniteBatch: b };
      }
      kl.push(value);
      plan.onBatch?.(b);
      if (performance.now() - yielded > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        yielded = performance.now();
      }
      if (plan.signal?.aborted && b < batches - 1) {
        return { klDivergence: Float64Array.from(kl), parameters: copyParameters(this.params), stopped: true };
      }
    }
    return { klDivergence: Float64Array.from(kl), parameters: copyParameters(this.params), stopped: false };
  }

  async propagate(x: Matrix, to: Layer, draw?: DrawAddress): Promise<Matrix> {
    const { weights, visibleBias, hiddenBias } = this.params;
    const up = to === 'hidden';
    const cols = up ? this.hidden : this.visible;
    const out = matrix(x.rows, cols);
    if (up) multiplyAdd(x.data, x.rows, this.visible, weights, cols, hiddenBias, out.data);
    else multiplyTransposedAdd(x.data, x.rows, this.hidden, weights, cols, visibleBias, out.data);
    sigmoidInPlace(out.data, out.data.length);
    if (draw) {
      const u = new Float32Array(out.data.length);
      this.uniforms(draw, x.rows, cols, u);
      sample(out.data, u, u.length, out.data);
    }
    return out;
  }

  async energy(v: Matrix, h: Matrix): Promise<Float64Array> {
    return energies(v, h, this.activations(v), this.params.visibleBias);
  }

  async freeEnergy(v: Matrix): Promise<Float64Array> {
    return freeEnergies(v, this.activations(v), this.params.visibleBias);
  }

  /** The hidden pre-activations v·W + c. */
  private activations(v: Matrix): Matrix {
    const a = matrix(v.rows, this.hidden);
    multiplyAdd(v.data, v.rows, this.visible, this.params.weights, this.hidden, this.params.hiddenBias, a.data);
    return a;
  }

  async logPartitionExact(): Promise<number> {
    return exactLogPartition(this.params, this.visible, this.hidden);
  }

  async dispose(): Promise<void> {
    this.scratch = undefined;
  }
}

import { matrix, type Matrix } from '../matrix.js';
import { philoxUniforms, type DrawAddress } from '../rng/stream.js';
import { annealGaussianOnHost, annealOnHost } from './anneal.js';
import { clampKnown, gibbsSteps, type AnnealJob, type GibbsJob, type Layer, type ModelShape } from './backend.js';
import { InvalidArgumentError } from '../errors.js';
import type { Parameters } from '../parameters.js';
import { multiplyAdd, multiplyTransposedAdd } from './cpu/kernels.js';
import { exactLogPartitionOf } from './exact-partition.js';
import type { ModelLayers } from '../layers/layer.js';
import { modelLayers } from '../layers/registry.js';

/**
 * Inference for the backends whose parameters live in host memory (the TypeScript reference
 * and the WebAssembly backend): the plain kernels and the layers' reference math on a view of
 * those parameters. Each backend says where its parameters are; the operations are written
 * once, here.
 */
export abstract class HostBackend {
  readonly visible: number;
  readonly hidden: number;
  /** The model's layers, for inference (their training options do not matter there). */
  protected readonly layers: ModelLayers;

  constructor(readonly shape: ModelShape) {
    checkShape(shape);
    [this.visible, this.hidden] = [shape.visible, shape.hidden];
    this.layers = modelLayers({ ...shape, learnVariance: false });
  }

  /** The current parameters, without copying. */
  protected abstract view(): Parameters;

  async propagate(x: Matrix, to: Layer, draw?: DrawAddress): Promise<Matrix> {
    const p = this.view();
    const { layers } = this;
    if (to === 'hidden') {
      const z = await this.preActivations(x, 'hidden');
      const out = matrix(x.rows, this.hidden);
      layers.hidden.mean(p, z.data, z.data.length, out.data);
      if (draw) {
        const scratch = new Float32Array(x.rows * layers.hidden.drawWidth(this.hidden));
        layers.hidden.sample(p, z.data, out.data, x.rows, { address: draw, uniforms: philoxUniforms, scratch }, out.data);
      }
      return out;
    }
    const out = await this.preActivations(x, 'visible');
    const draws = draw && { address: draw, uniforms: philoxUniforms, scratch: new Float32Array(x.rows * layers.visible.drawWidth(this.visible)) };
    layers.visible.propagate(p, out.data, x.rows, draws);
    return out;
  }

  /** Gibbs steps as a host loop over propagate: the reference the GPU's encoded loop must match. */
  async gibbs(job: GibbsJob): Promise<Matrix> {
    const steps = gibbsSteps(job);
    let v = job.start;
    for (let s = 0; s < steps; s++) {
      const h = await this.propagate(v, 'hidden', job.hiddenDraws[s]);
      v = clampKnown(await this.propagate(h, 'visible', job.visibleDraws.at(s)), job.clamp);
    }
    return v;
  }

  async logPartitionExact(): Promise<number> {
    return exactLogPartitionOf(this.layers, this.view(), this.visible, this.hidden);
  }

  async anneal(job: AnnealJob): Promise<Float64Array> {
    const p = this.view();
    const { visible, hidden } = this.layers;
    return visible.type === 'gaussian' ? annealGaussianOnHost(p, this.visible, this.hidden, job, hidden) : annealOnHost(p, this.visible, this.hidden, job, visible.groupSize, hidden);
  }

  /** c + v'·W (v' what the hidden units see of v: Gaussian units' v/σ²), or b + h·Wᵀ. */
  async preActivations(x: Matrix, to: Layer): Promise<Matrix> {
    const p = this.view();
    if (to === 'visible') {
      const out = matrix(x.rows, this.visible);
      multiplyTransposedAdd(x.data, x.rows, this.hidden, p.weights, this.visible, p.visibleBias, out.data);
      return out;
    }
    const a = matrix(x.rows, this.hidden);
    const input = this.layers.visible.seen(p, x.data, x.rows, new Float32Array(this.layers.visible.type === 'gaussian' ? x.data.length : 0));
    multiplyAdd(input, x.rows, this.visible, p.weights, this.hidden, p.hiddenBias, a.data);
    return a;
  }
}

/** Refuses a shape whose softmax groups do not divide the visible units (the options never make one). */
export function checkShape(shape: ModelShape): void {
  const size = typeof shape.visibleType === 'object' ? shape.visibleType.softmax : undefined;
  if (size !== undefined && !(Number.isInteger(size) && size >= 2 && shape.visible % size === 0)) {
    throw new InvalidArgumentError('visibleType.softmax', `${shape.visible} visible units do not split into softmax groups of ${size}`);
  }
}

/** What a CPU backend prints first: simple_rbm's line, then which kernels run (and `note`, why the CPU). */
export function cpuBanner(kernels: string, note?: string): string {
  return ['# Computation will proceed on the CPU.', `# CPU: ${kernels}`, ...(note ? [note] : [])].join('\n');
}

import { matrix, type Matrix } from '../matrix.js';
import { philoxUniforms, type DrawAddress } from '../rng/stream.js';
import { annealGaussianOnHost, annealOnHost } from './anneal.js';
import { clampKnown, gibbsSteps, type AnnealJob, type GibbsJob, type Layer } from './backend.js';
import type { Parameters } from '../parameters.js';
import { multiplyAdd, multiplyTransposedAdd } from './cpu/kernels.js';
import { layerEnergies, layerFreeEnergies } from './energies.js';
import { exactLogPartitionOf } from './exact-partition.js';
import { classScores } from './cpu/class-step.js';
import type { HiddenType, ModelLayers } from '../layers/layer.js';
import { modelLayers } from '../layers/registry.js';

/**
 * Inference for the backends whose parameters live in host memory (the TypeScript reference
 * and the WebAssembly backend): the plain kernels and the layers' reference math on a view of
 * those parameters. Each backend says where its parameters are; the operations are written
 * once, here.
 */
export abstract class HostBackend {
  constructor(
    readonly visible: number,
    readonly hidden: number,
    /** The size of softmax visible groups, when the visible units form them. */
    readonly softmax?: number,
    readonly hiddenType: HiddenType = 'binary',
  ) {}

  /** The current parameters, without copying. */
  protected abstract view(): Parameters;

  /** The model's layers: Gaussian visible units where the parameters carry log-variances. */
  protected layers(): ModelLayers {
    const visibleType = this.view().visibleLogVariance ? 'gaussian' : this.softmax ? { softmax: this.softmax } : 'binary';
    return modelLayers({ visibleType, hiddenType: this.hiddenType, learnVariance: true });
  }

  async propagate(x: Matrix, to: Layer, draw?: DrawAddress): Promise<Matrix> {
    const p = this.view();
    const layers = this.layers();
    if (to === 'hidden') {
      const z = this.activations(x);
      const out = matrix(x.rows, this.hidden);
      layers.hidden.mean(p, z.data, z.data.length, out.data);
      if (draw) {
        const scratch = new Float32Array(x.rows * layers.hidden.drawWidth(this.hidden));
        layers.hidden.sample(p, z.data, out.data, x.rows, { address: draw, uniforms: philoxUniforms, scratch }, out.data);
      }
      return out;
    }
    const out = matrix(x.rows, this.visible);
    multiplyTransposedAdd(x.data, x.rows, this.hidden, p.weights, this.visible, p.visibleBias, out.data);
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

  async energy(v: Matrix, h: Matrix): Promise<Float64Array> {
    return layerEnergies(this.layers(), this.view(), v, h, this.activations(v));
  }

  async freeEnergy(v: Matrix): Promise<Float64Array> {
    return layerFreeEnergies(this.layers(), this.view(), v, this.activations(v));
  }

  async logPartitionExact(): Promise<number> {
    return exactLogPartitionOf(this.layers(), this.view(), this.visible, this.hidden);
  }

  async anneal(job: AnnealJob): Promise<Float64Array> {
    const p = this.view();
    const { hidden } = this.layers();
    return p.visibleLogVariance ? annealGaussianOnHost(p, this.visible, this.hidden, job, hidden) : annealOnHost(p, this.visible, this.hidden, job, this.softmax, hidden);
  }

  async classScores(x: Matrix): Promise<Float64Array> {
    const p = this.view();
    const out = new Float64Array(x.rows * p.labelBias!.length);
    classScores(p, this.activations(x).data, x.rows, out);
    return out;
  }

  /** The hidden pre-activations c + v'·W, v' what the hidden units see of v (Gaussian units: v/σ²). */
  private activations(v: Matrix): Matrix {
    const p = this.view();
    const a = matrix(v.rows, this.hidden);
    const input = this.layers().visible.seen(p, v.data, v.rows, new Float32Array(p.visibleLogVariance ? v.data.length : 0));
    multiplyAdd(input, v.rows, this.visible, p.weights, this.hidden, p.hiddenBias, a.data);
    return a;
  }
}

/** What a CPU backend prints first: simple_rbm's line, then which kernels run (and `note`, why the CPU). */
export function cpuBanner(kernels: string, note?: string): string {
  return ['# Computation will proceed on the CPU.', `# CPU: ${kernels}`, ...(note ? [note] : [])].join('\n');
}

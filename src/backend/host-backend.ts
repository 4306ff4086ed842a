import { matrix, type Matrix } from '../matrix.js';
import { normalDraws, philoxUniforms, type DrawAddress } from '../rng/stream.js';
import { annealGaussianOnHost, annealOnHost } from './anneal.js';
import { clampKnown, gibbsSteps, type AnnealJob, type GibbsJob, type Layer, type Parameters } from './backend.js';
import { sample, sigmoidInPlace } from './cpu/cd-step.js';
import { multiplyAdd, multiplyTransposedAdd } from './cpu/kernels.js';
import { energies, freeEnergies } from './energies.js';
import { exactGaussianLogPartition, exactLogPartition } from './exact-partition.js';
import { exactSoftmaxLogPartition } from './softmax-partition.js';
import { softmaxGroups } from './cpu/softmax-step.js';
import { precisions } from './cpu/gaussian-step.js';
import { classScores } from './cpu/class-step.js';

/**
 * Inference for the backends whose parameters live in host memory (the TypeScript reference
 * and the WebAssembly backend): the plain kernels on a view of those parameters. Each
 * backend says where its parameters are; the operations are written once, here.
 */
export abstract class HostBackend {
  constructor(
    readonly visible: number,
    readonly hidden: number,
    /** The size of softmax visible groups, when the visible units form them. */
    readonly softmax?: number,
  ) {}

  /** The current parameters, without copying. */
  protected abstract view(): Parameters;

  async propagate(x: Matrix, to: Layer, draw?: DrawAddress): Promise<Matrix> {
    const p = this.view();
    if (to === 'hidden') {
      const out = this.activations(x);
      sigmoidInPlace(out.data, out.data.length);
      if (draw) {
        const u = new Float32Array(out.data.length);
        philoxUniforms(draw, x.rows, this.hidden, u);
        sample(out.data, u, u.length, out.data);
      }
      return out;
    }
    const out = matrix(x.rows, this.visible);
    multiplyTransposedAdd(x.data, x.rows, this.hidden, p.weights, this.visible, p.visibleBias, out.data);
    if (p.visibleLogVariance) {
      // Gaussian units: the means b + h·Wᵀ, or draws from N(mean, σ²).
      if (draw) {
        const normals = new Float32Array(out.data.length);
        normalDraws(philoxUniforms, draw, x.rows, this.visible, normals, new Float32Array(2 * out.data.length));
        const deviation = Float32Array.from(p.visibleLogVariance, (z) => Math.exp(z / 2));
        for (let k = 0; k < out.data.length; k++) out.data[k] += deviation[k % this.visible] * normals[k];
      }
      return out;
    }
    if (this.softmax) {
      // Each group's probabilities, or a one-hot draw with one uniform per row and group.
      const groups = this.visible / this.softmax;
      const u = draw && new Float32Array(x.rows * groups);
      if (draw) philoxUniforms(draw, x.rows, groups, u!);
      softmaxGroups(out.data, x.rows, this.visible, this.softmax, u);
      return out;
    }
    sigmoidInPlace(out.data, out.data.length);
    if (draw) {
      const u = new Float32Array(out.data.length);
      philoxUniforms(draw, x.rows, this.visible, u);
      sample(out.data, u, u.length, out.data);
    }
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
    const p = this.view();
    return energies(v, h, this.activations(v), p.visibleBias, p.visibleLogVariance);
  }

  async freeEnergy(v: Matrix): Promise<Float64Array> {
    const p = this.view();
    return freeEnergies(v, this.activations(v), p.visibleBias, p.visibleLogVariance);
  }

  async logPartitionExact(): Promise<number> {
    const p = this.view();
    if (p.visibleLogVariance) return exactGaussianLogPartition(p, this.visible, this.hidden);
    return this.softmax ? exactSoftmaxLogPartition(p, this.visible, this.hidden, this.softmax) : exactLogPartition(p, this.visible, this.hidden);
  }

  async anneal(job: AnnealJob): Promise<Float64Array> {
    const p = this.view();
    return p.visibleLogVariance ? annealGaussianOnHost(p, this.visible, this.hidden, job) : annealOnHost(p, this.visible, this.hidden, job, this.softmax);
  }

  async classScores(x: Matrix): Promise<Float64Array> {
    const p = this.view();
    const out = new Float64Array(x.rows * p.labelBias!.length);
    classScores(p, this.activations(x).data, x.rows, out);
    return out;
  }

  /** The hidden pre-activations c + v·W (Gaussian units: c + (v/σ²)·W). */
  private activations(v: Matrix): Matrix {
    const p = this.view();
    const a = matrix(v.rows, this.hidden);
    let input = v.data;
    if (p.visibleLogVariance) {
      const precision = precisions(p.visibleLogVariance);
      input = Float32Array.from(v.data, (x, k) => x * precision[k % this.visible]);
    }
    multiplyAdd(input, v.rows, this.visible, p.weights, this.hidden, p.hiddenBias, a.data);
    return a;
  }
}

/** What a CPU backend prints first: simple_rbm's line, then which kernels run (and `note`, why the CPU). */
export function cpuBanner(kernels: string, note?: string): string {
  return ['# Computation will proceed on the CPU.', `# CPU: ${kernels}`, ...(note ? [note] : [])].join('\n');
}

import { matrix, type Matrix } from '../matrix.js';
import { philoxUniforms, type DrawAddress } from '../rng/stream.js';
import { annealOnHost } from './anneal.js';
import type { AnnealJob, Layer, Parameters } from './backend.js';
import { sample, sigmoidInPlace } from './cpu/cd-step.js';
import { multiplyAdd, multiplyTransposedAdd } from './cpu/kernels.js';
import { energies, freeEnergies } from './energies.js';
import { exactLogPartition } from './exact-partition.js';

/**
 * Inference for the backends whose parameters live in host memory (the TypeScript reference
 * and the WebAssembly backend): the plain kernels on a view of those parameters. Each
 * backend says where its parameters are; the operations are written once, here.
 */
export abstract class HostBackend {
  constructor(
    readonly visible: number,
    readonly hidden: number,
  ) {}

  /** The current parameters, without copying. */
  protected abstract view(): Parameters;

  async propagate(x: Matrix, to: Layer, draw?: DrawAddress): Promise<Matrix> {
    const p = this.view();
    const up = to === 'hidden';
    const cols = up ? this.hidden : this.visible;
    const out = matrix(x.rows, cols);
    if (up) multiplyAdd(x.data, x.rows, this.visible, p.weights, cols, p.hiddenBias, out.data);
    else multiplyTransposedAdd(x.data, x.rows, this.hidden, p.weights, cols, p.visibleBias, out.data);
    sigmoidInPlace(out.data, out.data.length);
    if (draw) {
      const u = new Float32Array(out.data.length);
      philoxUniforms(draw, x.rows, cols, u);
      sample(out.data, u, u.length, out.data);
    }
    return out;
  }

  async energy(v: Matrix, h: Matrix): Promise<Float64Array> {
    return energies(v, h, this.activations(v), this.view().visibleBias);
  }

  async freeEnergy(v: Matrix): Promise<Float64Array> {
    return freeEnergies(v, this.activations(v), this.view().visibleBias);
  }

  async logPartitionExact(): Promise<number> {
    return exactLogPartition(this.view(), this.visible, this.hidden);
  }

  async anneal(job: AnnealJob): Promise<Float64Array> {
    return annealOnHost(this.view(), this.visible, this.hidden, job);
  }

  /** The hidden pre-activations v·W + c. */
  private activations(v: Matrix): Matrix {
    const p = this.view();
    const a = matrix(v.rows, this.hidden);
    multiplyAdd(v.data, v.rows, this.visible, p.weights, this.hidden, p.hiddenBias, a.data);
    return a;
  }
}

/** What a CPU backend prints first: simple_rbm's line, then which kernels run (and `note`, why the CPU). */
export function cpuBanner(kernels: string, note?: string): string {
  return ['# Computation will proceed on the CPU.', `# CPU: ${kernels}`, ...(note ? [note] : [])].join('\n');
}

/**
 * A model's parameters and velocities on the GPU in one layout, saved and restored around an
 * epoch, read back together; and the spare buffers bound where a kernel leaves a binding unused.
 */
import type { Parameters } from '../backend.js';
import { InvalidArgumentError } from '../../errors.js';
import { createBuffer, Usage } from './buffers.js';
import { readFloats } from './dispatch.js';
import type { Resources } from './program.js';
import type { matmul } from './programs.js';

type MatmulResources = Resources<typeof matmul.bindings>;
/** A matmul's operands: what it reads and writes besides W, the outputs it leaves unwritten left out. */
export type MatmulOperands = Omit<MatmulResources, 'b' | 'stat' | 'samples' | 'aux' | 'lossPartials'> & Partial<Pick<MatmulResources, 'stat' | 'samples' | 'aux' | 'lossPartials'>>;

/** Storage bindings must start at multiples of 256 bytes: 64 floats. */
const ALIGN_FLOATS = 64;
const align = (n: number) => Math.ceil(n / ALIGN_FLOATS) * ALIGN_FLOATS;

/**
 * A model's parameters on the GPU: W, b, c, centring's offsets μ, λ, Gaussian visible units'
 * log-variances z and a label layer's U (C × H) and d (C) in one buffer and the momentum of W, b,
 * c, z, U and d in a second of the same layout (its offset slots stay zero), so one update kernel
 * covers W, b and c, and everything is saved, restored and read back together; plus tiny buffers
 * bound where a kernel variant leaves a binding unused. The class count C is fixed per instance.
 */
export class ModelBuffers {
  readonly params: GPUBuffer;
  readonly velocity: GPUBuffer;
  /** Copies of both, taken when an epoch starts, to restore if it produces a non-finite value. */
  private readonly saved: readonly [GPUBuffer, GPUBuffer];
  /** Element offsets of b and c in both buffers. */
  readonly visibleBiasOffset: number;
  readonly hiddenBiasOffset: number;
  /** Element offsets of μ and λ in the parameter buffer. */
  readonly muOffset: number;
  readonly lambdaOffset: number;
  /** Element offset of z in both buffers. */
  readonly logVarianceOffset: number;
  /** Element offsets of a label layer's U and d in both buffers. */
  readonly labelWeightsOffset: number;
  readonly labelBiasOffset: number;
  readonly weights: GPUBufferBinding;
  readonly visibleBias: GPUBufferBinding;
  readonly hiddenBias: GPUBufferBinding;
  readonly logVariance: GPUBufferBinding;
  readonly unused: { readonly read: GPUBuffer; readonly stat: GPUBuffer; readonly samples: GPUBuffer; readonly loss: GPUBuffer };
  /** Floats in each of the parameter and velocity buffers. */
  readonly floats: number;
  /** Whether the parameters last written carried offsets: only then are they read back. */
  private hasOffsets = false;
  /** Likewise for the log-variances. */
  private hasLogVariance = false;

  constructor(
    private readonly device: GPUDevice,
    readonly visible: number,
    readonly hidden: number,
    /** The label layer's classes C; 0 without one. */
    readonly classes = 0,
  ) {
    this.visibleBiasOffset = align(visible * hidden);
    this.hiddenBiasOffset = this.visibleBiasOffset + align(visible);
    this.muOffset = this.hiddenBiasOffset + align(hidden);
    this.lambdaOffset = this.muOffset + align(visible);
    this.logVarianceOffset = this.lambdaOffset + align(hidden);
    this.labelWeightsOffset = this.logVarianceOffset + align(visible);
    this.labelBiasOffset = this.labelWeightsOffset + align(classes * hidden);
    this.floats = classes > 0 ? this.labelBiasOffset + classes : this.logVarianceOffset + visible;
    this.params = createBuffer(device, 'parameters W, b, c, μ, λ, z, U, d', this.floats * 4, Usage.storage);
    this.velocity = createBuffer(device, 'momentum dW, db, dc, dz, dU, dd', this.floats * 4, Usage.storage);
    this.saved = [
      createBuffer(device, 'parameters at epoch start', this.floats * 4, Usage.storage),
      createBuffer(device, 'momentum at epoch start', this.floats * 4, Usage.storage),
    ];
    this.weights = { buffer: this.params, offset: 0, size: visible * hidden * 4 };
    this.visibleBias = { buffer: this.params, offset: this.visibleBiasOffset * 4, size: visible * 4 };
    this.hiddenBias = { buffer: this.params, offset: this.hiddenBiasOffset * 4, size: hidden * 4 };
    this.logVariance = { buffer: this.params, offset: this.logVarianceOffset * 4, size: visible * 4 };
    const unused = (slot: string) => createBuffer(device, `unused ${slot}`, 16, Usage.storage);
    this.unused = { read: unused('read'), stat: unused('stat'), samples: unused('samples'), loss: unused('loss') };
  }

  /** Whether the model is centred: its parameters carry the offsets μ and λ. */
  get centred(): boolean {
    return this.hasOffsets;
  }

  /** Whether the visible units are Gaussian: the parameters carry log-variances z. */
  get gaussian(): boolean {
    return this.hasLogVariance;
  }

  write(p: Parameters): void {
    if ((p.visibleOffset === undefined) !== (p.hiddenOffset === undefined)) {
      throw new InvalidArgumentError('parameters', 'a centred model needs both offsets, visibleOffset and hiddenOffset');
    }
    if ((p.visibleLogVariance === undefined) !== (p.visibleLogVarianceVelocity === undefined)) {
      throw new InvalidArgumentError('parameters', 'a Gaussian model needs both visibleLogVariance and visibleLogVarianceVelocity');
    }
    const label = [p.labelWeights, p.labelBias, p.labelWeightVelocity, p.labelBiasVelocity];
    if (this.classes > 0 && (label.some((a) => a === undefined) || p.labelBias!.length !== this.classes || p.labelWeights!.length !== this.classes * this.hidden)) {
      throw new InvalidArgumentError('parameters', `a label layer of ${this.classes} classes needs labelWeights (C × H), labelBias (C) and both velocities`);
    }
    if (this.classes === 0 && label.some((a) => a !== undefined)) {
      throw new InvalidArgumentError('parameters', 'these model buffers hold no label layer');
    }
    const pack = (w: Float32Array, b: Float32Array, c: Float32Array, z?: Float32Array, mu?: Float32Array, lambda?: Float32Array, u?: Float32Array, d?: Float32Array) => {
      const out = new Float32Array(this.floats);
      if (u) out.set(u, this.labelWeightsOffset);
      if (d) out.set(d, this.labelBiasOffset);
      out.set(w, 0);
      out.set(b, this.visibleBiasOffset);
      out.set(c, this.hiddenBiasOffset);
      if (mu) out.set(mu, this.muOffset);
      if (lambda) out.set(lambda, this.lambdaOffset);
      if (z) out.set(z, this.logVarianceOffset);
      return out;
    };
    this.device.queue.writeBuffer(this.params, 0, pack(p.weights, p.visibleBias, p.hiddenBias, p.visibleLogVariance, p.visibleOffset, p.hiddenOffset, p.labelWeights, p.labelBias));
    const velocity = pack(p.weightVelocity, p.visibleBiasVelocity, p.hiddenBiasVelocity, p.visibleLogVarianceVelocity, undefined, undefined, p.labelWeightVelocity, p.labelBiasVelocity);
    this.device.queue.writeBuffer(this.velocity, 0, velocity);
    this.hasOffsets = p.visibleOffset !== undefined;
    this.hasLogVariance = p.visibleLogVariance !== undefined;
  }

  async read(): Promise<Parameters> {
    const [p, v] = await Promise.all([
      readFloats(this.device, this.params, 0, this.floats),
      readFloats(this.device, this.velocity, 0, this.floats),
    ]);
    return this.unpack(p, v);
  }

  /** Parameters from copies of the parameter and velocity buffers' contents. */
  unpack(p: Float32Array, v: Float32Array): Parameters {
    const { visible: V, hidden: H } = this;
    const at = (a: Float32Array, offset: number, n: number) => a.slice(offset, offset + n);
    return {
      weights: at(p, 0, V * H),
      visibleBias: at(p, this.visibleBiasOffset, V),
      hiddenBias: at(p, this.hiddenBiasOffset, H),
      weightVelocity: at(v, 0, V * H),
      visibleBiasVelocity: at(v, this.visibleBiasOffset, V),
      hiddenBiasVelocity: at(v, this.hiddenBiasOffset, H),
      ...(this.hasOffsets && { visibleOffset: at(p, this.muOffset, V), hiddenOffset: at(p, this.lambdaOffset, H) }),
      ...(this.hasLogVariance && { visibleLogVariance: at(p, this.logVarianceOffset, V), visibleLogVarianceVelocity: at(v, this.logVarianceOffset, V) }),
      ...(this.classes > 0 && {
        labelWeights: at(p, this.labelWeightsOffset, this.classes * H),
        labelBias: at(p, this.labelBiasOffset, this.classes),
        labelWeightVelocity: at(v, this.labelWeightsOffset, this.classes * H),
        labelBiasVelocity: at(v, this.labelBiasOffset, this.classes),
      }),
    };
  }

  /** Encodes a copy of the parameters (offsets and log-variances included) and velocities, to be restored by encodeRestore. */
  encodeSave(encoder: GPUCommandEncoder): void {
    encoder.copyBufferToBuffer(this.params, 0, this.saved[0], 0, this.floats * 4);
    encoder.copyBufferToBuffer(this.velocity, 0, this.saved[1], 0, this.floats * 4);
  }

  encodeRestore(encoder: GPUCommandEncoder): void {
    encoder.copyBufferToBuffer(this.saved[0], 0, this.params, 0, this.floats * 4);
    encoder.copyBufferToBuffer(this.saved[1], 0, this.velocity, 0, this.floats * 4);
  }

  /** matmul.wgsl's bindings: `operands` with B = W, the bindings a variant leaves unused on the spare buffers. */
  matmul(operands: MatmulOperands): MatmulResources {
    const spare = this.unused;
    return {
      ...operands,
      b: this.weights,
      stat: operands.stat ?? spare.stat,
      samples: operands.samples ?? spare.samples,
      aux: operands.aux ?? spare.read,
      lossPartials: operands.lossPartials ?? spare.loss,
    };
  }

  /** The visible bias b alone (for energies finished on the host). */
  async readVisibleBias(): Promise<Float32Array> {
    return readFloats(this.device, this.params, this.visibleBiasOffset * 4, this.visible);
  }

  /** The log-variances z of Gaussian visible units (for energies finished on the host); undefined for binary units. */
  async readLogVariance(): Promise<Float32Array | undefined> {
    return this.hasLogVariance ? readFloats(this.device, this.params, this.logVarianceOffset * 4, this.visible) : undefined;
  }

  destroy(): void {
    for (const b of [this.params, this.velocity, ...this.saved, ...Object.values(this.unused)]) b.destroy();
  }
}

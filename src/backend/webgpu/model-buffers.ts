/**
 * A model's parameters and velocities on the GPU, laid out from the parameter schema: every
 * tensor a model of the backend's shape has (modelTensors), found by its field name, saved and
 * restored around an epoch and read back together; and the spare buffers bound where a kernel
 * leaves a binding unused.
 */
import type { ModelShape, Parameters } from '../backend.js';
import { InvalidArgumentError } from '../../errors.js';
import { ALL_TENSORS, modelTensors } from '../../layers/registry.js';
import { COUPLING, tensorLength, type Dims, type ParameterName, type TensorSpec } from '../../parameters.js';
import { createBuffer, Usage } from './buffers.js';
import { readFloats } from './dispatch.js';
import type { Resources } from './program.js';
import type { matmul } from './programs.js';

type MatmulResources = Resources<typeof matmul.bindings>;
/** The bindings of a matmul that a call may leave to the spare buffers: the outputs it does not write, aux, and the units' own tensors. */
type Optional = 'stat' | 'samples' | 'aux' | 'lossPartials';
/** A matmul's operands: what it reads and writes besides W and the units' own tensors, the outputs it leaves unwritten left out. */
export type MatmulOperands = Omit<MatmulResources, 'b' | 'hiddenGamma' | Optional> & Partial<Pick<MatmulResources, Optional>>;

/** Storage bindings must start at multiples of 256 bytes: 64 floats. */
const ALIGN_FLOATS = 64;
const align = (n: number) => Math.ceil(n / ALIGN_FLOATS) * ALIGN_FLOATS;

/** The fields of a tensor: itself, then its velocity if it has one. */
const fieldsOf = (spec: TensorSpec): ParameterName[] => [spec.field, ...(spec.velocity ? [spec.velocity.field] : [])];

/**
 * A model's parameters on the GPU: every tensor of modelTensors(shape) in one buffer, each at
 * an offset aligned for binding, with centring's offsets laid out whatever the shape (a model is
 * centred by its rule), and every velocity in a second buffer at its tensor's offset (the slots
 * of tensors without one stay zero). One update kernel covers W, b and c, which lie in that
 * order from 0; everything is saved, restored and read back together. A tensor a part of the
 * model brings (log-variances, γ, the offsets, a label layer) may be absent from the parameters
 * written: only what they carried is read back.
 */
export class ModelBuffers {
  readonly params: GPUBuffer;
  readonly velocity: GPUBuffer;
  /** Copies of both, taken when an epoch starts, to restore if it produces a non-finite value. */
  private readonly saved: readonly [GPUBuffer, GPUBuffer];
  /** The tensors laid out, in the schema's order. */
  readonly tensors: readonly TensorSpec[];
  /** Each tensor's element offset in both buffers, by its field and its velocity's. */
  private readonly offsets = new Map<ParameterName, number>();
  readonly dims: Dims;
  readonly weights: GPUBufferBinding;
  readonly visibleBias: GPUBufferBinding;
  readonly hiddenBias: GPUBufferBinding;
  /** One spare buffer per kernel binding that may go unused (writable ones may not alias). */
  readonly unused: { readonly read: GPUBuffer; readonly stat: GPUBuffer; readonly samples: GPUBuffer; readonly loss: GPUBuffer };
  /** Floats in each of the parameter and velocity buffers. */
  readonly floats: number;
  /** The fields the parameters last written carried: only they are read back. */
  private carried = new Set<ParameterName>();

  constructor(
    private readonly device: GPUDevice,
    readonly shape: ModelShape,
  ) {
    this.dims = { V: shape.visible, H: shape.hidden, C: shape.labels };
    this.tensors = modelTensors({ ...shape, centering: true });
    let end = 0;
    for (const spec of this.tensors) {
      end = align(end);
      for (const field of fieldsOf(spec)) this.offsets.set(field, end);
      end += tensorLength(spec, this.dims);
    }
    this.floats = end;
    const names = this.tensors.map((s) => s.field).join(', ');
    this.params = createBuffer(device, `parameters ${names}`, this.floats * 4, Usage.storage);
    this.velocity = createBuffer(device, `momentum of ${names}`, this.floats * 4, Usage.storage);
    this.saved = [
      createBuffer(device, 'parameters at epoch start', this.floats * 4, Usage.storage),
      createBuffer(device, 'momentum at epoch start', this.floats * 4, Usage.storage),
    ];
    [this.weights, this.visibleBias, this.hiddenBias] = [this.binding('weights'), this.binding('visibleBias'), this.binding('hiddenBias')];
    const unused = (slot: string) => createBuffer(device, `unused ${slot}`, 16, Usage.storage);
    this.unused = { read: unused('read'), stat: unused('stat'), samples: unused('samples'), loss: unused('loss') };
  }

  get visible(): number {
    return this.shape.visible;
  }

  get hidden(): number {
    return this.shape.hidden;
  }

  /** The label layer's classes C (0: none). */
  get classes(): number {
    return this.shape.labels;
  }

  /** Whether the layout has a place for `field`. */
  has(field: ParameterName): boolean {
    return this.offsets.has(field);
  }

  /** Whether the parameters last written carried `field`. */
  carries(field: ParameterName): boolean {
    return this.carried.has(field);
  }

  /** The element offset of `field` (a tensor or its velocity) in both buffers. */
  offset(field: ParameterName): number {
    const at = this.offsets.get(field);
    if (at === undefined) throw new RangeError(`the model buffers hold no ${field}`);
    return at;
  }

  /** `field`'s range of the parameter buffer, for binding. */
  binding(field: ParameterName): GPUBufferBinding {
    return { buffer: this.params, offset: this.offset(field) * 4, size: this.length(field) * 4 };
  }

  /** Whether the model is centred: its parameters carry the offsets μ and λ. */
  get centred(): boolean {
    return this.carries('visibleOffset');
  }

  /** Whether the visible units are Gaussian: the parameters carry log-variances z. */
  get gaussian(): boolean {
    return this.carries('visibleLogVariance');
  }

  /**
   * Writes `p`: W, b, c and their velocities, and of the tensors a part of the model brings,
   * all of that part's or none. Refuses a tensor the layout has no place for, or of another length.
   */
  write(p: Parameters): void {
    const given = p as unknown as Partial<Record<ParameterName, Float32Array>>;
    for (const spec of ALL_TENSORS) {
      for (const field of fieldsOf(spec)) {
        if (given[field] !== undefined && !this.has(field)) throw new InvalidArgumentError(field, 'a model of this shape has none');
      }
    }
    const carried = new Set<ParameterName>();
    for (const spec of this.tensors) {
      for (const field of fieldsOf(spec)) {
        const values = given[field];
        if (values === undefined) continue;
        const length = tensorLength(spec, this.dims);
        if (values.length !== length) throw new InvalidArgumentError(field, `expected ${length} values, got ${values.length}`);
        carried.add(field);
      }
    }
    this.checkParts(carried);
    const pack = (fields: (s: TensorSpec) => ParameterName | undefined) => {
      const out = new Float32Array(this.floats);
      for (const spec of this.tensors) {
        const field = fields(spec);
        if (field && carried.has(field)) out.set(given[field]!, this.offset(field));
      }
      return out;
    };
    this.device.queue.writeBuffer(this.params, 0, pack((s) => s.field));
    this.device.queue.writeBuffer(this.velocity, 0, pack((s) => s.velocity?.field));
    this.carried = carried;
  }

  async read(): Promise<Parameters> {
    const [p, v] = await Promise.all([
      readFloats(this.device, this.params, 0, this.floats),
      readFloats(this.device, this.velocity, 0, this.floats),
    ]);
    return this.unpack(p, v);
  }

  /** Parameters from copies of the parameter and velocity buffers' contents: every field the last write carried. */
  unpack(p: Float32Array, v: Float32Array): Parameters {
    const out: Partial<Record<ParameterName, Float32Array>> = {};
    const at = (from: Float32Array, field: ParameterName) => {
      if (!this.carried.has(field)) return;
      const offset = this.offset(field);
      out[field] = from.slice(offset, offset + this.length(field));
    };
    for (const spec of this.tensors) {
      at(p, spec.field);
      if (spec.velocity) at(v, spec.velocity.field);
    }
    return out as unknown as Parameters;
  }

  /** Encodes a copy of every parameter and velocity, to be restored by encodeRestore. */
  encodeSave(encoder: GPUCommandEncoder): void {
    encoder.copyBufferToBuffer(this.params, 0, this.saved[0], 0, this.floats * 4);
    encoder.copyBufferToBuffer(this.velocity, 0, this.saved[1], 0, this.floats * 4);
  }

  encodeRestore(encoder: GPUCommandEncoder): void {
    encoder.copyBufferToBuffer(this.saved[0], 0, this.params, 0, this.floats * 4);
    encoder.copyBufferToBuffer(this.saved[1], 0, this.velocity, 0, this.floats * 4);
  }

  /**
   * matmul.wgsl's bindings: `operands` with B = W and the hidden units' γ (where the model has
   * one), the bindings a variant leaves unused on the spare buffers.
   */
  matmul(operands: MatmulOperands): MatmulResources {
    const spare = this.unused;
    return {
      ...operands,
      b: this.weights,
      stat: operands.stat ?? spare.stat,
      samples: operands.samples ?? spare.samples,
      aux: operands.aux ?? spare.read,
      lossPartials: operands.lossPartials ?? spare.loss,
      hiddenGamma: this.has('hiddenGamma') ? this.binding('hiddenGamma') : spare.read,
    };
  }

  destroy(): void {
    for (const b of [this.params, this.velocity, ...this.saved, ...Object.values(this.unused)]) b.destroy();
  }

  /** Elements of `field`'s tensor. */
  private length(field: ParameterName): number {
    const spec = this.tensors.find((s) => fieldsOf(s).includes(field))!;
    return tensorLength(spec, this.dims);
  }

  /** Refuses parameters that carry some of a part's tensors (a tensor and its velocity, centring's two offsets, a label layer's two) but not all. */
  private checkParts(carried: ReadonlySet<ParameterName>): void {
    const parts = new Map<string, ParameterName[]>();
    for (const spec of this.tensors) {
      const part = COUPLING.includes(spec) ? 'coupling' : spec.owner;
      parts.set(part, [...(parts.get(part) ?? []), ...fieldsOf(spec)]);
    }
    for (const [part, fields] of parts) {
      const missing = fields.filter((f) => !carried.has(f));
      if (missing.length === 0 || (part !== 'coupling' && missing.length === fields.length)) continue;
      const present = fields.filter((f) => carried.has(f));
      throw new InvalidArgumentError(missing[0], part === 'coupling' ? 'every model has it' : `the parameters carry ${present.join(', ')} without ${missing.join(', ')}`);
    }
  }
}

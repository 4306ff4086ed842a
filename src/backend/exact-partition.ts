import { InvalidArgumentError } from '../errors.js';
import { LogSumExp, softplus } from '../math.js';
import { yieldToEventLoop } from '../event-loop.js';
import type { Parameters } from '../parameters.js';
import type { HiddenLayer, ModelLayers } from '../layers/layer.js';
import type { HiddenType, VisibleType } from '../layers/registry.js';
import { gaussianNormaliser } from '../layers/gaussian.js';

export { gaussianNormaliser };
import { groupLogNormaliser } from '../layers/softmax.js';

/** Enumerating 2^n states is refused above this n: 2^24 states already take minutes. */
export const MAX_EXACT_UNITS = 24;

const tooManyStates = (n: number) => `'exact' sums over 2^${n} states of the smaller layer; it is limited to ${MAX_EXACT_UNITS} units (use method: 'ais')`;
const tooManyGaussian = (hidden: number) => `'exact' sums over the 2^${hidden} hidden states (Gaussian visible units are integrated out); it is limited to ${MAX_EXACT_UNITS} hidden units (use method: 'ais')`;
const tooManySoftmax = (hidden: number) => `'exact' sums over the 2^${hidden} hidden states of a softmax model; it is limited to ${MAX_EXACT_UNITS} hidden units (use method: 'ais')`;
const tooManyVisible = (visible: number, hiddenType: string) => `'exact' sums over the 2^${visible} visible states (the ${hiddenType} hidden units are integrated out); it is limited to ${MAX_EXACT_UNITS} visible units (use method: 'ais')`;

/**
 * Why exact log Z cannot be summed for a model of these unit types and sizes, in an error's words,
 * or undefined where it can: the layer summed over must be binary and of at most MAX_EXACT_UNITS
 * units (the smaller one of two binary layers; the hidden one beside Gaussian or softmax visible
 * units; the visible one beside hidden units that are not binary). Read before anything runs.
 */
export function exactLimit(visibleType: VisibleType, hiddenType: HiddenType, visible: number, hidden: number): string | undefined {
  const visibleKind = typeof visibleType === 'object' ? 'softmax' : visibleType;
  if (hiddenType === 'binary') {
    if (visibleKind === 'binary') return Math.min(visible, hidden) > MAX_EXACT_UNITS ? tooManyStates(Math.min(visible, hidden)) : undefined;
    if (hidden <= MAX_EXACT_UNITS) return undefined;
    return visibleKind === 'gaussian' ? tooManyGaussian(hidden) : tooManySoftmax(hidden);
  }
  if (visibleKind !== 'binary') return `'exact' needs a layer of binary units to sum over; with ${visibleKind} visible and ${hiddenType} hidden units use method: 'ais'`;
  return visible > MAX_EXACT_UNITS ? tooManyVisible(visible, hiddenType) : undefined;
}

/** What exact enumeration sums over: the smaller layer's n units, with the other m summed out. */
export interface Enumeration {
  readonly n: number;
  readonly m: number;
  /** Row k: the weights from enumerated unit k to each of the m others. */
  readonly columns: Float32Array;
  readonly ownBias: Float32Array;
  readonly otherBias: Float32Array;
}

/** Chooses the smaller layer to enumerate; refuses more than MAX_EXACT_UNITS units. */
export function enumeration(p: Parameters, visible: number, hidden: number): Enumeration {
  const n = Math.min(visible, hidden);
  if (n > MAX_EXACT_UNITS) throw new InvalidArgumentError('method', tooManyStates(n));
  return layerEnumeration(p, visible, hidden, hidden <= visible);
}

/**
 * What exact enumeration sums over with Gaussian visible units: every hidden state, the visible
 * units integrated out; refuses more than MAX_EXACT_UNITS hidden units.
 */
export function gaussianEnumeration(p: Parameters, visible: number, hidden: number): Enumeration {
  checkGaussianEnumeration(hidden);
  return layerEnumeration(p, visible, hidden, true);
}

/** Refuses to enumerate the hidden states of a Gaussian model with more than MAX_EXACT_UNITS hidden units. */
function checkGaussianEnumeration(hidden: number): void {
  if (hidden > MAX_EXACT_UNITS) throw new InvalidArgumentError('method', tooManyGaussian(hidden));
}

/** The enumeration over the hidden layer (`overHidden`) or the visible one. */
function layerEnumeration(p: Parameters, visible: number, hidden: number, overHidden: boolean): Enumeration {
  const n = overHidden ? hidden : visible;
  const m = overHidden ? visible : hidden;
  const columns = new Float32Array(n * m);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < m; i++) columns[k * m + i] = overHidden ? p.weights[i * hidden + k] : p.weights[k * hidden + i];
  }
  return {
    n,
    m,
    columns,
    ownBias: overHidden ? p.hiddenBias : p.visibleBias,
    otherBias: overHidden ? p.visibleBias : p.hiddenBias,
  };
}

/**
 * log Z exactly, summing over every state of the smaller layer with the other summed out
 * analytically: log Z = log Σ_h exp(c·h + Σ_i softplus(b_i + (W h)_i)), or the same over v.
 * States are visited in Gray-code order so that each costs one column update. Refuses layers
 * of more than MAX_EXACT_UNITS units.
 */
export async function exactLogPartition(p: Parameters, visible: number, hidden: number): Promise<number> {
  const { n, m, columns, ownBias, otherBias } = enumeration(p, visible, hidden);
  const activation = Float64Array.from(otherBias);
  const state = new Uint8Array(n);
  let linear = 0;
  const total = new LogSumExp();
  const states = 2 ** n;
  for (let s = 0; s < states; s++) {
    if (s > 0) {
      // Gray code: state s differs from state s − 1 in bit (number of trailing zeros of s).
      const k = 31 - Math.clz32(s & -s);
      const sign = state[k] === 0 ? 1 : -1;
      state[k] ^= 1;
      linear += sign * ownBias[k];
      for (let i = 0; i < m; i++) activation[i] += sign * columns[k * m + i];
    }
    let term = linear;
    for (let i = 0; i < m; i++) term += softplus(activation[i]);
    total.add(term);
    if ((s & 0xffff) === 0xffff) await yieldToEventLoop();
  }
  return total.value;
}

/**
 * log Z of a model with Gaussian visible units (Parameters.visibleLogVariance), summing over
 * every hidden state with the visible units integrated out analytically:
 * log Z = Σᵢ ½·log(2πσᵢ²) + log Σ_h exp(c·h + Σᵢ ((bᵢ + (W·h)ᵢ)² − bᵢ²) / 2σᵢ²).
 * Hidden states are visited in Gray-code order; refuses more than MAX_EXACT_UNITS hidden units.
 */
export async function exactGaussianLogPartition(p: Parameters, visible: number, hidden: number): Promise<number> {
  checkGaussianEnumeration(hidden);
  const z = p.visibleLogVariance!;
  const precision = Float64Array.from(z, (zi) => Math.exp(-zi));
  const mean = Float64Array.from(p.visibleBias);
  const state = new Uint8Array(hidden);
  let linear = 0;
  const total = new LogSumExp();
  const states = 2 ** hidden;
  for (let s = 0; s < states; s++) {
    if (s > 0) {
      const k = 31 - Math.clz32(s & -s);
      const sign = state[k] === 0 ? 1 : -1;
      state[k] ^= 1;
      linear += sign * p.hiddenBias[k];
      for (let i = 0; i < visible; i++) mean[i] += sign * p.weights[i * hidden + k];
    }
    let term = linear;
    for (let i = 0; i < visible; i++) term += 0.5 * (mean[i] * mean[i] - p.visibleBias[i] * p.visibleBias[i]) * precision[i];
    total.add(term);
    if ((s & 0xffff) === 0xffff) await yieldToEventLoop();
  }
  return gaussianNormaliser(z) + total.value;
}

/**
 * log Z of a model whose visible units form softmax groups of `size`, summing over every hidden
 * state with each group's categories summed out: log Z = log Σ_h exp(c·h + Σ_groups
 * log Σ_k exp(b_k + (W·h)_k)). Hidden states in Gray-code order; at most MAX_EXACT_UNITS hidden units.
 */
export async function exactSoftmaxLogPartition(p: Parameters, visible: number, hidden: number, size: number): Promise<number> {
  if (hidden > MAX_EXACT_UNITS) throw new InvalidArgumentError('method', tooManySoftmax(hidden));
  const logits = Float64Array.from(p.visibleBias);
  const state = new Uint8Array(hidden);
  let linear = 0;
  const total = new LogSumExp();
  for (let s = 0; s < 2 ** hidden; s++) {
    if (s > 0) {
      const k = 31 - Math.clz32(s & -s);
      const sign = state[k] === 0 ? 1 : -1;
      state[k] ^= 1;
      linear += sign * p.hiddenBias[k];
      for (let i = 0; i < visible; i++) logits[i] += sign * p.weights[i * hidden + k];
    }
    total.add(linear + groupLogNormaliser(logits, size));
    if ((s & 0xffff) === 0xffff) await yieldToEventLoop();
  }
  return total.value;
}

/**
 * log Z with hidden units that are not binary, summing over every visible state (binary visible
 * units) with the hidden units integrated out by their free-energy terms:
 * log Z = log Σ_v exp(b·v − Σ_j F_j(c_j + (v·W)_j)). Visible states in Gray-code order; at most
 * MAX_EXACT_UNITS visible units.
 */
export async function exactVisibleLogPartition(hidden: HiddenLayer, p: Parameters, visible: number, hiddenUnits: number): Promise<number> {
  if (visible > MAX_EXACT_UNITS) throw new InvalidArgumentError('method', tooManyVisible(visible, hidden.type));
  const activation = Float64Array.from(p.hiddenBias);
  const state = new Uint8Array(visible);
  let linear = 0;
  const total = new LogSumExp();
  for (let s = 0; s < 2 ** visible; s++) {
    if (s > 0) {
      const k = 31 - Math.clz32(s & -s);
      const sign = state[k] === 0 ? 1 : -1;
      state[k] ^= 1;
      linear += sign * p.visibleBias[k];
      for (let j = 0; j < hiddenUnits; j++) activation[j] += sign * p.weights[k * hiddenUnits + j];
    }
    let term = linear;
    for (let j = 0; j < hiddenUnits; j++) term -= hidden.freeEnergy(p, activation[j], j);
    total.add(term);
    if ((s & 0xffff) === 0xffff) await yieldToEventLoop();
  }
  return total.value;
}

/** Exact log Z for the model's pair of unit types, summing over the layer that can be enumerated. */
export function exactLogPartitionOf(layers: ModelLayers, p: Parameters, visible: number, hidden: number): Promise<number> {
  const { visible: v, hidden: h } = layers;
  const limit = exactLimit(v.type === 'softmax' ? { softmax: v.groupSize! } : v.type, h.type as HiddenType, visible, hidden);
  if (limit) throw new InvalidArgumentError('method', limit);
  if (h.type === 'binary') {
    if (v.type === 'gaussian') return exactGaussianLogPartition(p, visible, hidden);
    if (v.type === 'softmax') return exactSoftmaxLogPartition(p, visible, hidden, v.groupSize!);
    return exactLogPartition(p, visible, hidden);
  }
  return exactVisibleLogPartition(h, p, visible, hidden);
}

import { InvalidArgumentError } from '../errors.js';
import { LogSumExp, softplus } from '../math.js';
import { yieldToEventLoop } from '../event-loop.js';
import type { Parameters } from './backend.js';

/** Enumerating 2^n states is refused above this n: 2^24 states already take minutes. */
export const MAX_EXACT_UNITS = 24;

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
  if (n > MAX_EXACT_UNITS) {
    throw new InvalidArgumentError(
      'method',
      `'exact' sums over 2^${n} states of the smaller layer; it is limited to ${MAX_EXACT_UNITS} units (use method: 'ais')`,
    );
  }
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
  if (hidden > MAX_EXACT_UNITS) {
    throw new InvalidArgumentError(
      'method',
      `'exact' sums over the 2^${hidden} hidden states (Gaussian visible units are integrated out); it is limited to ${MAX_EXACT_UNITS} hidden units (use method: 'ais')`,
    );
  }
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

/** Σᵢ ½·log(2πσᵢ²): the visible units' Gaussian integrals in log Z, from their log-variances z. */
export function gaussianNormaliser(logVariance: Float32Array): number {
  let sum = 0;
  for (const z of logVariance) sum += 0.5 * (Math.log(2 * Math.PI) + z);
  return sum;
}

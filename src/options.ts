import type { GpuOptions } from './gpu-options.js';
import { checkCombination } from './combinations.js';
import { InvalidArgumentError } from './errors.js';
import type { Statistics } from './layers/layer.js';
import { HIDDEN_LAYERS, type HiddenType, type VisibleType } from './layers/registry.js';

export type { HiddenType, VisibleType };

/** Which device trains the model: the CPU, the GPU (an error if there is none), or the GPU when there is one. */
export type DeviceChoice = boolean | 'auto';

export interface RbmOptions {
  /** Number of visible units (784 for MNIST). */
  readonly visible: number;
  /** Number of hidden units. */
  readonly hidden: number;
  /** Train and infer on the GPU through WebGPU; default false, as simple_rbm's use_GPU. */
  readonly useGPU?: DeviceChoice;
  /** Default 1e-4 (simple_rbm). */
  readonly learningRate?: number;
  /** Default 0.95 (simple_rbm); 0 for plain gradient steps (echen). */
  readonly momentum?: number;
  /** Seeds initialisation, shuffling and sampling; an integer in [0, 2³²). Default 0. */
  readonly seed?: number;
  /**
   * Default 'samples' (simple_rbm); echen uses 'probabilities'; 'mixed' is the PyTorch
   * tutorial's (probabilities in the statistics, the hidden units read sampled visible states).
   */
  readonly statistics?: Statistics;
  /** Default 'sum' (simple_rbm); echen and sklearn use 'mean'. */
  readonly gradient?: 'sum' | 'mean';
  /**
   * The initial weights' distribution: 'uniform' (default, simple_rbm's Xavier bound
   * initScale·√(6 / (V + H))) or 'normal' (N(0, initScale²), the PyTorch tutorial's with initScale 0.1).
   */
  readonly initDistribution?: 'uniform' | 'normal';
  /** Multiplies the Xavier bound √(6 / (V + H)) of uniform initial weights, or is normal ones' standard deviation; default 1, echen uses 0.1. */
  readonly initScale?: number;
  /** Gibbs steps in the negative phase (CD-k); default 1. */
  readonly cdSteps?: number;
  /** Persistent contrastive divergence (PCD, as scikit-learn trains); default false. */
  readonly persistent?: boolean;
  /** L2 weight decay λ (the weight step becomes (1 − m)·lr·(g − λ·W)); default 0. */
  readonly weightDecay?: number;
  /**
   * Momentum by epoch, as Hinton's guide suggests ([{ epoch: 1, momentum: 0.5 }, { epoch: 6,
   * momentum: 0.9 }]): each entry applies from its (1-based) epoch on; before the first, `momentum`.
   */
  readonly momentumSchedule?: readonly MomentumStep[];
  /**
   * The visible biases at the first fit: 'zero' (simple_rbm's default) or 'data', the
   * log-odds log(p / (1 − p)) of the training data's visible means (p clipped to [0.001, 0.999]).
   */
  readonly visibleBiasInit?: 'zero' | 'data';
  /**
   * Centred training (Melchior, Fischer & Wiskott, JMLR 2016): gradients centred on the data's
   * visible means and on hidden offsets that follow the positive phase's mean at `offsetRate`
   * (default 0.01); the visible biases start from the data. `true` for the default rate.
   */
  readonly centering?: boolean | { readonly offsetRate?: number };
  /**
   * Parallel tempering (Desjardins et al., AISTATS 2010) with persistent chains at
   * `temperatures` inverse temperatures evenly spaced from 1 to 0, neighbours swapping states
   * after every sweep; needs persistent: true. fit reports the swap rate per epoch.
   */
  readonly parallelTempering?: false | { readonly temperatures: number };
  /**
   * 'binary' (default): Bernoulli visible units, data in [0, 1]. 'gaussian': real-valued
   * visible units with the energy of Cho, Ilin & Raiko (ICANN 2011),
   * E(v, h) = Σᵢ (vᵢ − bᵢ)²/2σᵢ² − Σᵢⱼ (vᵢ/σᵢ²)·Wᵢⱼ·hⱼ − c·h; data may be any finite value.
   */
  readonly visibleType?: VisibleType;
  /**
   * The hidden units' type: 'binary' (default, Bernoulli); 'gaussian', real-valued units with
   * U(h) = γh²/2 − θh (Tubiana & Monasson, PRL 2017), h | v ~ N((θ + v·W)/γ, 1/γ), γ learned per
   * unit (Parameters.hiddenGamma; θ is the hidden bias); 'relu', the same restricted to h ≥ 0 (a
   * truncated normal: Nair & Hinton's rectified units in the exact form of Tubiana & Monasson).
   * docs/layers.md has each type's energy, free energy and sampler.
   */
  readonly hiddenType?: HiddenType;
  /**
   * Gaussian visible units: learn each unit's log-variance log σᵢ² (default true); false keeps
   * σ = 1, for standardised data (Hinton's guide, §13.2).
   */
  readonly learnVariance?: boolean;
  /**
   * A label layer of this many classes (the classification RBM of Larochelle & Bengio, ICML
   * 2008): fit then takes `labels`, and predict/predictProba give classes. Default 0: none.
   */
  readonly labels?: number;
  /**
   * With labels: the gradient training follows — of log p(y | x) ('discriminative', the
   * default), of log p(x, y) by CD-k ('generative'), or the first plus generativeWeight times
   * the second ('hybrid').
   */
  readonly objective?: Objective;
  /** The hybrid objective's weight α of the generative gradient (default 0.01, Larochelle & Bengio's MNIST setting). */
  readonly generativeWeight?: number;
  /** How the WebGPU backend finds its device (Dawn flags, power preference). */
  readonly gpu?: GpuOptions;
  /**
   * CPU worker threads for the WebAssembly SIMD kernels; default: the number of cores. 0 uses
   * the plain TypeScript reference kernels on the calling thread.
   */
  readonly threads?: number;
}

/** The size of a softmax model's visible groups; undefined for binary and Gaussian units. */
export function softmaxGroup(visibleType: VisibleType): number | undefined {
  return typeof visibleType === 'object' ? visibleType.softmax : undefined;
}
export type Objective = 'generative' | 'discriminative' | 'hybrid';

/** The most classes a label layer may have. */
export const MAX_CLASSES = 65536;

/**
 * What each epoch's loss is: simple_rbm's KL divergence, with Gaussian visible units the
 * reconstruction's mean squared error, with a label layer the mean −log p(y | x).
 */
export function lossName(visibleType: VisibleType, labels = 0): string {
  if (labels > 0) return 'label cross-entropy';
  if (softmaxGroup(visibleType)) return 'softmax cross-entropy';
  return visibleType === 'gaussian' ? 'reconstruction MSE' : 'KL divergence';
}

export interface MomentumStep {
  readonly epoch: number;
  readonly momentum: number;
}

export type ResolvedOptions = Required<Omit<RbmOptions, 'threads' | 'centering' | 'parallelTempering'>> & {
  readonly threads: number | undefined;
  readonly centering: false | { readonly offsetRate: number };
  readonly parallelTempering: false | { readonly temperatures: number };
};

/** The most inverse temperatures parallel tempering runs (each costs a chain per batch row). */
export const MAX_TEMPERATURES = 64;

/** The offset rate `centering: true` means. */
export const DEFAULT_OFFSET_RATE = 0.01;

export const DEFAULTS = {
  useGPU: false,
  learningRate: 1e-4,
  momentum: 0.95,
  seed: 0,
  statistics: 'samples',
  gradient: 'sum',
  initDistribution: 'uniform',
  initScale: 1,
  cdSteps: 1,
  persistent: false,
  weightDecay: 0,
  momentumSchedule: [],
  visibleBiasInit: 'zero',
  centering: false,
  parallelTempering: false,
  visibleType: 'binary',
  hiddenType: 'binary',
  learnVariance: true,
  labels: 0,
  objective: 'discriminative',
  generativeWeight: 0.01,
  gpu: {},
  threads: undefined,
} as const satisfies Omit<ResolvedOptions, 'visible' | 'hidden'>;

/** Largest layer size accepted; W must fit in one typed array. */
const MAX_WEIGHTS = 2 ** 30;

export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(name, `expected a positive integer, got ${String(value)}`);
  }
  return value;
}

export function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(name, `expected a non-negative integer, got ${String(value)}`);
  }
  return value;
}

function numberIn(name: string, value: unknown, low: number, high: number, lowOpen: boolean, highOpen: boolean): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (lowOpen ? value > low : value >= low) &&
    (highOpen ? value < high : value <= high);
  if (!ok) {
    const range = `${lowOpen ? '(' : '['}${low}, ${high}${highOpen ? ')' : ']'}`;
    throw new InvalidArgumentError(name, `expected a number in ${range}, got ${String(value)}`);
  }
  return value as number;
}

export function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw new InvalidArgumentError(name, `expected one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${String(value)}`);
  }
  return value as T;
}

/** Edit distance between two names, ignoring case (a misspelling's distance to what was meant). */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length];
}

/** The length of the case-insensitive common prefix of two names. */
function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n].toLowerCase() === b[n].toLowerCase()) n++;
  return n;
}

/** " (did you mean 'x'?)" for the known name a misspelling most likely meant, or ''. */
function closestName(key: string, allowed: readonly string[]): string {
  const scored = allowed.map((name) => ({ name, d: distance(key, name), prefix: commonPrefix(key, name) }));
  const near = scored.filter((s) => s.d <= Math.max(2, Math.floor(key.length / 3)) || (s.prefix >= 3 && s.prefix >= Math.min(key.length, s.name.length) * 0.6));
  near.sort((a, b) => a.d - b.d || b.prefix - a.prefix);
  return near.length > 0 ? ` (did you mean '${near[0].name}'?)` : '';
}

/**
 * Refuses keys of an options object that are not in `allowed`, suggesting the closest known
 * key ("did you mean 'useGPU'?"): a misspelled option must never be silently ignored.
 * `argument` names the object in the error ('options', 'fit options', …); `hint` adds advice.
 */
export function checkKeys(argument: string, options: object, allowed: readonly string[], hint = ''): void {
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    const suggestion = closestName(key, allowed);
    throw new InvalidArgumentError(argument, `unknown option '${key}'${suggestion}; the options are ${allowed.join(', ')}${hint}`);
  }
}

/**
 * An options argument: undefined gives {}, anything but a plain object is refused, and so is
 * any key not in `allowed` (checkKeys).
 */
export function optionsObject<T extends object>(argument: string, value: T | undefined, allowed: readonly (keyof T & string)[], hint = ''): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, `expected an object with some of ${allowed.join(', ')}, got ${value === null ? 'null' : typeof value}`);
  }
  checkKeys(argument, value, allowed, hint);
  return value;
}

/** Every key RbmOptions accepts. */
export const RBM_OPTION_KEYS: readonly (keyof RbmOptions)[] = ['visible', 'hidden', ...(Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[])];

/** Checks every option and fills in the defaults; throws InvalidArgumentError naming the first bad one. */
export function resolveOptions(options: RbmOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options', 'expected an object such as { visible: 784, hidden: 64 }');
  }
  checkKeys('options', options, RBM_OPTION_KEYS);
  const o = { ...DEFAULTS, ...options };
  const visible = positiveInteger('visible', o.visible);
  const hidden = positiveInteger('hidden', o.hidden);
  if (visible * hidden > MAX_WEIGHTS) {
    throw new InvalidArgumentError('hidden', `visible × hidden = ${visible * hidden} exceeds ${MAX_WEIGHTS} weights`);
  }
  if (o.useGPU !== true && o.useGPU !== false && o.useGPU !== 'auto') {
    throw new InvalidArgumentError('useGPU', `expected true, false or 'auto', got ${String(o.useGPU)}`);
  }
  const seed = nonNegativeInteger('seed', o.seed);
  if (seed >= 2 ** 32) throw new InvalidArgumentError('seed', `expected an integer below 2^32, got ${seed}`);
  const visibleType = visibleUnits(o.visibleType, visible);
  const hiddenType = oneOf('hiddenType', o.hiddenType, Object.keys(HIDDEN_LAYERS) as HiddenType[]);
  const learnVariance = boolean('learnVariance', o.learnVariance);
  if (visibleType === 'binary' && !learnVariance) throw new InvalidArgumentError('learnVariance', "applies to visibleType: 'gaussian' only");
  const labels = nonNegativeInteger('labels', o.labels);
  if (labels === 1 || labels > MAX_CLASSES) throw new InvalidArgumentError('labels', `expected 0 (no label layer) or 2 to ${MAX_CLASSES} classes, got ${labels}`);
  const objective = oneOf('objective', o.objective, ['generative', 'discriminative', 'hybrid']);
  const generativeWeight = numberIn('generativeWeight', o.generativeWeight, 0, Infinity, true, true);
  if (labels === 0) {
    if (objective !== DEFAULTS.objective) throw new InvalidArgumentError('objective', 'applies to a model with labels only');
    if (generativeWeight !== DEFAULTS.generativeWeight) throw new InvalidArgumentError('generativeWeight', "applies to a model with labels and objective: 'hybrid' only");
  } else {
    if (generativeWeight !== DEFAULTS.generativeWeight && objective !== 'hybrid') throw new InvalidArgumentError('generativeWeight', "applies to objective: 'hybrid' only");
  }
  const statistics = oneOf('statistics', o.statistics, ['samples', 'probabilities', 'mixed']);
  const persistent = boolean('persistent', o.persistent);
  const centred = centering(o.centering);
  const tempering = parallelTempering(o.parallelTempering);
  checkCombination({ visibleType, hiddenType, labels, centering: centred !== false, parallelTempering: tempering !== false, persistent, statistics });
  return {
    visible,
    hidden,
    useGPU: o.useGPU,
    learningRate: numberIn('learningRate', o.learningRate, 0, Infinity, true, true),
    momentum: numberIn('momentum', o.momentum, 0, 1, false, true),
    seed,
    statistics,
    gradient: oneOf('gradient', o.gradient, ['sum', 'mean']),
    initDistribution: oneOf('initDistribution', o.initDistribution, ['uniform', 'normal']),
    initScale: numberIn('initScale', o.initScale, 0, Infinity, false, true),
    cdSteps: positiveInteger('cdSteps', o.cdSteps),
    persistent,
    weightDecay: numberIn('weightDecay', o.weightDecay, 0, Infinity, false, true),
    momentumSchedule: momentumSchedule(o.momentumSchedule),
    visibleBiasInit: oneOf('visibleBiasInit', o.visibleBiasInit, ['zero', 'data']),
    centering: centred,
    parallelTempering: tempering,
    visibleType,
    hiddenType,
    learnVariance,
    labels,
    objective,
    generativeWeight,
    gpu: gpuOptions(o.gpu),
    threads: o.threads === undefined ? undefined : nonNegativeInteger('threads', o.threads),
  };
}

function visibleUnits(value: unknown, visible: number): VisibleType {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return oneOf<'binary' | 'gaussian'>('visibleType', value, ['binary', 'gaussian']);
  const o = optionsObject<{ softmax?: number }>('visibleType', value, ['softmax']);
  const size = positiveInteger('visibleType.softmax', o.softmax);
  if (size < 2) throw new InvalidArgumentError('visibleType.softmax', `expected groups of at least 2 units, got ${size}`);
  if (visible % size !== 0) throw new InvalidArgumentError('visibleType.softmax', `${visible} visible units do not split into groups of ${size}`);
  return { softmax: size };
}

function gpuOptions(gpu: unknown): GpuOptions {
  if (gpu === null || typeof gpu !== 'object' || Array.isArray(gpu)) throw new InvalidArgumentError('gpu', 'expected an object');
  checkKeys('gpu', gpu, ['flags', 'powerPreference', 'maxBindingBytes', 'device']);
  const g = gpu as GpuOptions;
  if (g.flags !== undefined && !(Array.isArray(g.flags) && g.flags.every((f) => typeof f === 'string'))) {
    throw new InvalidArgumentError('gpu.flags', "expected an array of strings such as ['backend=vulkan']");
  }
  if (g.maxBindingBytes !== undefined) positiveInteger('gpu.maxBindingBytes', g.maxBindingBytes);
  if (g.device !== undefined && (g.device === null || typeof g.device.createBuffer !== 'function')) {
    throw new InvalidArgumentError('gpu.device', 'expected a GPUDevice');
  }
  if (g.powerPreference !== undefined) oneOf('gpu.powerPreference', g.powerPreference, ['low-power', 'high-performance']);
  return g;
}

function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(name, `expected true or false, got ${String(value)}`);
  return value;
}

function centering(value: unknown): ResolvedOptions['centering'] {
  if (value === false) return false;
  if (value === true) return { offsetRate: DEFAULT_OFFSET_RATE };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('centering', `expected true, false or { offsetRate }, got ${String(value)}`);
  const o = optionsObject<{ offsetRate?: number }>('centering', value, ['offsetRate']);
  return { offsetRate: numberIn('centering.offsetRate', o.offsetRate ?? DEFAULT_OFFSET_RATE, 0, 1, true, false) };
}

function parallelTempering(value: unknown): ResolvedOptions['parallelTempering'] {
  if (value === false) return false;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidArgumentError('parallelTempering', `expected false or { temperatures }, got ${String(value)}`);
  const o = optionsObject<{ temperatures?: number }>('parallelTempering', value, ['temperatures']);
  const temperatures = positiveInteger('parallelTempering.temperatures', o.temperatures);
  if (temperatures < 2 || temperatures > MAX_TEMPERATURES) throw new InvalidArgumentError('parallelTempering.temperatures', `expected 2 to ${MAX_TEMPERATURES}, got ${temperatures}`);
  return { temperatures };
}

function momentumSchedule(value: unknown): readonly MomentumStep[] {
  if (!Array.isArray(value)) throw new InvalidArgumentError('momentumSchedule', 'expected an array of { epoch, momentum }');
  let previous = 0;
  return value.map((step: unknown, i) => {
    const s = optionsObject<MomentumStep>(`momentumSchedule[${i}]`, step as MomentumStep, ['epoch', 'momentum']);
    const epoch = positiveInteger(`momentumSchedule[${i}].epoch`, s?.epoch);
    if (epoch <= previous) throw new InvalidArgumentError(`momentumSchedule[${i}].epoch`, 'epochs must increase');
    previous = epoch;
    return { epoch, momentum: numberIn(`momentumSchedule[${i}].momentum`, s.momentum, 0, 1, false, true) };
  });
}

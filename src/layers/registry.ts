import { CENTRING, COUPLING, LABELS, type TensorSpec } from '../parameters.js';
import { binaryHidden, binaryVisible } from './binary.js';
import { gaussianHidden, gaussianVisible } from './gaussian.js';
import type { HiddenLayer, ModelLayers, VisibleLayer } from './layer.js';
import { reluHidden } from './relu.js';
import { softmaxVisible } from './softmax.js';

/**
 * The unit types a model can have, by name: one line each. A new type is a layer file here (its
 * description and reference math), a WGSL snippet in shaders/layers/, an AssemblyScript file in
 * src/backend/wasm/assembly/layers/, and its line below (docs/layers.md).
 */
export const HIDDEN_LAYERS = {
  binary: () => binaryHidden,
  gaussian: gaussianHidden,
  relu: reluHidden,
} as const satisfies Readonly<Record<string, () => HiddenLayer>>;

/** The hidden unit types, by the registry's names. */
export type HiddenType = keyof typeof HIDDEN_LAYERS;

/**
 * 'binary' (Bernoulli), 'gaussian' (real values), or { softmax: K }: each run of K visible units
 * is one categorical variable, given one-hot (all zeros: missing).
 */
export type VisibleType = 'binary' | 'gaussian' | { readonly softmax: number };

/** What a model's layers are made from: its unit types, and the Gaussian visible units' option. */
export interface LayerChoice {
  readonly visibleType: VisibleType;
  readonly hiddenType: HiddenType;
  readonly learnVariance: boolean;
}

export function visibleLayer(type: VisibleType, learnVariance: boolean): VisibleLayer {
  if (typeof type === 'object') return softmaxVisible(type.softmax);
  return type === 'gaussian' ? gaussianVisible(learnVariance) : binaryVisible;
}

export function modelLayers(choice: LayerChoice): ModelLayers {
  return { visible: visibleLayer(choice.visibleType, choice.learnVariance), hidden: HIDDEN_LAYERS[choice.hiddenType]() };
}

/** What decides which tensors a model has. */
export interface ModelKind {
  readonly visibleType: VisibleType;
  readonly hiddenType: HiddenType;
  readonly centering: unknown;
  readonly labels: number;
}

/** Every tensor a model of this kind has (persistent chains apart): the schema the checks, files and buffers follow. */
export function modelTensors(kind: ModelKind): readonly TensorSpec[] {
  const { visible, hidden } = modelLayers({ visibleType: kind.visibleType, hiddenType: kind.hiddenType, learnVariance: false });
  return [...COUPLING, ...visible.tensors, ...hidden.tensors, ...(kind.centering ? CENTRING : []), ...(kind.labels > 0 ? LABELS : [])];
}

/** One layer of each visible type, for what they declare (their tensors). */
const VISIBLE_KINDS: readonly VisibleLayer[] = [binaryVisible, gaussianVisible(false), softmaxVisible(2)];

/** The visible types in words, by layer type. */
const VISIBLE_NAMES: Readonly<Record<VisibleLayer['type'], string>> = { binary: 'binary', gaussian: 'Gaussian', softmax: 'softmax groups' };

/** Every tensor any model may have, for readers that learn the kind from the arrays present. */
export const ALL_TENSORS: readonly TensorSpec[] = [
  ...COUPLING,
  ...new Set([...VISIBLE_KINDS.flatMap((l) => l.tensors), ...Object.values(HIDDEN_LAYERS).flatMap((make) => make().tensors)]),
  ...CENTRING,
  ...LABELS,
];

/** A visible type in words: 'binary', 'Gaussian', 'softmax (groups of K)'. */
export function describeType(type: VisibleType): string {
  return typeof type === 'object' ? `softmax (groups of ${type.softmax})` : type === 'gaussian' ? 'Gaussian' : type;
}

/** A hidden type in words: 'binary', 'Gaussian', 'ReLU'. */
export function describeHidden(type: HiddenType): string {
  return type === 'gaussian' ? 'Gaussian' : type === 'relu' ? 'ReLU' : type;
}

/** The unit types that own a tensor, in words ('Gaussian visible units'). */
export function unitTypesOwning(spec: TensorSpec): string[] {
  const visible = VISIBLE_KINDS.filter((l) => l.tensors.includes(spec)).map((l) => `${VISIBLE_NAMES[l.type]} visible units`);
  const hidden = (Object.keys(HIDDEN_LAYERS) as HiddenType[]).filter((name) => HIDDEN_LAYERS[name]().tensors.includes(spec)).map(describeHidden);
  return [...visible, ...(hidden.length > 0 ? [`${hidden.join(' or ')} hidden units`] : [])];
}

import type { VisibleHalfStep, VisibleLayer, VisibleStates } from './layer.js';

/**
 * Softmax visible groups (docs/training-step.md, "Softmax visible groups"): each run of K visible
 * units is one categorical variable, one-hot in the data; a group of zeros is missing
 * (Salakhutdinov, Mnih & Hinton, "Restricted Boltzmann machines for collaborative filtering",
 * ICML 2007) and stays zero in the model's statistics too. A sampled group takes one uniform.
 */

/**
 * Each group's probabilities softmax(logits) in place, rows × V in groups of `size`; with
 * `draws` (one uniform per row and group, rows × V/size), the one-hot sample instead: the
 * first unit whose cumulative probability exceeds the draw.
 */
export function softmaxGroups(logits: Float32Array, rows: number, visible: number, size: number, draws?: Float32Array): void {
  const groups = visible / size;
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const at = r * visible + g * size;
      let top = -Infinity;
      for (let k = 0; k < size; k++) top = Math.max(top, logits[at + k]);
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp(logits[at + k] - top);
      if (!draws) {
        for (let k = 0; k < size; k++) logits[at + k] = Math.exp(logits[at + k] - top) / sum;
        continue;
      }
      const u = draws[r * groups + g];
      let chosen = size - 1;
      let cumulative = 0;
      for (let k = 0; k < size - 1; k++) {
        cumulative += Math.exp(logits[at + k] - top) / sum;
        if (u < cumulative) {
          chosen = k;
          break;
        }
      }
      for (let k = 0; k < size; k++) logits[at + k] = k === chosen ? 1 : 0;
    }
  }
}

/** Zeroes, in `v`, every group that is all zeros in `x` (the data's missing values). */
export function maskMissingGroups(x: Float32Array, v: Float32Array, rows: number, visible: number, size: number): void {
  for (let at = 0; at < rows * visible; at += size) {
    let observed = false;
    for (let k = 0; k < size && !observed; k++) observed = x[at + k] !== 0;
    if (!observed) v.fill(0, at, at + size);
  }
}

/**
 * −mean over the observed groups of log p(x's category | a), a the visible logits (rows × V):
 * the reconstruction's cross-entropy in nats per categorical variable (0 when none is observed).
 */
export function softmaxCrossEntropy(x: Float32Array, a: Float32Array, rows: number, visible: number, size: number): number {
  let [total, observed] = [0, 0];
  for (let at = 0; at < rows * visible; at += size) {
    let top = -Infinity;
    for (let k = 0; k < size; k++) top = Math.max(top, a[at + k]);
    let sum = 0;
    for (let k = 0; k < size; k++) sum += Math.exp(a[at + k] - top);
    for (let k = 0; k < size; k++) {
      if (x[at + k] === 0) continue;
      total -= x[at + k] * (a[at + k] - top - Math.log(sum));
      observed++;
    }
  }
  return observed === 0 ? 0 : total / observed;
}

/**
 * log Σ_k exp(a_k) over each group of `size` units of `a`, summed over the groups: the log
 * normaliser of independent softmax groups with logits a.
 */
export function groupLogNormaliser(a: ArrayLike<number>, size: number): number {
  let total = 0;
  for (let at = 0; at < a.length; at += size) {
    let top = -Infinity;
    for (let k = 0; k < size; k++) top = Math.max(top, a[at + k]);
    let sum = 0;
    for (let k = 0; k < size; k++) sum += Math.exp(a[at + k] - top);
    total += top + Math.log(sum);
  }
  return total;
}

/** Softmax visible groups of `size` units; the loss is the reconstruction's softmax cross-entropy. */
export function softmaxVisible(size: number): VisibleLayer {
  return {
    type: 'softmax',
    domain: 'unit',
    groupSize: size,
    tensors: [],
    seen: (_p, x) => x,
    halfStep(p, step: VisibleHalfStep): VisibleStates {
      const { x, rows, statistics, draws, mean } = step;
      const V = p.visibleBias.length;
      const sampled = statistics === 'samples';
      if (sampled) draws.uniforms(draws.address, rows, V / size, draws.scratch);
      softmaxGroups(mean, rows, V, size, sampled ? draws.scratch : undefined);
      maskMissingGroups(x, mean, rows, V, size);
      return { statistic: mean, seen: mean, hiddenInput: mean };
    },
    loss: (p, x, z, rows) => softmaxCrossEntropy(x, z, rows, p.visibleBias.length, size),
    propagate(p, z, rows, draws) {
      const V = p.visibleBias.length;
      if (draws) draws.uniforms(draws.address, rows, V / size, draws.scratch);
      softmaxGroups(z, rows, V, size, draws?.scratch);
    },
    drawWidth: (units) => units / size,
    energy(p, v, at) {
      let e = 0;
      for (let k = 0; k < p.visibleBias.length; k++) e += -p.visibleBias[k] * v[at + k];
      return e;
    },
  };
}

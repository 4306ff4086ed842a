/** σ(x) = 1 / (1 + e^−x), computed without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** softplus(x) = log(1 + e^x), computed without overflow or loss of precision. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * log P(x | a) for a Bernoulli unit with pre-activation a and target x ∈ [0, 1]:
 * x·log σ(a) + (1 − x)·log(1 − σ(a)) = x·a − softplus(a). Finite for every finite a.
 */
export function bernoulliLogLikelihood(x: number, a: number): number {
  return x * a - softplus(a);
}

/** log Σ exp(terms), accumulated one term at a time without overflow. */
export class LogSumExp {
  private max = -Infinity;
  private sum = 0;

  add(term: number): void {
    if (term <= this.max) {
      this.sum += Math.exp(term - this.max);
    } else {
      this.sum = this.sum * Math.exp(this.max - term) + 1;
      this.max = term;
    }
  }

  get value(): number {
    return this.max + Math.log(this.sum);
  }
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Each row's scores (rows × C) turned into p(y | x) in place; returns Σ_r −log p(labels[r] | x_r). */
export function softmaxRows(scores: Float64Array, rows: number, classes: number, labels?: Uint32Array): number {
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const at = r * classes;
    let top = -Infinity;
    for (let y = 0; y < classes; y++) top = Math.max(top, scores[at + y]);
    let sum = 0;
    for (let y = 0; y < classes; y++) sum += Math.exp(scores[at + y] - top);
    if (labels) loss -= scores[at + labels[r]] - top - Math.log(sum);
    for (let y = 0; y < classes; y++) scores[at + y] = Math.exp(scores[at + y] - top) / sum;
  }
  return loss;
}

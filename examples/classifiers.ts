// Two plain classifiers the feature examples (classify_mnist, dbn_mnist) fit on top of learned
// features: nearest centroid, and multinomial logistic regression by stochastic gradient descent.
import type { Matrix } from '../src/node.js';

/** Test accuracy of the nearest class centroid (Euclidean) fitted on x. */
export function nearestCentroid(x: Matrix, labels: Uint8Array, y: Matrix, yLabels: Uint8Array): number {
  const centroids = new Float64Array(10 * x.cols);
  const counts = new Float64Array(10);
  for (let i = 0; i < x.rows; i++) {
    counts[labels[i]]++;
    for (let j = 0; j < x.cols; j++) centroids[labels[i] * x.cols + j] += x.data[i * x.cols + j];
  }
  for (let c = 0; c < 10; c++) for (let j = 0; j < x.cols; j++) centroids[c * x.cols + j] /= counts[c];
  let right = 0;
  for (let i = 0; i < y.rows; i++) {
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < 10; c++) {
      let d = 0;
      for (let j = 0; j < y.cols; j++) d += (y.data[i * y.cols + j] - centroids[c * y.cols + j]) ** 2;
      if (d < bestDistance) [best, bestDistance] = [c, d];
    }
    if (best === yLabels[i]) right++;
  }
  return right / y.rows;
}

/** Test accuracy of a multinomial logistic regression fitted on x by stochastic gradient descent. */
export function softmaxRegression(x: Matrix, labels: Uint8Array, y: Matrix, yLabels: Uint8Array, epochs = 10, rate = 0.1): number {
  const d = x.cols;
  const w = new Float64Array(10 * (d + 1));
  const logits = new Float64Array(10);
  const scores = (m: Matrix, i: number) => {
    for (let c = 0; c < 10; c++) {
      let s = w[c * (d + 1) + d];
      for (let j = 0; j < d; j++) s += w[c * (d + 1) + j] * m.data[i * d + j];
      logits[c] = s;
    }
    const top = Math.max(...logits);
    let sum = 0;
    for (let c = 0; c < 10; c++) sum += (logits[c] = Math.exp(logits[c] - top));
    for (let c = 0; c < 10; c++) logits[c] /= sum;
  };
  for (let e = 0; e < epochs; e++) {
    for (let i = 0; i < x.rows; i++) {
      scores(x, i);
      for (let c = 0; c < 10; c++) {
        const g = logits[c] - (labels[i] === c ? 1 : 0);
        for (let j = 0; j < d; j++) w[c * (d + 1) + j] -= (rate * g * x.data[i * d + j]) / (1 + e);
        w[c * (d + 1) + d] -= (rate * g) / (1 + e);
      }
    }
  }
  let right = 0;
  for (let i = 0; i < y.rows; i++) {
    scores(y, i);
    if (logits.indexOf(Math.max(...logits)) === yLabels[i]) right++;
  }
  return right / y.rows;
}

// Label-free features: the hidden probabilities of an RBM trained without labels, fed to a
// nearest-centroid classifier and to a softmax regression, against the same on raw pixels
// (as scikit-learn's RBM example does). Usage: npm run classify:mnist [-- --hidden 256 --epochs 10]
import { parseArgs } from 'node:util';
import { loadMnist, RBM, type Matrix } from '../src/node.js';

const { values } = parseArgs({
  options: { hidden: { type: 'string', default: '256' }, epochs: { type: 'string', default: '10' } },
});
const { train, test } = await loadMnist();

function nearestCentroid(x: Matrix, labels: Uint8Array, y: Matrix, yLabels: Uint8Array): number {
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

/** Multinomial logistic regression by minibatch gradient descent. */
function softmaxRegression(x: Matrix, labels: Uint8Array, y: Matrix, yLabels: Uint8Array, epochs = 10, rate = 0.1): number {
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

const hidden = Number(values.hidden);
const rbm = new RBM({ visible: 784, hidden, learningRate: 0.05, gradient: 'mean', momentumSchedule: [{ epoch: 1, momentum: 0.5 }, { epoch: 6, momentum: 0.9 }] });
await rbm.fit(train.images, { epochs: Number(values.epochs), batchSize: 100 });
const [features, testFeatures] = [await rbm.expectHidden(train.images), await rbm.expectHidden(test.images)];
await rbm.dispose();

const pct = (a: number) => `${(100 * a).toFixed(2)} %`;
console.log(`\nMNIST test accuracy, trained on all 60,000 digits:`);
console.log(`  nearest centroid, raw pixels:          ${pct(nearestCentroid(train.images, train.labels, test.images, test.labels))}`);
console.log(`  nearest centroid, ${hidden} RBM features:    ${pct(nearestCentroid(features, train.labels, testFeatures, test.labels))}`);
console.log(`  softmax regression, raw pixels:        ${pct(softmaxRegression(train.images, train.labels, test.images, test.labels))}`);
console.log(`  softmax regression, ${hidden} RBM features:  ${pct(softmaxRegression(features, train.labels, testFeatures, test.labels))}`);

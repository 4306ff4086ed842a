// Label-free features: the hidden probabilities of an RBM trained without labels, fed to a
// nearest-centroid classifier and to a softmax regression, against the same on raw pixels
// (as scikit-learn's RBM example does). Usage: npm run classify:mnist [-- --hidden 256 --epochs 10]
import { parseArgs } from 'node:util';
import { loadMnist, RBM } from '../src/node.js';
import { nearestCentroid, softmaxRegression } from './classifiers.js';

const { values } = parseArgs({
  options: { hidden: { type: 'string', default: '256' }, epochs: { type: 'string', default: '10' } },
});
const { train, test } = await loadMnist();

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

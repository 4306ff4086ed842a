// The classification RBM of Larochelle & Bengio ("Classification using discriminative
// restricted Boltzmann machines", ICML 2008) on MNIST: a label layer joined to the hidden
// units, trained discriminatively (the exact gradient of log p(y | x)) or as their hybrid
// (plus α times the generative CD gradient); prints the test error after each epoch and at
// the end. The paper: 1.81 % (discriminative), 1.28 % (hybrid).
// Usage: npm run classify:drbm [-- --objective discriminative|hybrid --hidden 500 --epochs 15 --lr 0.5 --batch-size 10]
import { parseArgs } from 'node:util';
import { loadMnist, RBM, type Matrix } from '../src/node.js';

const { values } = parseArgs({
  options: {
    objective: { type: 'string', default: 'discriminative' },
    hidden: { type: 'string', default: '500' },
    epochs: { type: 'string', default: '15' },
    lr: { type: 'string', default: '0.5' },
    'batch-size': { type: 'string', default: '10' },
    'generative-weight': { type: 'string', default: '0.01' },
    rows: { type: 'string', default: '60000' },
  },
});
const objective = values.objective as 'discriminative' | 'hybrid';
const epochs = Number(values.epochs);

const { train, test } = await loadMnist();
const rows = Math.min(Number(values.rows), train.images.rows);
const x: Matrix = { data: train.images.data.subarray(0, rows * 784), rows, cols: 784 };
const labels = train.labels.subarray(0, rows);

/** The percentage of rows whose predicted class is not their label. */
async function testError(rbm: RBM): Promise<number> {
  const predicted = await rbm.predict(test.images);
  let wrong = 0;
  for (let r = 0; r < predicted.length; r++) if (predicted[r] !== test.labels[r]) wrong++;
  return (100 * wrong) / predicted.length;
}

const rbm = new RBM({
  visible: 784,
  hidden: Number(values.hidden),
  labels: 10,
  objective,
  ...(objective === 'hybrid' && { generativeWeight: Number(values['generative-weight']) }),
  learningRate: Number(values.lr),
  momentum: 0,
  gradient: 'mean',
  statistics: 'probabilities',
  initScale: 0.1,
});
try {
  let seconds = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    await rbm.fit(x, { epochs: 1, batchSize: Number(values['batch-size']), labels, onEpoch: (report) => (seconds += report.seconds), verbose: epoch === 1 });
    if (epoch % 5 === 0 && epoch < epochs) console.log(`epoch ${epoch}: test error ${(await testError(rbm)).toFixed(2)} %`);
  }
  console.log(`\n${objective} RBM 784-${values.hidden}-10, ${epochs} epochs on ${rows} rows: ${(seconds / epochs).toFixed(1)} s per epoch on ${(await rbm.device()).device}`);
  console.log(`test error: ${(await testError(rbm)).toFixed(2)} %`);
} finally {
  await rbm.dispose();
}

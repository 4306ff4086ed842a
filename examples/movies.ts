// echen's six-movie example: two hidden units learn a fantasy group and an Oscar-winners group.
// Usage: npm run movies
import { RBM } from '../src/node.js';

const MOVIES = ['Harry Potter', 'Avatar', 'LOTR 3', 'Gladiator', 'Titanic', 'Glitter'];
const USERS = [
  [1, 1, 1, 0, 0, 0],
  [1, 0, 1, 0, 0, 0],
  [1, 1, 1, 0, 0, 0],
  [0, 0, 1, 1, 1, 0],
  [0, 0, 1, 1, 0, 0],
  [0, 0, 1, 1, 1, 0],
];

// echen's rule: the whole data set as one batch, probabilities in the statistics, mean gradient.
const rbm = new RBM({
  visible: 6,
  hidden: 2,
  learningRate: 0.1,
  momentum: 0,
  statistics: 'probabilities',
  gradient: 'mean',
  initScale: 0.1,
});
await rbm.fit(USERS, { epochs: 5000, batchSize: USERS.length, verbose: false });
const { weights, visibleBias, hiddenBias } = await rbm.getParameters();

const cell = (v: number) => v.toFixed(2).padStart(9);
console.log(`${''.padEnd(14)}${'Bias'.padStart(9)}${'Hidden 1'.padStart(9)}${'Hidden 2'.padStart(9)}`);
console.log(`${'Bias'.padEnd(14)}${''.padStart(9)}${cell(hiddenBias[0])}${cell(hiddenBias[1])}`);
MOVIES.forEach((movie, i) => {
  console.log(`${movie.padEnd(14)}${cell(visibleBias[i])}${cell(weights[i * 2])}${cell(weights[i * 2 + 1])}`);
});

console.log();
for (let j = 0; j < 2; j++) {
  const liked = MOVIES.filter((_, i) => weights[i * 2 + j] > 1);
  console.log(`Hidden ${j + 1} turns on for: ${liked.join(', ')}`);
}
for (const user of [[0, 0, 0, 1, 1, 0], [1, 1, 1, 0, 0, 0]]) {
  const p = await rbm.expectHidden([user]);
  const watched = MOVIES.filter((_, i) => user[i] === 1).join(' + ');
  console.log(`A user who liked ${watched}: P(hidden on) = ${Array.from(p.data, (v) => v.toFixed(2)).join(', ')}`);
}
await rbm.dispose();

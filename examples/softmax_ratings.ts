// One-hot data: star ratings as softmax visible groups, in the manner of Salakhutdinov, Mnih &
// Hinton's collaborative-filtering RBM (ICML 2007). 3,000 synthetic users of three tastes rate
// about half of 20 movies from 1 to 5 stars; each movie is a group of 5 units, an unrated movie
// a group of zeros (missing). The RBM learns from the ratings alone, then predicts one held-out
// rating of each of 1,000 new users (the expected stars under p(v | h) given the rest); the
// baseline predicts each movie's mean rating.
// Usage: npm run ratings
import { RBM } from '../src/node.js';

const [MOVIES, STARS, TASTES] = [20, 5, 3];

/** A small deterministic generator (mulberry32), so the example draws the same users every run. */
function generator(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Users {
  /** One row per user: MOVIES groups of STARS units, one-hot or all zeros. */
  readonly rows: number[][];
  /** For each user, one rated movie hidden from `rows`, and its stars. */
  readonly heldOut: { movie: number; stars: number }[];
}

/** Users of three tastes: each taste loves (4–5 stars) its own third of the movies and is lukewarm (1–3) about the rest. */
function users(count: number, seed: number): Users {
  const random = generator(seed);
  const rows: number[][] = [];
  const heldOut: { movie: number; stars: number }[] = [];
  for (let u = 0; u < count; u++) {
    const taste = Math.floor(random() * TASTES);
    const row = new Array<number>(MOVIES * STARS).fill(0);
    const rated: number[] = [];
    for (let m = 0; m < MOVIES; m++) {
      if (random() < 0.5) continue;
      const loved = m % TASTES === taste;
      const stars = loved ? 4 + Math.floor(random() * 2) : 1 + Math.floor(random() * 3);
      row[m * STARS + stars - 1] = 1;
      rated.push(m);
    }
    const movie = rated[Math.floor(random() * rated.length)];
    const stars = row.slice(movie * STARS, movie * STARS + STARS).indexOf(1) + 1;
    heldOut.push({ movie, stars });
    rows.push(row);
  }
  return { rows, heldOut };
}

const train = users(3000, 1);
const test = users(1000, 2);
// The test users' held-out ratings become missing groups.
const visibleTest = test.rows.map((row, u) => row.map((v, i) => (Math.floor(i / STARS) === test.heldOut[u].movie ? 0 : v)));

const rbm = new RBM({ visible: MOVIES * STARS, hidden: 8, visibleType: { softmax: STARS }, learningRate: 0.05, momentum: 0.5, gradient: 'mean', cdSteps: 3 });
try {
  await rbm.fit(train.rows, { epochs: 30, batchSize: 50, verbose: false });
  const p = await rbm.expectVisible(await rbm.expectHidden(visibleTest));
  let [rbmError, baselineError] = [0, 0];
  for (let u = 0; u < test.rows.length; u++) {
    const { movie, stars } = test.heldOut[u];
    let expected = 0;
    for (let s = 0; s < STARS; s++) expected += (s + 1) * p.data[u * p.cols + movie * STARS + s];
    let [sum, count] = [0, 0];
    for (const row of train.rows) {
      const k = row.slice(movie * STARS, movie * STARS + STARS).indexOf(1);
      if (k >= 0) [sum, count] = [sum + k + 1, count + 1];
    }
    rbmError += (expected - stars) ** 2;
    baselineError += (sum / count - stars) ** 2;
  }
  const rmse = (e: number) => Math.sqrt(e / test.rows.length).toFixed(3);
  console.log(`held-out ratings of ${test.rows.length} new users, root mean squared error in stars:`);
  console.log(`  softmax RBM (expected stars given the user's other ratings)  ${rmse(rbmError)}`);
  console.log(`  each movie's mean rating                                      ${rmse(baselineError)}`);
} finally {
  await rbm.dispose();
}

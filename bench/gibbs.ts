// Gibbs sampling on each backend: a 500-step daydream of 16 chains and an inpaint of 10 rows ×
// 100 steps of a 784-16 model trained for an epoch on random bits, timed after a warm-up call,
// with a checksum of each result so runs of different code on the same seed can be compared.
// Usage: npm run -s build:quick && node dist/bench/gibbs.js [--gpu true|false] [--repeats 3]
import { parseArgs } from 'node:util';
import { RBM } from '../src/node.js';

const { values } = parseArgs({ options: { gpu: { type: 'string', default: 'true' }, repeats: { type: 'string', default: '3' } } });
const useGPU = values.gpu === 'true';
const repeats = Number(values.repeats);
const visible = 784;
const rows = (n: number, seed: number) => Array.from({ length: n }, (_, r) => Array.from({ length: visible }, (_, i) => ((r * 7919 + i * 104729 + seed) % 13) < 4 ? 1 : 0));

const rbm = new RBM({ visible, hidden: 16, useGPU, threads: 0, seed: 3 });
await rbm.fit(rows(200, 1), { epochs: 1, batchSize: 50, verbose: false });
const x = rows(10, 2);
const mask = x.map((row) => row.map((_, i) => (i < visible / 2 ? 1 : 0)));
const checksum = (data: Float32Array) => data.reduce((s, v, k) => s + v * ((k % 97) + 1), 0).toFixed(4);

async function time(label: string, work: () => Promise<{ data: Float32Array }>) {
  await work();
  const seconds: number[] = [];
  let sum = '';
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    sum = checksum((await work()).data);
    seconds.push((performance.now() - t) / 1000);
  }
  console.log(`${label}: ${seconds.map((s) => s.toFixed(3)).join(' ')} s (checksum of the last ${sum})`);
}
console.log(`# ${(await rbm.device()).device}`);
await time('daydream 500 steps × 16 chains', () => rbm.daydream(500, { chains: 16 }));
await time('inpaint 10 rows × 100 steps', () => rbm.inpaint(x, mask, { steps: 100 }));
await rbm.dispose();

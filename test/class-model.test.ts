// The classification RBM through the public API: train on labelled data, predict, check the
// posteriors against our own computation from the saved model file, reload, and refuse what
// does not apply to a model with a label layer.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, readFloat32 } from '../src/io/safetensors.js';
import { InvalidArgumentError, RBM, type Matrix } from '../src/node.js';
import { Phase, philoxUniforms } from '../src/rng/stream.js';

const dir = mkdtempSync(join(tmpdir(), 'rbm-class-'));
const models: RBM[] = [];
afterAll(async () => {
  for (const m of models) await m.dispose();
});

/** Three classes of 12-pixel binary patterns: each class lights its own third more often, with noise. */
function patterns(rows: number, seed: number): { x: Matrix; y: Uint32Array } {
  const V = 12;
  const u = new Float32Array(rows * (V + 1));
  philoxUniforms({ seed, phase: Phase.init, epoch: 0, batch: 0 }, rows, V + 1, u);
  const x = new Float32Array(rows * V);
  const y = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = Math.floor(u[r * (V + 1)] * 3);
    for (let i = 0; i < V; i++) x[r * V + i] = u[r * (V + 1) + 1 + i] < (Math.floor(i / 4) === y[r] ? 0.8 : 0.15) ? 1 : 0;
  }
  return { x: { data: x, rows, cols: V }, y };
}

/** p(y | x) from a model file, written out from the definition: softmax over y of d_y + Σ_j softplus(c_j + x·W_j + U_yj). */
function posteriorFromFile(path: string, x: Matrix): number[][] {
  const file = decodeSafetensors(new Uint8Array(readFileSync(path)), path);
  const t = (name: string) => readFloat32(file.tensors.get(name)!);
  const [W, c, U, d] = [t('w'), t('hidden_bias'), t('label_weights'), t('label_bias')];
  const [H, C] = [c.length, d.length];
  return Array.from({ length: x.rows }, (_, r) => {
    const scores = Array.from({ length: C }, (_, y) => {
      let s = d[y];
      for (let j = 0; j < H; j++) {
        let a = c[j] + U[y * H + j];
        for (let i = 0; i < x.cols; i++) a += x.data[r * x.cols + i] * W[i * H + j];
        s += Math.log1p(Math.exp(a));
      }
      return s;
    });
    const top = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - top));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  });
}

describe('a classification RBM trained through the public API', () => {
  const train = patterns(600, 1);
  const test = patterns(300, 2);
  const accuracy = (predicted: Uint32Array, y: Uint32Array) => predicted.filter((p, r) => p === y[r]).length / y.length;

  for (const objective of ['discriminative', 'hybrid', 'generative'] as const) {
    it(`learns to classify with the '${objective}' objective, and its posteriors match the file's`, async () => {
      const rbm = new RBM({ visible: 12, hidden: 8, labels: 3, objective, learningRate: 0.1, momentum: 0.5, gradient: 'mean', statistics: 'probabilities' });
      models.push(rbm);
      const lines: string[] = [];
      const history = await rbm.fit(train.x, { epochs: 30, batchSize: 20, labels: train.y, log: (l) => lines.push(l) });
      expect(lines.some((l) => l.startsWith('Epoch [30/30], Label cross-entropy: '))).toBe(true);
      expect(history.klDivergence[29]).toBeLessThan(history.klDivergence[0]);
      // The Bayes rate of these patterns is about 99 %; a linear model gets close.
      expect(accuracy(await rbm.predict(test.x), test.y)).toBeGreaterThan(0.9);
      const path = join(dir, `${objective}.safetensors`);
      await rbm.save(path);
      const proba = await rbm.predictProba(test.x);
      const expected = posteriorFromFile(path, test.x);
      for (let r = 0; r < test.x.rows; r++) {
        for (let y = 0; y < 3; y++) expect(Math.abs(proba.data[r * 3 + y] - expected[r][y])).toBeLessThan(1e-5);
      }
      const loaded = await RBM.load(path);
      models.push(loaded);
      expect(loaded.options.labels).toBe(3);
      expect(loaded.options.objective).toBe(objective);
      expect(Array.from(await loaded.predict(test.x))).toEqual(Array.from(await rbm.predict(test.x)));
    });
  }

  it('refuses labels where they do not belong, bad labels, and x-only methods on a labelled model', async () => {
    const rbm = new RBM({ visible: 12, hidden: 4, labels: 3 });
    models.push(rbm);
    await expect(rbm.fit(train.x, { epochs: 1, batchSize: 20 })).rejects.toThrow(/label layer of 3 classes/);
    await expect(rbm.fit(train.x, { epochs: 1, batchSize: 20, labels: train.y.subarray(1) })).rejects.toThrow(/599 entries/);
    await expect(rbm.fit(train.x, { epochs: 1, batchSize: 20, labels: Array.from(train.y, (y) => y + 1) })).rejects.toThrow(/entry \d+ is 3/);
    for (const call of [() => rbm.expectHidden(test.x), () => rbm.freeEnergy(test.x), () => rbm.daydream(1), () => rbm.logPartition()]) {
      await expect(call()).rejects.toThrow(InvalidArgumentError);
    }
    const plain = new RBM({ visible: 12, hidden: 4 });
    models.push(plain);
    await expect(plain.fit(train.x, { epochs: 1, batchSize: 20, labels: train.y })).rejects.toThrow(/no label layer/);
    await expect(plain.predict(test.x)).rejects.toThrow(/needs a label layer/);
    expect(() => new RBM({ visible: 12, hidden: 4, objective: 'hybrid' })).toThrow(/objective/);
    expect(() => new RBM({ visible: 12, hidden: 4, labels: 3, generativeWeight: 0.5 })).toThrow(/generativeWeight/);
    expect(() => new RBM({ visible: 12, hidden: 4, labels: 1 })).toThrow(/labels/);
    expect(() => new RBM({ visible: 12, hidden: 4, labels: 3, persistent: true })).toThrow(/persistent/);
  });
});

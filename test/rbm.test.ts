import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { RBM } from '../src/node.js';
import { expectClose, fixture, handParameters, randomParameters } from './helpers.js';

const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));

/** A 3-2 model with hand-chosen parameters. */
async function smallModel(): Promise<RBM> {
  const rbm = new RBM({ visible: 3, hidden: 2 });
  await rbm.setParameters(handParameters());
  return rbm;
}

/** All 2^n binary vectors of length n, as rows. */
function allStates(n: number): number[][] {
  return Array.from({ length: 2 ** n }, (_, k) => Array.from({ length: n }, (_, j) => (k >> j) & 1));
}

describe('inference', () => {
  it('expectHidden is σ(v·W + c), worked by hand', async () => {
    const rbm = await smallModel();
    const h = await rbm.expectHidden([[1, 0, 1]]);
    // v·W + c = (0.5 − 0.5 − 0.4, −1 + 2 + 0.6) = (−0.4, 1.6)
    expect(h.rows).toBe(1);
    expect(h.cols).toBe(2);
    expectClose(h.data, [sigmoid(-0.4), sigmoid(1.6)]);
  });

  it('expectVisible is σ(h·Wᵀ + b), worked by hand', async () => {
    const rbm = await smallModel();
    const v = await rbm.expectVisible([[0, 1]]);
    // h·Wᵀ + b = (−1 + 0.1, 0.25 − 0.2, 2 + 0.3)
    expectClose(v.data, [sigmoid(-0.9), sigmoid(0.05), sigmoid(2.3)]);
  });

  it('reconstruct is mean-field both ways, as simple_rbm', async () => {
    const rbm = await smallModel();
    const x = [[1, 0, 1], [0.2, 0.9, 0]];
    const expected = await rbm.expectVisible(await rbm.expectHidden(x));
    const got = await rbm.reconstruct(x);
    expectClose(got.data, expected.data, { atol: 0, rtol: 0 });
  });

  it('accepts a Matrix or nested arrays alike', async () => {
    const rbm = await smallModel();
    const a = await rbm.expectHidden([[1, 0, 1]]);
    const b = await rbm.expectHidden({ data: Float32Array.of(1, 0, 1), rows: 1, cols: 3 });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('samples 0/1 states, and gibbs and daydream return visible states', async () => {
    const rbm = await smallModel();
    const h = await rbm.sampleHidden([[1, 0, 1], [0, 1, 0]]);
    const v = await rbm.sampleVisible(h);
    const g = await rbm.gibbs([[1, 0, 1]]);
    const d = await rbm.daydream(5, { chains: 4 });
    for (const m of [h, v, g, d]) expect(m.data.every((x) => x === 0 || x === 1)).toBe(true);
    expect([g.rows, g.cols, d.rows, d.cols]).toEqual([1, 3, 4, 3]);
  });

  it('daydream starts where asked and can end on probabilities', async () => {
    const rbm = await smallModel();
    const start = [[1, 0, 1], [0, 1, 0]];
    expect(Array.from((await rbm.daydream(0, { start })).data)).toEqual([1, 0, 1, 0, 1, 0]);
    const p = await rbm.daydream(3, { start, probabilities: true });
    expect(p.rows).toBe(2);
    expect(p.data.every((x) => x > 0 && x < 1)).toBe(true);
  });

  it('samples each unit with its probability (counts within 5σ of binomial)', async () => {
    const probabilities = [0.05, 0.3, 0.5, 0.9];
    const rbm = new RBM({ visible: 1, hidden: 4 });
    await rbm.setParameters({
      weights: new Float32Array(4),
      visibleBias: new Float32Array(1),
      hiddenBias: Float32Array.from(probabilities, (p) => Math.log(p / (1 - p))),
      weightVelocity: new Float32Array(4),
      visibleBiasVelocity: new Float32Array(1),
      hiddenBiasVelocity: new Float32Array(4),
    });
    const n = 20_000;
    const h = await rbm.sampleHidden({ data: new Float32Array(n), rows: n, cols: 1 });
    probabilities.forEach((p, j) => {
      let ones = 0;
      for (let i = 0; i < n; i++) ones += h.data[i * 4 + j];
      const sigma = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(ones - n * p), `unit ${j} (p = ${p}): ${ones} ones in ${n}`).toBeLessThan(5 * sigma);
    });
  });

  it('draws fresh samples on every call', async () => {
    const rbm = await smallModel();
    const x = Array.from({ length: 50 }, () => [0.5, 0.5, 0.5]);
    const a = await rbm.sampleHidden(x);
    const b = await rbm.sampleHidden(x);
    expect(Array.from(a.data)).not.toEqual(Array.from(b.data));
  });
});

describe('energies', () => {
  it('energy(v, h) = −(v·W·hᵀ + b·v + c·h), worked by hand', async () => {
    const rbm = await smallModel();
    // v = (1,0,1), h = (1,1): v·W·hᵀ = (0.5 − 1) + (−0.5 + 2) = 1; b·v = 0.4; c·h = 0.2
    const e = await rbm.energy([[1, 0, 1]], [[1, 1]]);
    expectClose(e, [-1.6]);
  });

  it('free energy equals −log Σ_h e^(−E(v, h)) by enumeration', async () => {
    const V = 4;
    const H = 3;
    const rbm = new RBM({ visible: V, hidden: H });
    await rbm.setParameters(randomParameters(V, H, 11));
    const hs = allStates(H);
    for (const v of allStates(V)) {
      const energies = await rbm.energy(hs.map(() => v), hs);
      const brute = -Math.log(energies.reduce((s, e) => s + Math.exp(-e), 0));
      const [free] = await rbm.freeEnergy([v]);
      expectClose([free], [brute], { atol: 1e-5, label: `F(${v.join('')})` });
    }
  });

  it('free energies give P(v) that sums to 1 over all visible states', async () => {
    const rbm = new RBM({ visible: 3, hidden: 2 });
    await rbm.setParameters(randomParameters(3, 2, 5));
    const vs = allStates(3);
    const hs = allStates(2);
    let z = 0;
    for (const v of vs) for (const e of await rbm.energy(hs.map(() => v), hs)) z += Math.exp(-e);
    const free = await rbm.freeEnergy(vs);
    const total = free.reduce((s, f) => s + Math.exp(-f) / z, 0);
    expect(total).toBeCloseTo(1, 6);
  });
});

describe('the CPU backend in use', () => {
  it('is the plain TypeScript reference under WEBGPU_RBM_WASM=0, WebAssembly SIMD otherwise', async () => {
    const rbm = new RBM({ visible: 3, hidden: 2 });
    const { device } = await rbm.device();
    if (process.env.WEBGPU_RBM_WASM === '0') expect(device).toBe('CPU (TypeScript)');
    else expect(device).toMatch(/^CPU \(WebAssembly SIMD/);
    await rbm.dispose();
  });
});

describe('training', () => {
  const data = { data: fixture(200 * 6, 3).map((x) => (x < 0.3 ? 1 : 0)), rows: 200, cols: 6 };

  it('is deterministic for a seed, and different across seeds', async () => {
    const run = async (seed: number) => {
      const rbm = new RBM({ visible: 6, hidden: 3, seed, learningRate: 0.01 });
      await rbm.fit(data, { epochs: 2, batchSize: 20, verbose: false });
      return (await rbm.getParameters()).weights;
    };
    expect(Array.from(await run(1))).toEqual(Array.from(await run(1)));
    expect(Array.from(await run(2))).not.toEqual(Array.from(await run(1)));
  });

  it('continues the random stream across fit calls: 1 + 1 epochs equals 2 epochs', async () => {
    const once = new RBM({ visible: 6, hidden: 3, learningRate: 0.01 });
    await once.fit(data, { epochs: 2, batchSize: 20, verbose: false });
    const twice = new RBM({ visible: 6, hidden: 3, learningRate: 0.01 });
    await twice.fit(data, { epochs: 1, batchSize: 20, verbose: false });
    const second = await twice.fit(data, { epochs: 1, batchSize: 20, verbose: false });
    expect(Array.from((await twice.getParameters()).weights)).toEqual(Array.from((await once.getParameters()).weights));
    expect(second.epoch).toEqual([2]);
    expect(twice.history).toEqual(once.history);
  });

  it("prints simple_rbm's lines and reports each epoch", async () => {
    const lines: string[] = [];
    const reports: number[] = [];
    const rbm = new RBM({ visible: 6, hidden: 3 });
    const history = await rbm.fit(data, {
      epochs: 2,
      batchSize: 50,
      log: (line) => lines.push(line),
      onEpoch: (r) => reports.push(r.epoch),
    });
    const kernels = process.env.WEBGPU_RBM_WASM === '0' ? 'TypeScript' : `WebAssembly SIMD, ${availableParallelism()} threads?`;
    expect(lines[0]).toMatch(new RegExp(`^# Computation will proceed on the CPU\\.\n# CPU: ${kernels}$`));
    expect(lines[1]).toMatch(/^Epoch \[1\/2\], KL Divergence: \d\.\d{4}$/);
    expect(lines[2]).toBe(`Epoch [2/2], KL Divergence: ${history.klDivergence[1].toFixed(4)}`);
    expect(reports).toEqual([1, 2]);
    expect(history.epoch).toEqual([1, 2]);
  });

  it('keeps the KL finite when the model saturates', async () => {
    const rbm = new RBM({ visible: 6, hidden: 3, learningRate: 50, momentum: 0 });
    const { klDivergence } = await rbm.fit(data, { epochs: 3, batchSize: 10, verbose: false });
    expect(klDivergence.every(Number.isFinite)).toBe(true);
  });
});

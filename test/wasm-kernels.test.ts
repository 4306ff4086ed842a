import { describe, expect, it } from 'vitest';
import { annealOnHost } from '../src/backend/anneal.js';
import { modelShape, type AnnealJob, type EpochPlan, type EpochResult, type Parameters, type TrainingRule } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { InvalidArgumentError, RBM } from '../src/node.js';
import { binaryData, epochPlan, expectClose, fixture, PARAMETER_KEYS, parametersFor, randomParameters, RULES } from './helpers.js';
import { wasmBackends } from './wasm-helpers.js';

const wasm = wasmBackends();

function plan(rows: number, batches: number, rule: TrainingRule, epoch = 0): EpochPlan {
  return epochPlan(rows, Math.floor(rows / batches), 5, epoch, rule);
}


// Sizes that are not multiples of the 16-float blocks or the 4-lane vectors, and batch sizes
// that differ by one (numpy.array_split of the rows into three).
const SHAPES: [visible: number, hidden: number, rows: number][] = [
  [1, 1, 5],
  [7, 5, 23],
  [13, 67, 30],
  [785, 7, 41],
];

describe.each(SHAPES)('WebAssembly SIMD kernels at %i visible × %i hidden, %i rows', (V, H, rows) => {
  it.each(RULES)('train an epoch as the plain kernels do (%j)', async (rule) => {
    const parameters = parametersFor(rule, V, H, V + 3 * H, 0.5);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H }));
    const fast = await wasm(V, H, 2);
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const x = { data: fixture(rows * V, 9).map((u) => (u < 0.3 ? u * 3 : 0)), rows, cols: V };
    for (let epoch = 0; epoch < 2; epoch++) {
      const p = plan(rows, 3, rule, epoch);
      const [a, b] = [await cpu.trainEpoch(await cpu.upload(x), p), await fast.trainEpoch(await fast.upload(x), p)];
      expectClose(b.losses, a.losses, { atol: 1e-5, rtol: 1e-5, label: `KL per batch, epoch ${epoch}` });
      for (const key of PARAMETER_KEYS) {
        expectClose(b.parameters[key] ?? [], a.parameters[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${key}, epoch ${epoch}` });
      }
      expect(a.parameters.hiddenChains?.length ?? 0).toBe(rule.persistent ? p.largestBatch * H : 0);
      expectClose(b.parameters.hiddenChains ?? [], a.parameters.hiddenChains ?? [], { atol: 0, rtol: 0, label: `chains, epoch ${epoch}` });
    }
  });
});

// Parallel tempering: every chain's draws, energies and swaps must follow the reference exactly
// (a sampling decision could differ only where a probability fell within about 1e-6 of its draw).
const TEMPERING_RULES: TrainingRule[] = [
  { learningRate: 0.2, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0, parallelTempering: { temperatures: 3 } },
  { learningRate: 0.1, momentum: 0, statistics: 'probabilities', gradient: 'sum', cdSteps: 2, persistent: true, weightDecay: 0.01, parallelTempering: { temperatures: 4 } },
];

/** The KL, every parameter, every chain and the swap counts of `b` against the reference's `a`. */
function expectTemperedAlike(a: EpochResult, b: EpochResult, label: string): void {
  expectClose(b.losses, a.losses, { atol: 1e-5, rtol: 1e-5, label: `${label}: KL per batch` });
  for (const key of PARAMETER_KEYS) expectClose(b.parameters[key] ?? [], a.parameters[key] ?? [], { atol: 1e-5, rtol: 1e-4, label: `${label}: ${key}` });
  expectClose(b.parameters.hiddenChains ?? [], a.parameters.hiddenChains!, { atol: 0, rtol: 0, label: `${label}: tempered chains` });
  expect(b.swaps, `${label}: swaps`).toEqual(a.swaps);
}

describe.each(SHAPES)('parallel tempering in the WebAssembly kernels at %i visible × %i hidden, %i rows', (V, H, rows) => {
  it.each(TEMPERING_RULES)('trains one and two epochs as the reference: KL, parameters, every chain and the swap counts (%j)', async (rule) => {
    const parameters = parametersFor(rule, V, H, V + 3 * H, 0.5);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H }));
    const fast = await wasm(V, H, 2);
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const x = { data: fixture(rows * V, 9).map((u) => (u < 0.3 ? u * 3 : 0)), rows, cols: V };
    const [cpuData, fastData] = [await cpu.upload(x), await fast.upload(x)];
    for (let epoch = 0; epoch < 2; epoch++) {
      const p = plan(rows, 3, rule, epoch);
      const [a, b] = [await cpu.trainEpoch(cpuData, p), await fast.trainEpoch(fastData, p)];
      expect(a.parameters.hiddenChains).toHaveLength(p.largestBatch * rule.parallelTempering!.temperatures * H);
      expect(a.swaps!.tried).toBeGreaterThan(0);
      expectTemperedAlike(a, b, `epoch ${epoch}`);
      expect(Array.from((await fast.getParameters()).hiddenChains!), `epoch ${epoch}: getParameters' chains`).toEqual(Array.from(a.parameters.hiddenChains!));
    }
  });
});

describe('parallel tempering in the WebAssembly kernels', () => {
  it.each(TEMPERING_RULES)('trains bit-identically with 1 and 3 threads (%j)', async (rule) => {
    // 41 hidden units and 90 rows in batches of 22 and 23: three threads' shares of rows differ in size.
    const [V, H, rows] = [100, 41, 90];
    const x = binaryData(rows, V, 6, 0.25);
    const results = [];
    for (const threads of [1, 3]) {
      const fast = await wasm(V, H, threads);
      await fast.setParameters(parametersFor(rule, V, H, 11, 0.1));
      const data = await fast.upload(x);
      const epochs = [];
      for (let epoch = 0; epoch < 2; epoch++) epochs.push(await fast.trainEpoch(data, plan(rows, 4, rule, epoch)));
      results.push(epochs);
    }
    expect(results[0][1].swaps!.accepted).toBeGreaterThan(0);
    expect(results[1]).toEqual(results[0]);
  });

  it('run batch by batch, or stopped early, counts the swaps of the batches trained', async () => {
    const [V, H, rows] = [9, 6, 30];
    const rule = { ...TEMPERING_RULES[0], parallelTempering: { temperatures: 5 } };
    const parameters = randomParameters(V, H, 22, 1);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H }));
    const fast = await wasm(V, H, 2);
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const x = binaryData(rows, V, 14);
    const [cpuData, fastData] = [await cpu.upload(x), await fast.upload(x)];
    const seen: number[] = [];
    const perBatch = { ...plan(rows, 3, rule, 0), onBatch: (b: number) => seen.push(b) };
    const reference = await cpu.trainEpoch(cpuData, perBatch);
    seen.length = 0;
    expectTemperedAlike(reference, await fast.trainEpoch(fastData, perBatch), 'batch by batch');
    expect(seen).toEqual([0, 1, 2]);
    const stopping = (controller: AbortController) => ({ ...plan(rows, 3, rule, 1), onBatch: () => controller.abort(), signal: controller.signal });
    const [a, b] = [await cpu.trainEpoch(cpuData, stopping(new AbortController())), await fast.trainEpoch(fastData, stopping(new AbortController()))];
    expect(b.stopped).toBe(true);
    expect(b.losses).toHaveLength(1);
    expectTemperedAlike(a, b, 'stopped');
  });

  it('restores the chains when an epoch diverges, and then trains as the reference does', async () => {
    const [V, H, rows] = [9, 6, 30];
    const rule = TEMPERING_RULES[1];
    const start = { ...randomParameters(V, H, 23, 0.5), hiddenChains: binaryData(10 * 4, H, 24, 0.5).data };
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H }));
    const fast = await wasm(V, H, 2);
    await cpu.setParameters(start);
    await fast.setParameters(start);
    const x = binaryData(rows, V, 14);
    const [cpuData, fastData] = [await cpu.upload(x), await fast.upload(x)];
    // A summed gradient overflows float32 weights in the first batch on both backends.
    const diverging = plan(rows, 3, { ...rule, learningRate: 1e38 });
    const result = await fast.trainEpoch(fastData, diverging);
    expect(result.nonFiniteBatch).toBe(0);
    expect(result.nonFiniteBatch).toBe((await cpu.trainEpoch(cpuData, diverging)).nonFiniteBatch);
    expect(Array.from((await fast.getParameters()).hiddenChains!)).toEqual(Array.from(start.hiddenChains));
    const good = plan(rows, 3, rule, 1);
    expectTemperedAlike(await cpu.trainEpoch(cpuData, good), await fast.trainEpoch(fastData, good), 'after the restore');
  });

  it('through the model: two threads give the TypeScript kernels’ swap rates, KL and chains', async () => {
    const [V, H] = [9, 6];
    const x = binaryData(30, V, 14);
    const runs = [];
    for (const threads of [0, 2]) {
      const rates: number[] = [];
      const rbm = new RBM({ visible: V, hidden: H, threads, seed: 7, persistent: true, parallelTempering: { temperatures: 4 }, learningRate: 0.05, gradient: 'mean', momentum: 0 });
      try {
        const kl = (await rbm.fit(x, { epochs: 2, batchSize: 10, verbose: false, onEpoch: (r) => rates.push(r.swapRate!) })).klDivergence;
        runs.push({ rates, kl, chains: Array.from((await rbm.getParameters()).hiddenChains!) });
      } finally {
        await rbm.dispose();
      }
    }
    expect(runs[1].rates).toEqual(runs[0].rates);
    expect(runs[1].rates.every((r) => r > 0 && r < 1)).toBe(true);
    expect(runs[1].chains).toEqual(runs[0].chains);
    expectClose(runs[1].kl, runs[0].kl, { atol: 1e-5, rtol: 1e-5, label: 'KL per epoch' });
  });
});

/**
 * AIS's jobs for a V-visible model with `runs` chains: forward up a path of 150 βs from base-rate
 * samples; reverse from binary data rows, 20 repeated βs of burn-in at 1 and then down the
 * same path; and a coarse path with a repeated β, whose steps are large enough that the
 * kernels' difference of softplus values takes its long-step branch.
 */
function annealJobs(V: number, runs: number): [string, AnnealJob][] {
  const baseBias = fixture(V, V + 1, -2, 1);
  const up = Float64Array.from({ length: 150 }, (_, k) => k / 149);
  const down = Float64Array.from([...new Array<number>(20).fill(1), ...up.slice().reverse()]);
  const fromBase = fixture(runs * V, 3).map((u, k) => (u < 1 / (1 + Math.exp(-baseBias[k % V])) ? 1 : 0));
  return [
    ['forward', { path: up, start: fromBase, runs, baseBias, seed: 17 }],
    ['reverse', { path: down, start: binaryData(runs, V, 5, 0.4).data, runs, baseBias, seed: 18 }],
    ['coarse', { path: Float64Array.of(0, 0.3, 0.3, 0.9, 1), start: fromBase, runs, baseBias, seed: 19 }],
  ];
}

describe.each([
  [7, 5],
  [13, 67],
  [785, 7],
])('AIS on the WebAssembly backend at %i visible × %i hidden', (V, H) => {
  it('gives the log weights annealOnHost gives, forward and reverse', async () => {
    const parameters = randomParameters(V, H, V + 2 * H, 0.5);
    const fast = await wasm(V, H, 2);
    await fast.setParameters(parameters);
    for (const [name, job] of annealJobs(V, 11)) {
      const expected = await annealOnHost(parameters, V, H, job);
      // The chains take the same binary states (a float32 probability would have to fall within
      // about 1e-6 of its draw to differ), so the weights differ only by float32 rounding: of
      // v·W in each step's hidden inputs (≈ 1e-7 relative), carried into each unit's softplus
      // difference (accurate relative to itself for small steps; for the coarse path's large
      // ones, a difference of softplus values, ≈ 1e-7 of them) and summed in float64. Measured:
      // at most 5e-6 absolute, 3e-6 relative, so 1e-5 of each leaves room and still catches
      // a chain that went another way.
      expectClose(await fast.anneal(job), expected, { atol: 1e-5, rtol: 1e-5, label: `${name} log weights` });
    }
  });

  it('anneals bit-identically with 1 and 3 threads', async () => {
    const parameters = randomParameters(V, H, V + 3 * H, 0.5);
    const results = [];
    for (const threads of [1, 3]) {
      const fast = await wasm(V, H, threads);
      await fast.setParameters(parameters);
      const weights = [];
      for (const [, job] of annealJobs(V, 13)) weights.push(await fast.anneal(job));
      results.push(weights);
    }
    expect(results[1]).toEqual(results[0]);
  });
});

describe('AIS on the WebAssembly backend, edge cases', () => {
  const [V, H] = [6, 4];
  const p = randomParameters(V, H, 8, 1);
  const job = (runs: number, path: number[]): AnnealJob => ({
    path: Float64Array.from(path),
    start: binaryData(runs, V, 2, 0.5).data,
    runs,
    baseBias: fixture(V, 4, -1, 1),
    seed: 3,
  });
  const ramp = (steps: number) => Array.from({ length: steps }, (_, k) => k / (steps - 1));

  it('adds exactly nothing over repeated βs', async () => {
    const fast = await wasm(V, H, 2);
    await fast.setParameters(p);
    expect(Array.from(await fast.anneal(job(9, new Array<number>(40).fill(1))))).toEqual(new Array<number>(9).fill(0));
  });

  it('gives NaN, as the reference does, for a chain whose increments are not finite', async () => {
    const hiddenBias = p.hiddenBias.slice();
    hiddenBias[0] = NaN;
    const fast = await wasm(V, H, 2);
    await fast.setParameters({ ...p, hiddenBias });
    const j = job(3, ramp(10));
    expect(Array.from(await annealOnHost({ ...p, hiddenBias }, V, H, j), Number.isNaN)).toEqual([true, true, true]);
    expect(Array.from(await fast.anneal(j), Number.isNaN)).toEqual([true, true, true]);
  });

  it('refuses starting states or base rates of the wrong size', async () => {
    const fast = await wasm(V, H, 2);
    await fast.setParameters(p);
    await expect(fast.anneal({ ...job(4, ramp(5)), runs: 5 })).rejects.toThrow(/start/);
    await expect(fast.anneal({ ...job(4, ramp(5)), baseBias: new Float32Array(V + 1) })).rejects.toThrow(/baseBias/);
  });

  it('leaves training as it was: an epoch after AIS is the epoch without it', async () => {
    const rows = 30;
    const x = binaryData(rows, V, 7, 0.4);
    const results = [];
    for (const annealing of [false, true]) {
      const fast = await wasm(V, H, 2);
      await fast.setParameters(p);
      const data = await fast.upload(x);
      await fast.trainEpoch(data, plan(rows, 3, RULES[0], 0));
      if (annealing) await fast.anneal(job(7, ramp(50)));
      results.push(await fast.trainEpoch(data, plan(rows, 3, RULES[0], 1)));
    }
    expect(results[1]).toEqual(results[0]);
  });

  it("refuses, with a typed error and before anything runs, a job whose buffers would pass WebAssembly's 4 GiB", async () => {
    // W, Wᵀ and dW of an 18,500 × 18,500 model take 4.11 of the 4.29 GB; 1,000 chains'
    // states, inputs and lists would take 370 MB more.
    const [big, runs] = [18_500, 1000];
    const fast = await wasm(big, big, 1);
    const huge = { path: Float64Array.of(0, 1), start: new Float32Array(runs * big), runs, baseBias: new Float32Array(big), seed: 0 };
    const refusal = await fast.anneal(huge).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(InvalidArgumentError);
    expect((refusal as InvalidArgumentError).message).toMatch(/^runs: 1000 AIS runs along 2 inverse temperatures would need .* above its 4 GiB limit/);
  });
});

describe('the WebAssembly backend', () => {
  it('gives bit-identical results whatever the number of threads', async () => {
    const x = binaryData(300, 100, 4, 0.25);
    const results = [];
    for (const threads of [1, 2, 3]) {
      const rbm = new RBM({ visible: 100, hidden: 40, learningRate: 0.01, threads });
      expect((await rbm.device()).device).toBe(`CPU (WebAssembly SIMD, ${threads} thread${threads === 1 ? '' : 's'})`);
      const history = await rbm.fit(x, { epochs: 3, batchSize: 37, verbose: false });
      results.push({ kl: history.klDivergence, weights: Array.from((await rbm.getParameters()).weights) });
      await rbm.dispose();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it.each(RULES.filter((rule) => rule.centring))('trains a centred model bit-identically with 1 and 3 threads (%j)', async (rule) => {
    // 41 hidden units: the shares of three threads end inside a 4-lane vector.
    const [V, H, rows] = [100, 41, 90];
    const x = binaryData(rows, V, 6, 0.25);
    const results = [];
    for (const threads of [1, 3]) {
      const fast = await wasm(V, H, threads);
      await fast.setParameters(parametersFor(rule, V, H, 11, 0.1));
      const data = await fast.upload(x);
      const epochs = [];
      for (let epoch = 0; epoch < 2; epoch++) epochs.push(await fast.trainEpoch(data, plan(rows, 4, rule, epoch)));
      results.push(epochs);
    }
    expect(results[0][1].parameters.hiddenOffset).not.toEqual(parametersFor(rule, V, H, 11, 0.1).hiddenOffset);
    expect(results[1]).toEqual(results[0]);
  });

  it('returns the offsets of a centred model only', async () => {
    const [V, H, rows] = [6, 5, 12];
    const centred = RULES.find((rule) => rule.centring)!;
    const fast = await wasm(V, H, 2);
    const offsetKeys = async () => Object.keys(await fast.getParameters()).filter((key) => key.endsWith('Offset'));
    await fast.setParameters(randomParameters(V, H, 7));
    const trained = await fast.trainEpoch(await fast.upload(binaryData(rows, V, 3)), plan(rows, 2, RULES[0]));
    expect(Object.keys(trained.parameters).filter((key) => key.endsWith('Offset'))).toEqual([]);
    expect(await offsetKeys()).toEqual([]);
    await fast.setParameters(parametersFor(centred, V, H, 7));
    expect(await offsetKeys()).toEqual(['visibleOffset', 'hiddenOffset']);
    await fast.setParameters(randomParameters(V, H, 7));
    expect(await offsetKeys()).toEqual([]);
    await expect(fast.trainEpoch(await fast.upload(binaryData(rows, V, 3)), plan(rows, 2, centred))).rejects.toThrow(/offsets/);
  });

  it('lays out the tensors of its shape from the schema and refuses, before changing anything, a tensor the shape lacks, misses or sizes otherwise', async () => {
    const [V, H] = [6, 5];
    const fast = await wasm(V, H, 2);
    const start = randomParameters(V, H, 7);
    await fast.setParameters(start);
    const gamma = { hiddenGamma: new Float32Array(H).fill(1), hiddenGammaVelocity: new Float32Array(H) };
    await expect(fast.setParameters({ ...randomParameters(V, H, 8), ...gamma })).rejects.toThrow(/only a model with Gaussian or ReLU hidden units has hiddenGamma/);
    await expect(fast.setParameters({ ...randomParameters(V, H, 8), labelWeights: new Float32Array(3 * H), labelBias: new Float32Array(3) })).rejects.toThrow(/only a model with a label layer has labelWeights/);
    await expect(fast.setParameters({ ...randomParameters(V, H, 8), hiddenBias: new Float32Array(H + 1) })).rejects.toThrow(/hiddenBias: expected 5 values, got 6/);
    await expect(fast.setParameters({ ...randomParameters(V, H, 8), visibleOffset: new Float32Array(V), hiddenOffset: new Float32Array(H - 1) })).rejects.toThrow(/hiddenOffset: expected 5 values/);
    const { weights: _weights, ...withoutWeights } = randomParameters(V, H, 8);
    await expect(fast.setParameters(withoutWeights as Parameters)).rejects.toThrow(/every model needs weights/);
    expect(await fast.getParameters()).toEqual(start);
    // A velocity the parameters lack starts at zero.
    const { hiddenOffset: _offset, ...centred } = parametersFor(RULES.find((rule) => rule.centring)!, V, H, 9);
    const labelled = await wasm(V, H, 2, { labels: 3 });
    await labelled.setParameters({ ...start, labelWeights: fixture(3 * H, 4), labelBias: fixture(3, 5) });
    expect((await labelled.getParameters()).labelWeightVelocity).toEqual(new Float32Array(3 * H));
    await fast.setParameters(centred as Parameters);
    expect(Object.keys(await fast.getParameters()).filter((key) => key.endsWith('Offset')), 'one offset is no centring').toEqual([]);
  });

  it('saturated units: sigmoid, sampling and the KL stay finite and match the plain kernels', async () => {
    const V = 20;
    const H = 8;
    const parameters = randomParameters(V, H, 3, 40);
    const cpu = new CpuBackend(modelShape({ visible: V, hidden: H }));
    const fast = await wasm(V, H, 2);
    await cpu.setParameters(parameters);
    await fast.setParameters(parameters);
    const x = binaryData(16, V, 2, 0.5);
    const p = plan(16, 2, { learningRate: 1e-6, momentum: 0, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 });
    const [a, b] = [await cpu.trainEpoch(await cpu.upload(x), p), await fast.trainEpoch(await fast.upload(x), p)];
    expect(b.losses.every(Number.isFinite)).toBe(true);
    expectClose(b.losses, a.losses, { atol: 1e-4, rtol: 1e-5, label: 'KL with |activations| in the hundreds' });
  });

  it('is chosen by default, and threads: 0 keeps the plain TypeScript kernels', async () => {
    const fast = new RBM({ visible: 4, hidden: 2 });
    const plain = new RBM({ visible: 4, hidden: 2, threads: 0 });
    expect((await fast.device()).device).toMatch(/^CPU \(WebAssembly SIMD, \d+ threads?\)$/);
    expect((await plain.device()).device).toBe('CPU (TypeScript)');
    await fast.dispose();
  });
});

// Hostile and extreme inputs to the hidden unit types (binary, Gaussian, ReLU), their precision γ,
// the rule table and the states and files that carry them: every refusal is an RbmError subclass
// naming the problem, before anything changes, and every result that is given is right (each
// backend against the reference). Cases are tables, as in hostile-api.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError, decodeModel, encodeModel, InvalidArgumentError, RBM, RbmError, type Matrix, type ModelState, type Parameters, type RbmOptions } from '../src/node.js';
import { truncatedNormalExcess } from '../src/layers/normal.js';
import { binaryData } from './helpers.js';

const models: RBM[] = [];
afterAll(async () => {
  for (const m of models) await m.dispose().catch(() => {});
});

/** A model of these options (on the backend `threads` picks) with its parameters changed by `change`. */
async function modelWith(options: RbmOptions, change: (p: Parameters) => Partial<Parameters>): Promise<RBM> {
  const rbm = new RBM(options);
  models.push(rbm);
  const p = await rbm.getParameters();
  await rbm.setParameters({ ...p, ...change(p) });
  return rbm;
}

describe('ReLU units far below their truncation point', () => {
  // For α = −z/√γ → ∞ the excess of a normal over α, times α, is an exponential draw: −log(1 − u).
  it.each([1e4, 1e7, 1e8, 1e10, 1e15])('the reference draws α·t = −log(1 − u) at α = %s', (alpha) => {
    for (const u of [1e-7, 0.01, 0.3, 0.5, 0.9, 0.999]) {
      const exponential = -Math.log1p(-u);
      expect(Math.abs(alpha * truncatedNormalExcess(alpha, u) - exponential), `u = ${u}`).toBeLessThan(1e-9 * exponential + (1 + exponential) ** 2 / alpha ** 2);
    }
  });

  it.each([0, 1])('sample the same exponential draws at z = −10³ and z = −10¹⁰ (threads: %i)', async (threads) => {
    const [V, H] = [1, 8];
    const draws = async (z: number) => {
      const rbm = await modelWith({ visible: V, hidden: H, hiddenType: 'relu', threads }, () => ({ weights: new Float32Array(V * H), hiddenBias: new Float32Array(H).fill(z) }));
      const h = await rbm.sampleHidden({ data: new Float32Array(4 * V), rows: 4, cols: V });
      return Array.from(h.data, (x) => x * -z);
    };
    const [near, far] = [await draws(-1e3), await draws(-1e10)];
    far.forEach((d, k) => expect(Math.abs(d - near[k]), `draw ${k}: ${d} at z = −10¹⁰, ${near[k]} at z = −10³`).toBeLessThan(1e-5 * near[k] + 1e-6));
  });
});

type ErrorClass = abstract new (...args: never[]) => RbmError;

interface Case {
  readonly name: string;
  readonly call: () => unknown;
  readonly error: ErrorClass;
  readonly message: string | RegExp;
}

const bad = (name: string, call: () => unknown, message: string | RegExp, error: ErrorClass = InvalidArgumentError): Case => ({ name, call, error, message });

async function expectRefused(c: Case, rbm?: RBM): Promise<void> {
  const before = rbm && Buffer.from(encodeModel(await rbm.getState()));
  const error = await Promise.resolve().then(c.call).then(() => undefined, (e: unknown) => e);
  expect(error, `${c.name}: expected a ${c.error.name}`).toBeInstanceOf(c.error);
  expect((error as Error).message).toMatch(typeof c.message === 'string' ? new RegExp(c.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : c.message);
  if (rbm) expect(Buffer.from(encodeModel(await rbm.getState())).equals(before!), `${c.name}: the model changed`).toBe(true);
}

describe('persistent chains hold states of the hidden units', () => {
  const [V, H] = [6, 3];
  const trainedWithChains = async (hiddenType: 'binary' | 'relu') => {
    const rbm = new RBM({ visible: V, hidden: H, hiddenType, persistent: true, learningRate: 0.01, threads: 0 });
    models.push(rbm);
    await rbm.fit(binaryData(20, V, 5), { epochs: 1, batchSize: 5, verbose: false });
    return rbm;
  };
  const withChains = (state: ModelState, value: number): ModelState => ({
    ...state,
    parameters: { ...state.parameters, hiddenChains: state.parameters.hiddenChains!.map((v, k) => (k === 4 ? value : v)) },
  });
  const cases: [string, 'binary' | 'relu', number][] = [
    ['a negative ReLU state', 'relu', -1],
    ['a ReLU state of −1e-30', 'relu', -1e-30],
    ['a binary state of 7', 'binary', 7],
    ['a binary state of −0.5', 'binary', -0.5],
  ];

  it.each(cases)('setState refuses %s', async (_, hiddenType, value) => {
    const rbm = await trainedWithChains(hiddenType);
    await expectRefused(bad('setState', async () => rbm.setState(withChains(await rbm.getState(), value)), /hiddenChains: element 4 is .*; expected a value/), rbm);
  });

  it.each(cases)('a model file with %s is refused by name', async (_, hiddenType, value) => {
    const rbm = await trainedWithChains(hiddenType);
    const state = withChains(await rbm.getState(), value);
    // encodeModel checks the state as load does: write the file from a good state, then put the bad value in its bytes.
    const bytes = encodeModel(await rbm.getState());
    const good = Buffer.from(state.parameters.hiddenChains!.buffer.slice(0));
    const original = Buffer.from((await rbm.getState()).parameters.hiddenChains!.buffer.slice(0));
    const at = Buffer.from(bytes).indexOf(original);
    expect(at).toBeGreaterThan(0);
    const file = Uint8Array.from(bytes);
    file.set(good, at);
    await expectRefused(bad('decodeModel', () => decodeModel(file, 'chains.safetensors'), /chains\.safetensors: hiddenChains: element 4/, DataFormatError));
  });

  it('keeps taking the chains training leaves (ReLU states ≥ 0, binary states 0 or 1)', async () => {
    for (const hiddenType of ['binary', 'relu'] as const) {
      const rbm = await trainedWithChains(hiddenType);
      await rbm.setState(await rbm.getState());
    }
  });
});

describe("fit's per-epoch log-likelihood needs exact log Z, checked before anything trains", () => {
  const realRows = (rows: number, cols: number) => ({ data: Float32Array.from({ length: rows * cols }, (_, k) => Math.sin(k)), rows, cols });
  const cases: [string, RbmOptions, Matrix, RegExp][] = [
    ['Gaussian visible and Gaussian hidden units', { visible: 4, hidden: 3, visibleType: 'gaussian', hiddenType: 'gaussian' }, realRows(20, 4), /needs a layer of binary units/],
    ['Gaussian visible and ReLU hidden units', { visible: 4, hidden: 3, visibleType: 'gaussian', hiddenType: 'relu' }, realRows(20, 4), /needs a layer of binary units/],
    ['softmax visible and ReLU hidden units', { visible: 4, hidden: 3, visibleType: { softmax: 2 }, hiddenType: 'relu' }, { data: Float32Array.from({ length: 80 }, (_, k) => ((k >> 1) + k) % 2), rows: 20, cols: 4 }, /needs a layer of binary units/],
    ['30 binary visible and 3 ReLU hidden units', { visible: 30, hidden: 3, hiddenType: 'relu' }, binaryData(20, 30, 3), /2\^30 visible states/],
    ['4 Gaussian visible and 30 binary hidden units', { visible: 4, hidden: 30, visibleType: 'gaussian' }, realRows(20, 4), /2\^30 hidden states/],
  ];
  it.each(cases)('%s', async (_, options, x, message) => {
    const rbm = new RBM({ ...options, learningRate: 0.001, threads: 0 });
    models.push(rbm);
    await expectRefused(bad('fit', () => rbm.fit(x, { epochs: 2, batchSize: 5, verbose: false, metrics: ['logLikelihood'] }), new RegExp(`metrics: 'logLikelihood' per epoch needs exact log Z, but .*${message.source}`)), rbm);
    expect(rbm.epochsTrained).toBe(0);
  });
  it('and trains where it can be summed (3 binary visible units beside ReLU ones)', async () => {
    const rbm = new RBM({ visible: 3, hidden: 30, hiddenType: 'relu', learningRate: 0.01, threads: 0 });
    models.push(rbm);
    const fit = await rbm.fit(binaryData(20, 3, 4), { epochs: 1, batchSize: 5, verbose: false, metrics: ['logLikelihood'] });
    expect(Number.isFinite(fit.metrics?.logLikelihood?.[0])).toBe(true);
  });
});

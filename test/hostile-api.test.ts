// Hostile and careless calls to the library's API: every one must be refused with an RbmError
// subclass naming the problem, before anything changes (the model's state is compared byte for
// byte), and the model must go on working afterwards. Cases are generated in families.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BackendUnavailableError,
  DivergenceError,
  encodeModel,
  FileAccessError,
  InvalidArgumentError,
  NonFiniteError,
  RBM,
  RbmError,
  type ModelState,
  type RbmOptions,
} from '../src/node.js';
import { binaryData } from './helpers.js';

const V = 6;
const H = 3;
const dir = mkdtempSync(join(tmpdir(), 'rbm-hostile-'));
const x = binaryData(40, V, 7);
const models: RBM[] = [];
afterAll(async () => {
  for (const m of models) await m.dispose().catch(() => {});
});

type ErrorClass = abstract new (...args: never[]) => RbmError;

interface Case {
  readonly name: string;
  readonly call: (rbm: RBM) => unknown;
  readonly error: ErrorClass;
  /** A fragment the message must contain (a string) or match. */
  readonly message: string | RegExp;
}

let shared: RBM | undefined;
/** One trained model for the method cases; each case checks it is left exactly as it was. */
async function trained(): Promise<RBM> {
  if (!shared) {
    shared = new RBM({ visible: V, hidden: H, learningRate: 0.05 });
    models.push(shared);
    await shared.fit(x, { epochs: 1, batchSize: 10, verbose: false });
  }
  return shared;
}

const bytes = async (rbm: RBM) => Buffer.from(encodeModel(await rbm.getState()));

async function expectRefused(c: Case, rbm?: RBM): Promise<void> {
  const before = rbm && (await bytes(rbm));
  let error: unknown;
  try {
    await c.call(rbm as RBM);
  } catch (e) {
    error = e;
  }
  expect(error, `${c.name}: expected a ${c.error.name}`).toBeInstanceOf(c.error);
  expect(error).toBeInstanceOf(RbmError);
  const message = (error as Error).message;
  if (typeof c.message === 'string') expect(message).toContain(c.message);
  else expect(message).toMatch(c.message);
  if (rbm) {
    expect((await bytes(rbm)).equals(before!), `${c.name}: the model changed`).toBe(true);
    // …and it still works.
    await rbm.expectHidden(x);
  }
}

const cases = (list: Case[]) => list.map((c) => [c.name, c] as const);
const bad = (name: string, call: Case['call'], message: string | RegExp, error: ErrorClass = InvalidArgumentError): Case => ({ name, call, error, message });

// ---------------------------------------------------------------------------------------------
// Constructor options

const HOSTILE_VALUES: [string, unknown][] = [
  ['a string', '5'],
  ['null', null],
  ['NaN', Number.NaN],
  ['Infinity', Infinity],
  ['-1', -1],
  ['an object', {}],
  ['an array', [1]],
  ['true', true],
];
const NUMERIC_OPTIONS = ['visible', 'hidden', 'learningRate', 'momentum', 'seed', 'initScale', 'cdSteps', 'weightDecay', 'threads'] as const;

const constructorCases: Case[] = [
  ...NUMERIC_OPTIONS.flatMap((key) =>
    HOSTILE_VALUES.filter(([, v]) => !(key === 'threads' && v === null)).map(([label, value]) =>
      bad(`${key}: ${label}`, () => new RBM({ visible: V, hidden: H, [key]: value } as unknown as RbmOptions), key),
    ),
  ),
  ...['statistics', 'gradient', 'useGPU', 'persistent', 'momentumSchedule', 'gpu'].flatMap((key) =>
    [['a number', 3], ['a wrong word', 'bogus'], ['null', null]].map(([label, value]) =>
      bad(`${key}: ${label}`, () => new RBM({ visible: V, hidden: H, [key as string]: value } as unknown as RbmOptions), key as string),
    ),
  ),
  ...[
    ['useGpu', 'useGPU'],
    ['learningrate', 'learningRate'],
    ['LearningRate', 'learningRate'],
    ['learning_rate', 'learningRate'],
    ['momentun', 'momentum'],
    ['seeds', 'seed'],
    ['cdsteps', 'cdSteps'],
    ['initscale', 'initScale'],
    ['threds', 'threads'],
    ['hiden', 'hidden'],
    ['visble', 'visible'],
    ['weightdecay', 'weightDecay'],
    ['persistant', 'persistent'],
    ['statistic', 'statistics'],
    ['gradients', 'gradient'],
    ['momentumschedule', 'momentumSchedule'],
  ].map(([wrong, right]) =>
    bad(`misspelled ${right} as ${wrong}`, () => new RBM({ visible: V, hidden: H, [wrong]: 1 } as unknown as RbmOptions), `did you mean '${right}'`),
  ),
  ...['batchSize', 'epochs', 'n_components', 'use_GPU', 'learning_rates', 'x'].map((key) =>
    bad(`an unknown option ${key}`, () => new RBM({ visible: V, hidden: H, [key]: 1 } as unknown as RbmOptions), `unknown option '${key}'`),
  ),
  ...[null, 5, 'options', [1, 2]].map((value) =>
    bad(`options given as ${JSON.stringify(value)}`, () => new RBM(value as unknown as RbmOptions), 'expected an object'),
  ),
  bad('gpu.flag misspelled', () => new RBM({ visible: V, hidden: H, gpu: { flag: ['x'] } as never }), "did you mean 'flags'"),
  bad('gpu.flags not strings', () => new RBM({ visible: V, hidden: H, gpu: { flags: [1] as never } }), 'gpu.flags'),
  bad('gpu.powerPreference wrong', () => new RBM({ visible: V, hidden: H, gpu: { powerPreference: 'max' as never } }), 'gpu.powerPreference'),
  bad('gpu.maxBindingBytes 0', () => new RBM({ visible: V, hidden: H, gpu: { maxBindingBytes: 0 } }), 'gpu.maxBindingBytes'),
  bad('gpu.device not a device', () => new RBM({ visible: V, hidden: H, gpu: { device: {} as GPUDevice } }), 'gpu.device'),
  bad('a momentum schedule entry misspelled', () => new RBM({ visible: V, hidden: H, momentumSchedule: [{ epoch: 1, momentun: 0.5 } as never] }), "did you mean 'momentum'"),
  bad('a momentum schedule going back', () => new RBM({ visible: V, hidden: H, momentumSchedule: [{ epoch: 3, momentum: 0.5 }, { epoch: 2, momentum: 0.9 }] }), 'epochs must increase'),
  bad('a momentum of 1', () => new RBM({ visible: V, hidden: H, momentum: 1 }), 'momentum'),
  bad('a learning rate of 0', () => new RBM({ visible: V, hidden: H, learningRate: 0 }), 'learningRate'),
  bad('a seed of 2^32', () => new RBM({ visible: V, hidden: H, seed: 2 ** 32 }), 'seed'),
  bad('cdSteps of 0', () => new RBM({ visible: V, hidden: H, cdSteps: 0 }), 'cdSteps'),
  // Gaussian visible units and the label layer.
  ...[['a number', 3], ['a wrong word', 'gausian'], ['null', null], ['softmax groups not given as such', { softmax: 'x' }]].map(([label, value]) =>
    bad(`visibleType: ${label}`, () => new RBM({ visible: V, hidden: H, visibleType: value } as unknown as RbmOptions), 'visibleType'),
  ),
  ...[['a number', 1], ['null', null], ['a string', 'yes']].map(([label, value]) =>
    bad(`learnVariance: ${label}`, () => new RBM({ visible: V, hidden: H, visibleType: 'gaussian', learnVariance: value } as unknown as RbmOptions), 'learnVariance'),
  ),
  bad('learnVariance: false on binary units', () => new RBM({ visible: V, hidden: H, learnVariance: false }), "applies to visibleType: 'gaussian' only"),
  bad('Gaussian units with centring', () => new RBM({ visible: V, hidden: H, visibleType: 'gaussian', centering: true }), 'centering'),
  bad('Gaussian units with tempering', () => new RBM({ visible: V, hidden: H, visibleType: 'gaussian', persistent: true, parallelTempering: { temperatures: 3 } }), 'parallelTempering'),
  bad('misspelled visibleType as visibletype', () => new RBM({ visible: V, hidden: H, visibletype: 'gaussian' } as unknown as RbmOptions), "did you mean 'visibleType'"),
  bad('misspelled learnVariance as learnVariances', () => new RBM({ visible: V, hidden: H, learnVariances: false } as unknown as RbmOptions), "did you mean 'learnVariance'"),
  ...HOSTILE_VALUES.filter(([label]) => label !== '-1').concat([['1', 1], ['2.5', 2.5], ['70000', 70000]]).map(([label, value]) =>
    bad(`labels: ${label}`, () => new RBM({ visible: V, hidden: H, labels: value } as unknown as RbmOptions), 'labels'),
  ),
  bad('labels: -1', () => new RBM({ visible: V, hidden: H, labels: -1 }), 'labels'),
  ...[['a number', 3], ['a wrong word', 'discriminant'], ['null', null]].map(([label, value]) =>
    bad(`objective: ${label}`, () => new RBM({ visible: V, hidden: H, labels: 3, objective: value } as unknown as RbmOptions), 'objective'),
  ),
  bad('objective without labels', () => new RBM({ visible: V, hidden: H, objective: 'hybrid' }), 'applies to a model with labels only'),
  ...[['0', 0], ['-0.5', -0.5], ['NaN', Number.NaN], ['a string', '0.1']].map(([label, value]) =>
    bad(`generativeWeight: ${label}`, () => new RBM({ visible: V, hidden: H, labels: 3, objective: 'hybrid', generativeWeight: value } as unknown as RbmOptions), 'generativeWeight'),
  ),
  bad('generativeWeight without the hybrid objective', () => new RBM({ visible: V, hidden: H, labels: 3, generativeWeight: 0.5 }), "objective: 'hybrid' only"),
  bad('labels on Gaussian units', () => new RBM({ visible: V, hidden: H, labels: 3, visibleType: 'gaussian' }), "labels: is not available with visibleType: 'gaussian'"),
  bad('labels with persistent chains', () => new RBM({ visible: V, hidden: H, labels: 3, persistent: true }), 'persistent'),
  bad('misspelled generativeWeight as generative_weight', () => new RBM({ visible: V, hidden: H, generative_weight: 0.1 } as unknown as RbmOptions), "did you mean 'generativeWeight'"),
  // Memory: refused up front with the bytes needed and the limit.
  bad('10 × 40,000,000 weights', () => new RBM({ visible: 10, hidden: 4e7 }), /would need .* of memory, above the limit of/),
  bad('64 × 6,000,000 weights', () => new RBM({ visible: 64, hidden: 6e6 }), /would need .* GB of memory/),
  bad('784 × 1,000,000 weights', () => new RBM({ visible: 784, hidden: 1e6 }), 'hidden'),
  bad('2^31 weights', () => new RBM({ visible: 2 ** 16, hidden: 2 ** 15 }), 'hidden'),
  bad('1000 worker threads', () => new RBM({ visible: V, hidden: H, threads: 1000 }), /1000 worker threads .* use at most/),
  bad('a fractional thread count', () => new RBM({ visible: V, hidden: H, threads: 1.5 }), 'threads'),
];

describe('the constructor refuses', () => {
  it.each(cases(constructorCases))('%s', async (_, c) => expectRefused(c));
  it('options the model needs in ways that name the option', () => {
    expect(constructorCases.length).toBeGreaterThanOrEqual(100);
  });
});

// ---------------------------------------------------------------------------------------------
// fit

const fitWith = (options: Record<string, unknown>, data: unknown = x) => (rbm: RBM) =>
  rbm.fit(data as never, { epochs: 1, batchSize: 10, verbose: false, ...options } as never);

const fitCases: Case[] = [
  ...[['epochs', -1], ['epochs', 1.5], ['epochs', '1'], ['epochs', Number.NaN], ['batchSize', 0], ['batchSize', 41], ['batchSize', 2.5], ['batchSize', null],
    ['verbose', 'yes'], ['onEpoch', 3], ['onBatch', 'x'], ['log', {}], ['checkpoint', ''], ['checkpoint', 5], ['checkpointEvery', 0],
    ['resumeFrom', ''], ['signal', {}], ['metrics', 'all'], ['metrics', ['bogus']], ['metricRows', 0], ['validation', [[1, 0]]]]
    .map(([key, value]) => bad(`fit ${key}: ${JSON.stringify(value)}`, fitWith({ [key as string]: value }), key as string)),
  ...[['batchsize', 'batchSize'], ['epoch', 'epochs'], ['Epochs', 'epochs'], ['checkpointevery', 'checkpointEvery'], ['resume', 'resumeFrom'],
    ['onepoch', 'onEpoch'], ['metric', 'metrics'], ['validate', 'validation'], ['verbos', 'verbose'], ['logger', 'log']]
    .map(([wrong, right]) => bad(`fit option ${wrong} for ${right}`, fitWith({ [wrong]: 1 }), `did you mean '${right}'`)),
  ...['learningRate', 'momentum', 'shuffle', 'lr'].map((key) => bad(`fit option ${key}`, fitWith({ [key]: 1 }), `unknown option '${key}'`)),
  ...[null, 5, 'x', [1]].map((value) => bad(`fit options ${JSON.stringify(value)}`, (rbm) => rbm.fit(x, value as never), 'expected { epochs, batchSize }')),
  bad('freeEnergyGap without validation', fitWith({ metrics: ['freeEnergyGap'] }), 'validation'),
  bad('a checkpoint in a folder that does not exist', fitWith({ checkpoint: join(dir, 'missing', 'c.safetensors') }), 'does not exist', FileAccessError),
  bad('a checkpoint that is a folder', fitWith({ checkpoint: dir }), 'it is a folder', FileAccessError),
  bad('resuming from a file that does not exist', fitWith({ resumeFrom: join(dir, 'nothing.safetensors') }), 'nothing.safetensors', FileAccessError),
  // Data.
  ...[
    ['null', null, 'expected a Matrix'],
    ['a number', 5, 'expected a Matrix'],
    ['a string', 'data', 'expected a Matrix'],
    ['data as a plain array', { data: [0, 1, 0, 1, 0, 1], rows: 1, cols: 6 }, 'Float32Array'],
    ['Float64Array data', { data: new Float64Array(6), rows: 1, cols: 6 }, 'Float32Array'],
    ['too few columns', [[0, 1, 0]], 'expected 6'],
    ['a ragged row', [[0, 1, 0, 1, 0, 1], [0, 1]], 'row 1 has 2 values'],
    ['a row that is not an array', [[0, 1, 0, 1, 0, 1], 5], 'row 1 is not an array'],
    ['a value that is a string', [[0, 1, 0, 1, 0, '1']], 'is not a number'],
    ['NaN', [[0, 1, 0, 1, 0, Number.NaN]], 'NaN'],
    ['a value above 1', [[0, 1, 0, 1, 0, 2]], 'in [0, 1]'],
    ['a negative value', [[0, 1, 0, -1, 0, 1]], 'in [0, 1]'],
    ['no rows', [], 'is empty'],
    ['rows × cols that do not match', { data: new Float32Array(7), rows: 1, cols: 6 }, 'data has 7 values'],
    ['negative rows', { data: new Float32Array(0), rows: -1, cols: 6 }, 'rows and cols'],
    ['fractional cols', { data: new Float32Array(6), rows: 1, cols: 5.5 }, 'rows and cols'],
  ].map(([label, data, message]) => bad(`fit on ${label}`, fitWith({ batchSize: 1 }, data), message as string)),
];

describe('fit refuses, leaving the model as it was', () => {
  it.each(cases(fitCases))('%s', async (_, c) => expectRefused(c, await trained()));
});

// ---------------------------------------------------------------------------------------------
// The other methods

const row = [[0, 1, 0, 1, 0, 1]];
const methodCases: Case[] = [
  bad('fit with labels on a model without a label layer', (rbm) => rbm.fit(x, { epochs: 1, batchSize: 10, labels: new Array(40).fill(0) }), 'no label layer'),
  bad('predict on a model without a label layer', (rbm) => rbm.predict(x), 'needs a label layer'),
  bad('predictProba on a model without a label layer', (rbm) => rbm.predictProba(x), 'needs a label layer'),
  bad('fit option label misspelled', (rbm) => rbm.fit(x, { epochs: 1, batchSize: 10, label: [0] } as never), "did you mean 'labels'"),
  ...[-1, 1.5, '3', Number.NaN, null].map((steps) => bad(`daydream steps ${String(steps)}`, (rbm) => rbm.daydream(steps as never), 'steps')),
  ...[0, -2, 2.5, 'many'].map((chains) => bad(`daydream chains ${String(chains)}`, (rbm) => rbm.daydream(1, { chains: chains as never }), 'chains')),
  bad('daydream with 1e9 chains', (rbm) => rbm.daydream(1, { chains: 1e9 }), /1000000000 chains would need .* above the limit/),
  bad('daydream option chain', (rbm) => rbm.daydream(1, { chain: 2 } as never), "did you mean 'chains'"),
  bad('daydream options null', (rbm) => rbm.daydream(1, null as never), 'expected an object'),
  bad('daydream probabilities "yes"', (rbm) => rbm.daydream(1, { probabilities: 'yes' as never }), 'probabilities'),
  bad('daydream from a start of the wrong width', (rbm) => rbm.daydream(1, { start: [[0, 1]] }), 'start'),
  ...(['expectHidden', 'sampleHidden', 'reconstruct', 'gibbs', 'freeEnergy'] as const).flatMap((method) => [
    bad(`${method} of null`, (rbm) => rbm[method](null as never), 'expected a Matrix'),
    bad(`${method} of the wrong width`, (rbm) => rbm[method]([[0, 1]]), 'expected 6'),
    bad(`${method} of NaN`, (rbm) => rbm[method]([[0, 1, 0, 1, 0, Number.NaN]]), 'NaN'),
  ]),
  ...(['expectVisible', 'sampleVisible'] as const).flatMap((method) => [
    bad(`${method} of null`, (rbm) => rbm[method](null as never), 'expected a Matrix'),
    bad(`${method} of the wrong width`, (rbm) => rbm[method](row), 'expected 3'),
  ]),
  bad('energy with one h for two v', (rbm) => rbm.energy([...row, ...row], [[1, 0, 1]]), 'expected one h per v'),
  bad('energy with h of the wrong width', (rbm) => rbm.energy(row, row), 'expected 3'),
  bad('reconstructionError of values above 1', (rbm) => rbm.reconstructionError([[0, 1, 0, 1, 0, 3]]), 'in [0, 1]'),
  bad('pseudoLikelihood flip out of range', (rbm) => rbm.pseudoLikelihood(row, { flip: [6] }), 'flip'),
  bad('pseudoLikelihood flip of the wrong length', (rbm) => rbm.pseudoLikelihood(row, { flip: [1, 2] }), 'flip'),
  bad('pseudoLikelihood seed -1', (rbm) => rbm.pseudoLikelihood(row, { seed: -1 }), 'seed'),
  bad('pseudoLikelihood option seeds', (rbm) => rbm.pseudoLikelihood(row, { seeds: 1 } as never), "did you mean 'seed'"),
  bad('freeEnergyGap of the wrong width', (rbm) => rbm.freeEnergyGap(row, [[0, 1]]), 'heldOut'),
  bad('logPartition method bogus', (rbm) => rbm.logPartition({ method: 'bogus' as never }), 'method'),
  bad('logPartition options null', (rbm) => rbm.logPartition(null as never), 'expected an object'),
  bad('logPartition option metod', (rbm) => rbm.logPartition({ metod: 'exact' } as never), "did you mean 'method'"),
  bad('exact log Z with runs', (rbm) => rbm.logPartition({ method: 'exact', runs: 10 }), "applies to method: 'ais' or 'reverse-ais' only"),
  ...[
    ['an empty list', []],
    ['one beta', [1]],
    ['a list that goes back', [0, 0.7, 0.3, 1]],
    ['NaN', [0, Number.NaN, 1]],
    ['a beta above 1', [0, 2, 1]],
    ['a negative beta', [-0.5, 0, 1]],
    ['a list that does not start at 0', [0.1, 0.5, 1]],
    ['a list that does not end at 1', [0, 0.5, 0.9]],
    ['a count of 1', 1],
    ['a fractional count', 2.5],
    ['a count of 10^9', 1e9],
    ['a string', '100'],
  ].map(([label, betas]) => bad(`AIS betas: ${label}`, (rbm) => rbm.logPartition({ method: 'ais', betas: betas as never, runs: 2 }), 'betas')),
  ...[0, -1, 1.5].map((runs) => bad(`AIS runs ${runs}`, (rbm) => rbm.logPartition({ method: 'ais', runs }), 'runs')),
  bad('AIS with 10^12 runs', (rbm) => rbm.logPartition({ method: 'ais', runs: 1e12 }), /above the limit/),
  bad('AIS data of the wrong width', (rbm) => rbm.logPartition({ method: 'ais', data: [[1]], runs: 2, betas: 3 }), 'data'),
  bad('logLikelihood with logZ NaN', (rbm) => rbm.logLikelihood(row, { method: 'exact', logZ: Number.NaN }), 'logZ'),
  bad('logLikelihood option logz', (rbm) => rbm.logLikelihood(row, { method: 'exact', logz: 1 } as never), "did you mean 'logZ'"),
  bad('inpaint with a mask that is not 0/1', (rbm) => rbm.inpaint(row, [[0.5, 1, 1, 1, 1, 1]]), 'mask'),
  bad('inpaint with a mask of other rows', (rbm) => rbm.inpaint(row, [...row, ...row]), 'mask'),
  bad('inpaint steps 0', (rbm) => rbm.inpaint(row, row, { steps: 0 }), 'steps'),
  bad('inpaint option step', (rbm) => rbm.inpaint(row, row, { step: 3 } as never), "did you mean 'steps'"),
  bad('setParameters with short weights', async (rbm) => rbm.setParameters({ ...(await rbm.getParameters()), weights: new Float32Array(3) }), 'weights'),
  bad('setParameters with NaN', async (rbm) => {
    const p = await rbm.getParameters();
    p.visibleBias[0] = Number.NaN;
    return rbm.setParameters(p);
  }, 'visibleBias'),
  bad('setState of another size', async (rbm) => {
    const s = await rbm.getState();
    return rbm.setState({ ...s, config: { ...s.config, hidden: 4 } });
  }, /hidden|weights/),
  bad('setState with inferenceDraws past the stream', async (rbm) => rbm.setState({ ...(await rbm.getState()), inferenceDraws: 2 ** 32 }), 'inferenceDraws'),
  bad('setState of null', (rbm) => rbm.setState(null as never), 'state'),
  bad('save to an empty path', (rbm) => rbm.save(''), 'path'),
  bad('save to a number', (rbm) => rbm.save(5 as never), 'path'),
  bad('save into a missing folder', (rbm) => rbm.save(join(dir, 'no', 'such', 'm.safetensors')), 'could not be written', FileAccessError),
  bad('save over a folder', (rbm) => rbm.save(dir), dir, FileAccessError),
];

describe('the methods refuse, leaving the model as it was', () => {
  it.each(cases(methodCases))('%s', async (_, c) => expectRefused(c, await trained()));
});

// ---------------------------------------------------------------------------------------------
// Loading

const loadCases: Case[] = [
  bad('load with a training option', async () => {
    const path = join(dir, 'load.safetensors');
    await (await trained()).save(path);
    return RBM.load(path, { learningRate: 5 } as never);
  }, /unknown option 'learningRate'.*RBM.fromState/),
  bad('load with useGpu', () => RBM.load(join(dir, 'load.safetensors'), { useGpu: true } as never), "did you mean 'useGPU'"),
  bad('load of an empty path', () => RBM.load(''), 'path'),
  bad('load of a missing file', () => RBM.load(join(dir, 'missing.safetensors')), 'missing.safetensors', FileAccessError),
  bad('fromState of null', () => RBM.fromState(null as never), 'state'),
  bad('fromState with an unknown config key', async () => {
    const s = await (await trained()).getState();
    return RBM.fromState({ ...s, config: { ...s.config, learningrate: 1 } } as ModelState);
  }, "did you mean 'learningRate'"),
  bad('fromState with threads 1000', async () => RBM.fromState(await (await trained()).getState(), { threads: 1000 }), 'threads'),
];

describe('loading refuses', () => {
  it.each(cases(loadCases))('%s', async (_, c) => expectRefused(c));
});

// ---------------------------------------------------------------------------------------------
// Behaviour under careless use

describe('careless use', () => {
  it("useGPU: 'auto' falls back to the CPU whatever stops the GPU", async () => {
    for (const flags of [['adapter=no-such-adapter'], ['backend=no-such-backend'], ['not a flag at all']]) {
      const lines: string[] = [];
      const rbm = new RBM({ visible: V, hidden: H, useGPU: 'auto', gpu: { flags } });
      models.push(rbm);
      await rbm.fit(x, { epochs: 1, batchSize: 10, log: (l) => lines.push(l) });
      expect((await rbm.device()).backend, flags.join()).toBe('cpu');
      expect(lines[0]).toMatch(/# useGPU: 'auto' (found no WebGPU adapter|could not use the GPU)/);
    }
  });

  it('useGPU: true with an adapter that cannot be had is a BackendUnavailableError, and dispose still works', async () => {
    const rbm = new RBM({ visible: V, hidden: H, useGPU: true, gpu: { flags: ['adapter=no-such-adapter'] } });
    await expect(rbm.expectHidden(x)).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(rbm.dispose()).resolves.toBeUndefined();
  });

  it('fit trains on the data as it was when called, whatever happens to the array later', async () => {
    const a = new RBM({ visible: V, hidden: H, learningRate: 0.05 });
    const b = new RBM({ visible: V, hidden: H, learningRate: 0.05 });
    models.push(a, b);
    const mine = { data: x.data.slice(), rows: x.rows, cols: x.cols };
    const pending = a.fit(mine, { epochs: 2, batchSize: 10, verbose: false });
    mine.data.fill(1);
    await pending;
    await b.fit(x, { epochs: 2, batchSize: 10, verbose: false });
    expect(a.history.klDivergence).toEqual(b.history.klDivergence);
  });

  it('an exploding learning rate stops training with a typed error naming the epoch, keeping the parameters', async () => {
    const rbm = new RBM({ visible: V, hidden: H, learningRate: 1e6 });
    models.push(rbm);
    const before = Buffer.from(encodeModel({ ...(await rbm.getState()), dataMean: undefined }));
    const error = await rbm.fit(x, { epochs: 3, batchSize: 10, verbose: false }).catch((e: unknown) => e);
    expect(error instanceof DivergenceError || error instanceof NonFiniteError, String(error)).toBe(true);
    expect((error as DivergenceError).epoch).toBe(1);
    expect((error as Error).message).toMatch(/learning rate of 1000000 too high/);
    // The model has seen the data (it records its means for AIS), but its parameters are as they were.
    expect(Buffer.from(encodeModel({ ...(await rbm.getState()), dataMean: undefined })).equals(before)).toBe(true);
  });

  it('a finite explosion is reported as divergence, not left to grow', async () => {
    // Large enough to explode within an epoch (a KL of about 27 nats per unit), small enough to stay finite.
    const rbm = new RBM({ visible: V, hidden: H, learningRate: 100, momentum: 0 });
    models.push(rbm);
    const error = await rbm.fit(x, { epochs: 5, batchSize: 10, verbose: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect((error as DivergenceError).klDivergence).toBeGreaterThan(20);
    expect(Number.isFinite((error as DivergenceError).klDivergence)).toBe(true);
  });

  it('a checkpoint that cannot be written costs nothing: the model has not trained', async () => {
    const rbm = new RBM({ visible: V, hidden: H });
    models.push(rbm);
    mkdirSync(join(dir, 'ro'), { recursive: true });
    await expect(rbm.fit(x, { epochs: 1, batchSize: 10, verbose: false, checkpoint: join(dir, 'nope', 'c') })).rejects.toBeInstanceOf(FileAccessError);
    expect(rbm.epochsTrained).toBe(0);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
  });

  it('the whole corpus holds at least 200 cases', () => {
    expect(constructorCases.length + fitCases.length + methodCases.length + loadCases.length).toBeGreaterThanOrEqual(200);
  });
});

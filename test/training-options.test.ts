import { describe, expect, it } from 'vitest';
import { modelShape, type TrainingRule } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { InvalidArgumentError, RBM, type Parameters, type RbmOptions } from '../src/node.js';
import { binaryData, epochPlan, expectClose, randomParameters } from './helpers.js';

const x = binaryData(40, 12, 8, 0.3);
const V = 12;
const H = 6;

async function oneEpoch(parameters: Parameters, rule: Partial<TrainingRule>, epoch = 0) {
  const cpu = new CpuBackend(modelShape({ visible: V, hidden: H }));
  await cpu.setParameters(parameters);
  const base = { learningRate: 0.1, momentum: 0, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 } as const;
  return cpu.trainEpoch(await cpu.upload(x), epochPlan(40, 40, 1, epoch, { ...base, ...rule }));
}

describe('weight decay', () => {
  it('subtracts exactly (1 − m)·lr·λ·W from one step', async () => {
    const p = randomParameters(V, H, 2, 0.5);
    const [plain, decayed] = [await oneEpoch(p, {}), await oneEpoch(p, { weightDecay: 0.25 })];
    const expected = plain.parameters.weights.map((w, k) => w - 0.1 * 0.25 * p.weights[k]);
    expectClose(decayed.parameters.weights, expected, { atol: 1e-6, rtol: 1e-6 });
    expectClose(decayed.parameters.visibleBias, plain.parameters.visibleBias, { atol: 0, rtol: 0, label: 'biases do not decay' });
  });
});

describe('CD-k', () => {
  it('with k = 1 is CD-1, and more steps give another negative phase', async () => {
    const p = randomParameters(V, H, 3, 0.5);
    const one = await oneEpoch(p, {});
    expect(Array.from((await oneEpoch(p, { cdSteps: 1 })).parameters.weights)).toEqual(Array.from(one.parameters.weights));
    expect(Array.from((await oneEpoch(p, { cdSteps: 5 })).parameters.weights)).not.toEqual(Array.from(one.parameters.weights));
  });
});

describe('persistent CD', () => {
  it('keeps its chains: their state after epoch 1 is the input to epoch 2', async () => {
    const p = randomParameters(V, H, 4, 0.5);
    const first = await oneEpoch(p, { persistent: true });
    const chains = first.parameters.hiddenChains!;
    expect(chains.length).toBe(40 * H);
    expect(chains.every((s) => s === 0 || s === 1)).toBe(true);
    // Epoch 2 from those chains differs from epoch 2 from fresh (zero) chains, and repeats exactly.
    const again = await oneEpoch(first.parameters, { persistent: true }, 1);
    const fresh = await oneEpoch({ ...first.parameters, hiddenChains: new Float32Array(40 * H) }, { persistent: true }, 1);
    expect(Array.from(again.parameters.weights)).not.toEqual(Array.from(fresh.parameters.weights));
    expect(Array.from((await oneEpoch(first.parameters, { persistent: true }, 1)).parameters.weights)).toEqual(Array.from(again.parameters.weights));
  });

  it('survives save and load, so that resumed PCD training is exact', async () => {
    const options: RbmOptions = { visible: V, hidden: H, persistent: true, learningRate: 0.05 };
    const straight = new RBM(options);
    await straight.fit(x, { epochs: 3, batchSize: 9, verbose: false });
    const first = new RBM(options);
    await first.fit(x, { epochs: 1, batchSize: 9, verbose: false });
    const resumed = await RBM.fromState(await first.getState());
    expect((await resumed.getState()).parameters.hiddenChains?.length).toBe(10 * H);
    await resumed.fit(x, { epochs: 2, batchSize: 9, verbose: false });
    expect((await resumed.getState()).parameters).toEqual((await straight.getState()).parameters);
  });
});

describe('the momentum schedule', () => {
  it('switches momentum at the epochs it names', async () => {
    const scheduled = new RBM({ visible: V, hidden: H, momentumSchedule: [{ epoch: 1, momentum: 0.5 }, { epoch: 3, momentum: 0.9 }], learningRate: 0.05 });
    await scheduled.fit(x, { epochs: 3, batchSize: 10, verbose: false });
    const manual = new RBM({ visible: V, hidden: H, momentum: 0.5, learningRate: 0.05 });
    await manual.fit(x, { epochs: 2, batchSize: 10, verbose: false });
    const state = await manual.getState();
    await manual.setState({ ...state, config: { ...state.config, momentum: 0.9 } });
    await manual.fit(x, { epochs: 1, batchSize: 10, verbose: false });
    expect((await scheduled.getParameters()).weights).toEqual((await manual.getParameters()).weights);
  });

  it.each<[Partial<RbmOptions>, string]>([
    [{ cdSteps: 0 }, 'cdSteps'],
    [{ persistent: 'yes' as unknown as boolean }, 'persistent'],
    [{ weightDecay: -1 }, 'weightDecay'],
    [{ momentumSchedule: [{ epoch: 3, momentum: 0.5 }, { epoch: 2, momentum: 0.9 }] }, 'momentumSchedule[1].epoch'],
    [{ momentumSchedule: [{ epoch: 1, momentum: 1.5 }] }, 'momentumSchedule[0].momentum'],
  ])('rejects %j', (bad, argument) => {
    expect(() => new RBM({ visible: V, hidden: H, ...bad })).toThrow(InvalidArgumentError);
    expect(() => new RBM({ visible: V, hidden: H, ...bad })).toThrow(new RegExp(`^${argument.replace(/[[\]]/g, '\\$&')}:`));
  });
});

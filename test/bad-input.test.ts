import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, RBM, type MatrixInput, type RbmOptions } from '../src/node.js';

const good = (rows = 10) => ({ data: new Float32Array(rows * 4).fill(0.5), rows, cols: 4 });

async function snapshot(rbm: RBM) {
  const p = await rbm.getParameters();
  return {
    parameters: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, Array.from(v as Float32Array)])),
    history: structuredClone(rbm.history),
  };
}

/** Expects the call to reject with an InvalidArgumentError naming `argument`, and the model to be unchanged. */
async function expectRejected(call: (rbm: RBM) => Promise<unknown>, argument: string, message: RegExp) {
  const rbm = new RBM({ visible: 4, hidden: 2 });
  await rbm.fit(good(), { epochs: 1, batchSize: 5, verbose: false });
  const before = await snapshot(rbm);
  const error = await call(rbm).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect((error as InvalidArgumentError).argument).toBe(argument);
  expect((error as Error).message).toMatch(message);
  expect(await snapshot(rbm)).toEqual(before);
}

const fit = (x: MatrixInput, epochs: number, batchSize: number) => (rbm: RBM) =>
  rbm.fit(x, { epochs, batchSize, verbose: false });

describe('fit rejects bad data and leaves the model as it was', () => {
  it.each<[string, MatrixInput, RegExp]>([
    ['a row of the wrong length', [[0, 1, 0, 1], [0, 1, 0]], /row 1 has 3 values; row 0 has 4/],
    ['a matrix with the wrong number of columns', { data: new Float32Array(10), rows: 2, cols: 5 }, /has 5 columns; expected 4/],
    ['data that does not match rows × cols', { data: new Float32Array(7), rows: 2, cols: 4 }, /data has 7 values but rows × cols is 2 × 4/],
    ['NaN', [[0, Number.NaN, 0, 1]], /row 0, column 1 is NaN; expected a finite number/],
    ['Infinity', [[0, 1, Infinity, 1]], /row 0, column 2 is Infinity; expected a finite number/],
    ['values outside [0, 1]', [[0, 1, 0, 255]], /row 0, column 3 is 255; expected a value in \[0, 1\]/],
    ['negative values', [[0, -0.5, 0, 1]], /row 0, column 1 is -0.5; expected a value in \[0, 1\]/],
    ['an empty data set', [], /is empty; expected at least one row/],
    ['data that is not a Float32Array', { data: [0, 1, 0, 1] as unknown as Float32Array, rows: 1, cols: 4 }, /Float32Array/],
  ])('%s', async (_, x, message) => {
    await expectRejected(fit(x, 1, 1), 'x', message);
  });

  it.each([
    ['a batch size of 0', 1, 0, 'batchSize', /positive integer, got 0/],
    ['a batch size above the row count', 1, 11, 'batchSize', /is 11 but x has only 10 rows/],
    ['a fractional batch size', 1, 2.5, 'batchSize', /positive integer, got 2.5/],
    ['fractional epochs', 1.5, 5, 'epochs', /non-negative integer, got 1.5/],
    ['negative epochs', -1, 5, 'epochs', /non-negative integer, got -1/],
  ])('%s', async (_, epochs, batchSize, argument, message) => {
    await expectRejected(fit(good(), epochs, batchSize), argument, message);
  });

  it('a callback that is not a function', async () => {
    await expectRejected(
      (rbm) => rbm.fit(good(), { epochs: 1, batchSize: 5, onEpoch: 3 as unknown as () => void }),
      'onEpoch',
      /expected a function/,
    );
  });
});

describe('inference rejects mismatched shapes', () => {
  it.each<[string, (rbm: RBM) => Promise<unknown>, string, RegExp]>([
    ['expectHidden with hidden-sized rows', (r) => r.expectHidden([[0, 1]]), 'v', /has 2 columns; expected 4/],
    ['expectVisible with visible-sized rows', (r) => r.expectVisible([[0, 1, 0, 1]]), 'h', /has 4 columns; expected 2/],
    ['energy with unequal row counts', (r) => r.energy([[0, 1, 0, 1]], [[0, 1], [1, 0]]), 'h', /has 2 rows but v has 1/],
    ['daydream with 0 chains', (r) => r.daydream(3, { chains: 0 }), 'chains', /positive integer/],
    ['daydream with negative steps', (r) => r.daydream(-3), 'steps', /non-negative integer/],
    [
      'setParameters with a short weight array',
      (r) => r.setParameters({ ...emptyParameters(), weights: new Float32Array(3) }),
      'weights',
      /Float32Array of length 8/,
    ],
    [
      'setParameters with NaN',
      (r) => r.setParameters({ ...emptyParameters(), hiddenBias: Float32Array.of(0, Number.NaN) }),
      'hiddenBias',
      /element 1 is NaN/,
    ],
  ])('%s', async (_, call, argument, message) => {
    await expectRejected(call, argument, message);
  });
});

function emptyParameters() {
  return {
    weights: new Float32Array(8),
    visibleBias: new Float32Array(4),
    hiddenBias: new Float32Array(2),
    weightVelocity: new Float32Array(8),
    visibleBiasVelocity: new Float32Array(4),
    hiddenBiasVelocity: new Float32Array(2),
  };
}

describe('the constructor rejects bad options', () => {
  it.each<[Partial<RbmOptions>, string, RegExp]>([
    [{ visible: 0 }, 'visible', /positive integer, got 0/],
    [{ hidden: 2.5 }, 'hidden', /positive integer, got 2.5/],
    [{ learningRate: -1 }, 'learningRate', /number in \(0, Infinity\)/],
    [{ learningRate: Number.NaN }, 'learningRate', /got NaN/],
    [{ momentum: 1 }, 'momentum', /number in \[0, 1\)/],
    [{ seed: -1 }, 'seed', /non-negative integer/],
    [{ seed: 2 ** 32 }, 'seed', /below 2\^32/],
    [{ statistics: 'means' as 'samples' }, 'statistics', /one of 'samples', 'probabilities'/],
    [{ gradient: 'avg' as 'sum' }, 'gradient', /one of 'sum', 'mean'/],
    [{ useGPU: 'yes' as unknown as boolean }, 'useGPU', /true, false or 'auto'/],
  ])('%j', (bad, argument, message) => {
    let error: unknown;
    try {
      new RBM({ visible: 4, hidden: 2, ...bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe(argument);
    expect((error as Error).message).toMatch(message);
  });
});

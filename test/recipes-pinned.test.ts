import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadMnist, RBM, type Matrix, type RbmOptions } from '../src/node.js';
import { fixture } from './helpers.js';

/**
 * "Nothing changes in what the library computes": seven recipes trained for 2 epochs on the
 * TypeScript reference (threads: 0), with a hash of every parameter array and of the learning
 * curve pinned as the code at 546f38a computed them. A redesign that moves code keeps every
 * hash; a change that means to alter the arithmetic must say so here, recipe by recipe.
 */

const ROWS = 300;

/** The first ROWS MNIST digits, as float32 pixels / 255, and thresholded at ½. */
async function digits(): Promise<{ gray: Matrix; binary: Matrix; labels: Uint32Array }> {
  const { train } = await loadMnist();
  const cols = train.images.cols;
  const gray = { data: train.images.data.slice(0, ROWS * cols), rows: ROWS, cols };
  const binary = { ...gray, data: gray.data.map((p) => (p > 0.5 ? 1 : 0)) };
  return { gray, binary, labels: Uint32Array.from(train.labels.subarray(0, ROWS)) };
}

/** 200 rows of 10 softmax groups of 4 units: one-hot, with about a tenth of the groups missing (all zeros). */
function categories(): Matrix {
  const [rows, groups, size] = [200, 10, 4];
  const u = fixture(rows * groups * 2, 17);
  const data = new Float32Array(rows * groups * size);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const k = r * groups + g;
      if (u[2 * k] < 0.1) continue;
      // Category g mod 4 more often than the others, so the groups carry signal.
      const category = u[2 * k + 1] < 0.5 ? g % size : Math.floor(u[2 * k + 1] * size);
      data[(r * groups + g) * size + category] = 1;
    }
  }
  return { data, rows, cols: groups * size };
}

function sha(bytes: ArrayBufferView): string {
  return createHash('sha256').update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).digest('hex').slice(0, 16);
}

/** A hash of every parameter array (by name, in name order) and of the history's KL values. */
async function fingerprint(rbm: RBM): Promise<Record<string, string>> {
  const p = (await rbm.getParameters()) as unknown as Record<string, Float32Array>;
  const out: Record<string, string> = {};
  for (const name of Object.keys(p).sort()) out[name] = sha(p[name]);
  out.history = sha(Float64Array.from(rbm.history.klDivergence));
  return out;
}

interface Recipe {
  readonly options: RbmOptions;
  readonly data: 'binary' | 'gray' | 'categories';
  readonly batchSize: number;
  readonly labels?: boolean;
}

const RECIPES: Record<string, Recipe> = {
  'CD-1, simple_rbm defaults': { options: { visible: 784, hidden: 16 }, data: 'gray', batchSize: 50 },
  'PCD-2, centred, weight decay, momentum schedule': {
    options: {
      visible: 784, hidden: 16, cdSteps: 2, persistent: true, centering: true, weightDecay: 1e-3, learningRate: 0.05, momentum: 0.5,
      momentumSchedule: [{ epoch: 2, momentum: 0.9 }], statistics: 'probabilities', gradient: 'mean',
    },
    data: 'binary',
    batchSize: 30,
  },
  'parallel tempering': {
    options: { visible: 784, hidden: 16, persistent: true, parallelTempering: { temperatures: 4 }, learningRate: 0.05, momentum: 0.5, gradient: 'mean', visibleBiasInit: 'data' },
    data: 'binary',
    batchSize: 50,
  },
  'Gaussian visible units, learned variance': {
    options: { visible: 784, hidden: 16, visibleType: 'gaussian', visibleBiasInit: 'data', learningRate: 1e-3, momentum: 0.5, gradient: 'mean', cdSteps: 2 },
    data: 'gray',
    batchSize: 50,
  },
  'softmax groups': {
    options: { visible: 40, hidden: 8, visibleType: { softmax: 4 }, learningRate: 0.05, momentum: 0.5, gradient: 'mean', cdSteps: 2, visibleBiasInit: 'data' },
    data: 'categories',
    batchSize: 20,
  },
  'hybrid label layer': {
    options: { visible: 784, hidden: 16, labels: 10, objective: 'hybrid', generativeWeight: 0.05, learningRate: 0.05, momentum: 0.5, gradient: 'mean', statistics: 'probabilities' },
    data: 'binary',
    batchSize: 30,
    labels: true,
  },
  'the PyTorch tutorial': {
    options: { visible: 784, hidden: 32, initDistribution: 'normal', initScale: 0.1, statistics: 'mixed', learningRate: 0.1, momentum: 0, gradient: 'mean' },
    data: 'binary',
    batchSize: 64,
  },
};

/** The hashes 546f38a's reference computes. */
const PINNED: Record<string, Record<string, string>> = {
  'CD-1, simple_rbm defaults': {
    hiddenBias: '7ecc2be5165bad21',
    hiddenBiasVelocity: 'b25eb97a57f9db09',
    visibleBias: '53ca70052970c491',
    visibleBiasVelocity: '91ac6c4dc2c87b11',
    weightVelocity: '3f5997f09b903882',
    weights: '6aac2d094de41cc2',
    history: '19eba575a4bbddae',
  },
  'PCD-2, centred, weight decay, momentum schedule': {
    hiddenBias: 'b69c1a3d8c65236c',
    hiddenBiasVelocity: '93bb628160486545',
    hiddenChains: 'eeeeb38f2efa5ac8',
    hiddenOffset: '3cc10f292dfae61c',
    visibleBias: '0395b8c0249b76e8',
    visibleBiasVelocity: '371ff206ccbcc5f4',
    visibleOffset: '06cd439082b0a024',
    weightVelocity: '29fbfcb984e9f7fa',
    weights: '315bfd7eaff6ad3b',
    history: 'e6d2d761fedc0bfe',
  },
  'parallel tempering': {
    hiddenBias: 'b73cadf00371ecd7',
    hiddenBiasVelocity: '78c7dc5153302ec0',
    hiddenChains: '206d9c8eaba5d678',
    visibleBias: '4825466db16db117',
    visibleBiasVelocity: '2402e0a751448278',
    weightVelocity: '45ac87adc8c28869',
    weights: '12f132fcb6438c1e',
    history: '6e98b00d6596238e',
  },
  'Gaussian visible units, learned variance': {
    hiddenBias: '9bcab2a2a4c7ab7e',
    hiddenBiasVelocity: '8f6e6b148621076f',
    visibleBias: '037a4e0245d98d81',
    visibleBiasVelocity: '2d12626efad343cc',
    visibleLogVariance: 'c8e1015e42e6bad9',
    visibleLogVarianceVelocity: 'b96a23bdb4a75630',
    weightVelocity: '139934f8324a5300',
    weights: '2efb234660276378',
    history: '18d5edc2d1d1636f',
  },
  'softmax groups': {
    hiddenBias: 'ba9f4b910e10085c',
    hiddenBiasVelocity: '33238206a21f49c2',
    visibleBias: 'fd760897b637496f',
    visibleBiasVelocity: '4e92b287ff8848b9',
    weightVelocity: '3186bca2a61cde05',
    weights: 'a838b8d251d3ab22',
    history: '5dcd79c3475446c5',
  },
  'hybrid label layer': {
    hiddenBias: 'fe04cd0b2f27dc43',
    hiddenBiasVelocity: '9639248056d71300',
    labelBias: '95ed67874f87f176',
    labelBiasVelocity: '9c124b1fc4de2e0a',
    labelWeightVelocity: '008c8bd9b46198fe',
    labelWeights: '785f056aeeb480ba',
    visibleBias: '50e64c46eec538e9',
    visibleBiasVelocity: '504dbed233a2dd33',
    weightVelocity: 'c3d41d60ae93db93',
    weights: '965dc9c47fca9720',
    history: 'a5bb0028ed6e3e00',
  },
  'the PyTorch tutorial': {
    hiddenBias: '4c5b9090fbea7044',
    hiddenBiasVelocity: 'f1a7f5f1204a367b',
    visibleBias: '4e535069afe8dedc',
    visibleBiasVelocity: '7a1c78d6ffd60dd8',
    weightVelocity: '7feaf65a065aac89',
    weights: '02f94f5d2d723f26',
    history: 'bd7acbf2cbab5acf',
  },
};


describe('the reference trains every recipe exactly as 546f38a did', async () => {
  const sets = { ...(await digits()), categories: categories() };
  for (const [name, recipe] of Object.entries(RECIPES)) {
    it(name, async () => {
      const rbm = new RBM({ ...recipe.options, threads: 0 });
      try {
        const x = sets[recipe.data];
        await rbm.fit(x, { epochs: 2, batchSize: recipe.batchSize, verbose: false, ...(recipe.labels && { labels: sets.labels }) });
        const got = await fingerprint(rbm);
        expect(got, `${name}: ${JSON.stringify(got)}`).toEqual(PINNED[name]);
      } finally {
        await rbm.dispose();
      }
    });
  }
});

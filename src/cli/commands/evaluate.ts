import { DEFAULT_AIS_BETAS, DEFAULT_AIS_RUNS } from '../../evaluation/ais.js';
import { MAX_EXACT_UNITS } from '../../backend/exact-partition.js';
import { mean } from '../../math.js';
import { firstRows, type Matrix } from '../../matrix.js';
import { RBM, type PartitionEstimate } from '../../node.js';
import { choiceOption, numberOption, parse } from '../cli.js';
import { checkFiles } from '../files.js';
import { dataArgument, dataFor, files, modelArgument } from '../inputs.js';

const METHODS = ['exact', 'ais', 'reverse-ais', 'pseudo', 'all'] as const;
type Method = (typeof METHODS)[number];

export const EVALUATE_USAGE = `rbm evaluate --model FILE [--data mnist] [--test mnist-test] [options]

Prints a table of log Z and the mean log-likelihood (nats per example) of the training and
test data under the model: exact where the smaller layer has at most ${MAX_EXACT_UNITS} units, by AIS
(optimistic) and reverse AIS (pessimistic, from the data) otherwise; or the pseudo-likelihood.
  --model FILE       the model file
  --data SET|FILE    training data (default mnist)
  --test SET|FILE    test data (default mnist-test)
  --method M         exact, ais, reverse-ais, pseudo, or all that apply (default: exact if
                     it can be computed, else ais and reverse-ais)
  --runs N           AIS runs (default ${DEFAULT_AIS_RUNS})
  --betas N          AIS inverse temperatures (default ${DEFAULT_AIS_BETAS})
  --rows N           use the first N rows of each data set (default all)
  --binarize         threshold the data at 0.5 (as the research figures on MNIST are)
  --gpu              evaluate on the GPU
An AIS interval wider than 1 nat is flagged: use more runs or inverse temperatures.`;

/** The methods to run: 'all' and the default expand to those that apply to a model of this size. */
function methodsFor(method: Method | undefined, exactPossible: boolean): Exclude<Method, 'all'>[] {
  if (method === undefined) return exactPossible ? ['exact'] : ['ais', 'reverse-ais'];
  if (method === 'all') return [...(exactPossible ? (['exact'] as const) : []), 'ais', 'reverse-ais', 'pseudo'];
  return [method];
}

const binarized = (m: Matrix): Matrix => ({ data: m.data.map((v) => (v > 0.5 ? 1 : 0)), rows: m.rows, cols: m.cols });

function row(method: string, logZ: string, train: number, test: number, note = ''): string[] {
  return [method, logZ, train.toFixed(2), test.toFixed(2), note];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd()).join('\n');
}

export async function evaluate(args: string[]): Promise<void> {
  const { values } = parse(args, {
    model: { type: 'string' },
    data: { type: 'string' },
    test: { type: 'string' },
    method: { type: 'string' },
    runs: { type: 'string' },
    betas: { type: 'string' },
    rows: { type: 'string' },
    binarize: { type: 'boolean' },
    gpu: { type: 'boolean' },
  });
  const model = modelArgument(values.model);
  const train = dataArgument('data', values.data, 'mnist');
  const test = dataArgument('test', values.test, 'mnist-test');
  const method = values.method === undefined ? undefined : choiceOption('method', values.method, METHODS, 'all');
  const runs = numberOption('runs', values.runs, DEFAULT_AIS_RUNS, { integer: true, min: 1 });
  const betas = numberOption('betas', values.betas, DEFAULT_AIS_BETAS, { integer: true, min: 2 });
  const rows = numberOption('rows', values.rows, Number.MAX_SAFE_INTEGER, { integer: true, min: 1 });
  await checkFiles(files(model, train, test), []);

  const rbm = await RBM.load(model.path, { useGPU: values.gpu ?? false });
  try {
    const prepare = (m: Matrix) => (values.binarize ? binarized(firstRows(m, rows)) : firstRows(m, rows));
    const x = prepare(await dataFor(rbm, train, model));
    const t = prepare(await dataFor(rbm, test, model));
    const exactPossible = Math.min(rbm.visible, rbm.hidden) <= MAX_EXACT_UNITS;
    const lines = [['method', 'log Z', 'train LL', 'test LL', '']];
    for (const m of methodsFor(method, exactPossible)) {
      if (m === 'pseudo') {
        lines.push(row('pseudo-likelihood', '-', mean(await rbm.pseudoLikelihood(x, { seed: 0 })), mean(await rbm.pseudoLikelihood(t, { seed: 0 }))));
        continue;
      }
      const estimate: PartitionEstimate =
        m === 'exact' ? await rbm.logPartition({ method: m }) : await rbm.logPartition({ method: m, runs, betas, data: m === 'reverse-ais' ? t : x });
      const logZ = estimate.logZ;
      const interval = m === 'exact' ? '' : `[${estimate.lower.toFixed(2)}, ${estimate.upper.toFixed(2)}]`;
      const note = [interval, estimate.warning ? `wide: ${estimate.warning}` : ''].filter(Boolean).join(' ');
      lines.push(row(m, logZ.toFixed(2), await rbm.logLikelihood(x, { method: 'exact', logZ }), await rbm.logLikelihood(t, { method: 'exact', logZ }), note));
    }
    console.log(`${model.path}: ${rbm.visible} × ${rbm.hidden}; ${x.rows} training rows (${train.spec}), ${t.rows} test rows (${test.spec})${values.binarize ? ', binarized at 0.5' : ''}`);
    console.log(table(lines));
  } finally {
    await rbm.dispose();
  }
}

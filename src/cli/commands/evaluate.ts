import { DEFAULT_AIS_BETAS, DEFAULT_AIS_RUNS } from '../../evaluation/ais.js';
import { exactLimit, MAX_EXACT_UNITS } from '../../backend/exact-partition.js';
import { mean } from '../../math.js';
import type { Matrix } from '../../matrix.js';
import type { PixelMatrix } from '../../pixels.js';
import { asFloats, firstRowsOf } from '../../data/rows.js';
import { RBM, type PartitionEstimate } from '../../node.js';
import { DataFormatError } from '../../errors.js';
import { choiceOption, numberOption, parse, UsageError } from '../cli.js';
import { loadLabels } from '../data-source.js';
import { checkFiles, type FileArgument } from '../files.js';
import { dataArgument, dataFor, files, modelArgument, type DataArgument } from '../inputs.js';

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
  --labels SET|FILE  a classification RBM (one with a label layer): the test rows' classes (default: the
                     test set's own, for mnist-test and fashion-mnist-test); prints accuracy and test error
An AIS interval wider than 1 nat is flagged: use more runs or inverse temperatures.`;

/** The methods to run: 'all' and the default expand to those that apply to a model of this size. */
function methodsFor(method: Method | undefined, exactPossible: boolean): Exclude<Method, 'all'>[] {
  if (method === undefined) return exactPossible ? ['exact'] : ['ais', 'reverse-ais'];
  if (method === 'all') return [...(exactPossible ? (['exact'] as const) : []), 'ais', 'reverse-ais', 'pseudo'];
  return [method];
}

function binarized(x: Matrix | PixelMatrix): Matrix {
  const m = asFloats(x);
  return { data: m.data.map((v) => (v > 0.5 ? 1 : 0)), rows: m.rows, cols: m.cols };
}

function row(method: string, logZ: string, train: number, test: number, note = ''): string[] {
  return [method, logZ, train.toFixed(2), test.toFixed(2), note];
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd()).join('\n');
}

/** The named test sets whose labels come with them. */
const LABELLED_SETS = new Set(['mnist', 'mnist-test', 'fashion-mnist', 'fashion-mnist-test']);

/** A classification RBM's accuracy and test error on the test rows. */
async function classificationReport(rbm: RBM, model: FileArgument, test: DataArgument, labelSource: DataArgument | undefined, rows: number, binarize: boolean): Promise<void> {
  const source = labelSource ?? (LABELLED_SETS.has(test.spec) ? test : undefined);
  if (!source) throw new UsageError(`${model.path} is a classification RBM: give the test rows' classes with --labels`);
  const t = firstRowsOf(await dataFor(rbm, test, model), rows);
  const x = binarize ? binarized(t) : t;
  const labels = (await loadLabels(source.spec)).subarray(0, x.rows);
  if (labels.length !== x.rows) throw new DataFormatError(source.spec, `has ${labels.length} labels for ${x.rows} test rows`);
  const predicted = await rbm.predict(x);
  let right = 0;
  for (let r = 0; r < x.rows; r++) if (predicted[r] === labels[r]) right++;
  console.log(`${model.path}: ${rbm.visible} × ${rbm.hidden} with ${rbm.options.labels} classes (${rbm.options.objective}); ${x.rows} test rows (${test.spec})`);
  console.log(`accuracy ${((100 * right) / x.rows).toFixed(2)} %, test error ${((100 * (x.rows - right)) / x.rows).toFixed(2)} %`);
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
    labels: { type: 'string' },
  });
  const model = modelArgument(values.model);
  const train = dataArgument('data', values.data, 'mnist');
  const test = dataArgument('test', values.test, 'mnist-test');
  const method = values.method === undefined ? undefined : choiceOption('method', values.method, METHODS, 'all');
  const runs = numberOption('runs', values.runs, DEFAULT_AIS_RUNS, { integer: true, min: 1 });
  const betas = numberOption('betas', values.betas, DEFAULT_AIS_BETAS, { integer: true, min: 2 });
  const rows = numberOption('rows', values.rows, Number.MAX_SAFE_INTEGER, { integer: true, min: 1 });
  const labelSource = values.labels === undefined ? undefined : dataArgument('labels', values.labels, '');
  await checkFiles(files(model, train, test, labelSource), []);

  const rbm = await RBM.load(model.path, { useGPU: values.gpu ?? false });
  try {
    if (rbm.options.labels > 0) {
      await classificationReport(rbm, model, test, labelSource, rows, values.binarize ?? false);
      return;
    }
    if (labelSource) throw new UsageError(`--labels applies to a model with a label layer; ${model.path} has none`);
    const prepare = (m: Matrix | PixelMatrix) => (values.binarize ? binarized(firstRowsOf(m, rows)) : firstRowsOf(m, rows));
    const x = prepare(await dataFor(rbm, train, model));
    const t = prepare(await dataFor(rbm, test, model));
    const exactPossible = exactLimit(rbm.options.visibleType, rbm.options.hiddenType, rbm.visible, rbm.hidden) === undefined;
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

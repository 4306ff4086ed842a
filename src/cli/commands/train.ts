import { DataFormatError, InvalidArgumentError, TrainingInterruptedError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { writeLossFile } from '../../io/loss-store.js';
import { klPlotSvg } from '../../io/plot.js';
import type { Matrix } from '../../matrix.js';
import { DEFAULT_OFFSET_RATE, DEFAULTS, lossName, type HiddenType, type RbmOptions } from '../../options.js';
import { HIDDEN_LAYERS } from '../../layers/registry.js';

/** The hidden unit types, as the usage lists them. */
const HIDDEN_TYPE_NAMES = Object.keys(HIDDEN_LAYERS).join('|');
import { DBN, RBM } from '../../node.js';
import { choiceOption, EXIT_INTERRUPTED, numberOption, parse, UsageError } from '../cli.js';
import { isNamedSet, loadLabels, loadTrainingRows, namedSetColumns } from '../data-source.js';
import type { RowSource } from '../../data/row-source.js';
import type { PixelMatrix } from '../../pixels.js';
import { checkFiles, fileArgument, type FileArgument } from '../files.js';
import { dataArgument, files, type DataArgument } from '../inputs.js';
import { checkModelOptions, naming } from '../model-options.js';
import { EpochProgress } from '../progress.js';

export const TRAIN_USAGE = `rbm train --data mnist|fashion-mnist|FILE [options]

Trains an RBM (CD-1 by default; CD-k or persistent CD as asked) and saves it; prints simple_rbm's
lines (with a progress bar on a terminal).
  --data SET|FILE      mnist, fashion-mnist, or a file: NumPy .npy, IDX (.gz or not), CSV or whitespace text, values
                       in [0, 1] (any real values with --visible-type gaussian); IDX and .npy bytes stay 8-bit in memory
  --stream             read --data (a plain IDX file) from disk a few batches at a time instead of holding it:
                       for data sets larger than memory; the same batches and model as without
  --hidden N           hidden units (default 64)
  --layers V,H1,H2,…   train a deep belief network instead: RBMs of V-H1, H1-H2, … trained greedily, each on
                       the hidden probabilities of the one below (V: the data's values per row); --out holds
                       the whole stack, saved after every epoch of every layer (the pictures commands and
                       rbm info read it); with --labels the top RBM gets the label layer. Not with --hidden,
                       --resume, --stream, --loss or --plot
  --epochs N           (default 10)
  --batch-size N       (default 1000)
  --lr X               learning rate (default ${DEFAULTS.learningRate})
  --momentum X         (default ${DEFAULTS.momentum})
  --seed N             (default ${DEFAULTS.seed})
  --statistics KIND    samples (default), probabilities, or mixed (the PyTorch tutorial's: probabilities, the
                       hidden units reading sampled visible states)
  --gradient KIND      sum (default) or mean
  --cd-steps N         Gibbs steps in the negative phase (default 1)
  --persistent         persistent contrastive divergence (PCD)
  --weight-decay X     L2 weight decay (default 0)
  --init DIST          initial weights: uniform (default; Xavier's bound times --init-scale) or normal
                       (N(0, s²) with s = --init-scale; the PyTorch tutorial's is --init normal --init-scale 0.1)
  --init-scale X       (default ${DEFAULTS.initScale})
  --init-visible-bias zero|data
                       visible biases at 0 (default) or at the log-odds of the data's means
  --centering          centred gradients (Melchior et al. 2016); visible biases from the data
  --offset-rate X      with --centering: how fast the hidden offsets follow (default ${DEFAULT_OFFSET_RATE})
  --tempering M        with --persistent: parallel tempering at M inverse temperatures from 1 to 0
  --visible-type binary|gaussian|softmax:K
                       binary visible units (default), Gaussian ones for real-valued data (Cho et al. 2011;
                       they report the reconstruction's mean squared error instead of the KL), or softmax
                       groups of K one-hot units (all zeros: missing; they report the softmax cross-entropy)
  --fixed-variance     with --visible-type gaussian: keep σ = 1 (standardised data) instead of learning it
  --hidden-type ${HIDDEN_TYPE_NAMES}
                       binary hidden units (default), Gaussian ones (U(h) = γh²/2, γ learned per unit), or ReLU
                       ones (the same on h ≥ 0); docs/layers.md. Not with --centering, --tempering or --labels
  --labels SET|FILE    train a classification RBM (Larochelle & Bengio 2008) on these class labels: a data
                       set's (mnist, fashion-mnist) or a file (IDX, or one integer a line); it reports the
                       label cross-entropy per epoch
  --objective KIND     with --labels: discriminative (default), generative or hybrid
  --generative-weight A  with --objective hybrid: the generative gradient's weight (default ${DEFAULTS.generativeWeight})
  --gpu                train on the GPU through WebGPU
  --out FILE           the model file, saved after every epoch (default model.safetensors)
  --resume             continue the run saved in --out, with the options saved there
  --loss FILE          also write the KL curve (or MSE curve) as loss.dat
  --plot FILE          also draw the KL curve (or MSE curve) as an SVG
Ctrl-C stops at the end of the current batch and saves; --resume continues exactly.`;

const OPTIONS = {
  data: { type: 'string' },
  hidden: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  momentum: { type: 'string' },
  seed: { type: 'string' },
  statistics: { type: 'string' },
  gradient: { type: 'string' },
  'cd-steps': { type: 'string' },
  persistent: { type: 'boolean' },
  'weight-decay': { type: 'string' },
  init: { type: 'string' },
  'init-scale': { type: 'string' },
  'init-visible-bias': { type: 'string' },
  centering: { type: 'boolean' },
  'offset-rate': { type: 'string' },
  tempering: { type: 'string' },
  'visible-type': { type: 'string' },
  'fixed-variance': { type: 'boolean' },
  'hidden-type': { type: 'string' },
  labels: { type: 'string' },
  objective: { type: 'string' },
  'generative-weight': { type: 'string' },
  gpu: { type: 'boolean' },
  stream: { type: 'boolean' },
  layers: { type: 'string' },
  out: { type: 'string' },
  resume: { type: 'boolean' },
  loss: { type: 'string' },
  plot: { type: 'string' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

/** The flags that set the model's options, which a resumed run takes from its checkpoint instead. */
const MODEL_FLAGS = [
  'hidden', 'lr', 'momentum', 'seed', 'statistics', 'gradient', 'cd-steps', 'persistent', 'weight-decay', 'init', 'init-scale', 'init-visible-bias', 'centering',
  'offset-rate', 'tempering', 'visible-type', 'fixed-variance', 'hidden-type', 'objective', 'generative-weight',
] as const;

/** How this command's flags name the library's arguments, for its error messages. */
const FLAG_NAMES = {
  hidden: '--hidden',
  learningRate: '--lr',
  momentum: '--momentum',
  seed: '--seed',
  statistics: '--statistics',
  gradient: '--gradient',
  cdSteps: '--cd-steps',
  persistent: '--persistent',
  weightDecay: '--weight-decay',
  initDistribution: '--init',
  initScale: '--init-scale',
  visibleBiasInit: '--init-visible-bias',
  centering: '--centering',
  'centering.offsetRate': '--offset-rate',
  parallelTempering: '--tempering',
  'parallelTempering.temperatures': '--tempering',
  visibleType: '--visible-type',
  'visibleType.softmax': '--visible-type',
  learnVariance: '--fixed-variance',
  hiddenType: '--hidden-type',
  labels: '--labels',
  objective: '--objective',
  generativeWeight: '--generative-weight',
  useGPU: '--gpu',
  epochs: '--epochs',
  batchSize: '--batch-size',
} as const;

/** --centering, with --offset-rate when given (which alone is a usage error). */
function centeringOption(values: Values): RbmOptions['centering'] {
  if (values['offset-rate'] !== undefined && !values.centering) throw new UsageError('--offset-rate applies with --centering only');
  if (!values.centering) return false;
  return { offsetRate: numberOption('offset-rate', values['offset-rate'], DEFAULT_OFFSET_RATE) };
}

/** --visible-type binary|gaussian|softmax:K. */
function visibleTypeOption(value: string | undefined): RbmOptions['visibleType'] {
  const softmax = /^softmax:(\d+)$/.exec(value ?? '');
  if (softmax) return { softmax: Number(softmax[1]) };
  if (value?.startsWith('softmax')) throw new UsageError(`--visible-type expects softmax:K with K the group size, got ${value}`);
  return choiceOption('visible-type', value, ['binary', 'gaussian'] as const, DEFAULTS.visibleType);
}

/** The model options the flags ask for, checked with the library's rules before any data is read. */
function modelOptions(values: Values, visible: number, classes: number): RbmOptions {
  const options = {
    visible,
    hidden: numberOption('hidden', values.hidden, 64, { integer: true, min: 1 }),
    learningRate: numberOption('lr', values.lr, DEFAULTS.learningRate),
    momentum: numberOption('momentum', values.momentum, DEFAULTS.momentum),
    seed: numberOption('seed', values.seed, DEFAULTS.seed, { integer: true, min: 0 }),
    statistics: choiceOption('statistics', values.statistics, ['samples', 'probabilities', 'mixed'], DEFAULTS.statistics),
    initDistribution: choiceOption('init', values.init, ['uniform', 'normal'], DEFAULTS.initDistribution),
    initScale: numberOption('init-scale', values['init-scale'], DEFAULTS.initScale, { min: 0 }),
    gradient: choiceOption('gradient', values.gradient, ['sum', 'mean'], DEFAULTS.gradient),
    cdSteps: numberOption('cd-steps', values['cd-steps'], DEFAULTS.cdSteps, { integer: true, min: 1 }),
    persistent: values.persistent ?? false,
    weightDecay: numberOption('weight-decay', values['weight-decay'], DEFAULTS.weightDecay, { min: 0 }),
    visibleBiasInit: choiceOption('init-visible-bias', values['init-visible-bias'], ['zero', 'data'], DEFAULTS.visibleBiasInit),
    centering: centeringOption(values),
    parallelTempering: values.tempering === undefined ? (false as const) : { temperatures: numberOption('tempering', values.tempering, 0, { integer: true, min: 2 }) },
    visibleType: visibleTypeOption(values['visible-type']),
    learnVariance: !(values['fixed-variance'] ?? false),
    hiddenType: choiceOption('hidden-type', values['hidden-type'], Object.keys(HIDDEN_LAYERS) as HiddenType[], DEFAULTS.hiddenType),
    labels: classes,
    objective: choiceOption('objective', values.objective, ['generative', 'discriminative', 'hybrid'], DEFAULTS.objective),
    generativeWeight: numberOption('generative-weight', values['generative-weight'], DEFAULTS.generativeWeight),
    useGPU: values.gpu ?? false,
  };
  checkModelOptions(options, FLAG_NAMES);
  return options;
}

/** With --resume the checkpoint's options hold; a model flag beside it would be silently ignored. */
function refuseModelFlags(values: Values, out: FileArgument): void {
  const given = MODEL_FLAGS.filter((flag) => values[flag] !== undefined);
  if (given.length > 0) {
    const list = given.map((flag) => `--${flag}`).join(', ');
    throw new UsageError(`${list} cannot be given with --resume: the run continues with the options saved in ${out.path}`);
  }
}

/** The files train reads and writes; with --resume, --out is read as well. */
function trainFiles(values: Values) {
  const data = dataArgument('data', values.data, 'mnist');
  const out = fileArgument('out', values.out, 'model.safetensors', 'the model');
  const loss = values.loss === undefined ? undefined : fileArgument('loss', values.loss, '', 'the loss file');
  const plot = values.plot === undefined ? undefined : fileArgument('plot', values.plot, '', 'the plot');
  return { data, out, loss, plot, outputs: [out, loss, plot].filter((f) => f !== undefined) };
}

/**
 * The model to train, made before the data is read where its width is known (a named data
 * set, or the checkpoint of a resumed run), so that a model too large is refused first.
 */
async function earlyModel(values: Values, options: RbmOptions, data: DataArgument, out: FileArgument): Promise<RBM | undefined> {
  if (values.resume) return RBM.load(out.path, { useGPU: options.useGPU });
  const visible = namedSetColumns(data.spec);
  return visible === undefined ? undefined : naming(FLAG_NAMES, () => new RBM({ ...options, visible }));
}

/** Reads the training data (or, with --stream, opens it); a model made already must fit it, and --batch-size must not exceed its rows. */
async function trainingData(rbm: RBM | undefined, data: DataArgument, out: FileArgument, batchSize: number, stream: boolean): Promise<TrainingData> {
  const x = await loadTrainingRows(data.spec, stream);
  if (rbm && x.cols !== rbm.visible) {
    throw new DataFormatError(data.spec, `has rows of ${x.cols} values, but the model in ${out.path} has ${rbm.visible} visible units`);
  }
  if (batchSize > x.rows) throw new InvalidArgumentError('--batch-size', `is ${batchSize}, but ${data.spec} has only ${x.rows} rows`);
  return x;
}

interface Run {
  readonly epochs: number;
  readonly batchSize: number;
  readonly data: DataArgument;
  readonly out: FileArgument;
  readonly resume: boolean;
  /** Each row's class, for a model with a label layer. */
  readonly labels?: Uint32Array;
  /** Read --data from disk as training goes. */
  readonly stream: boolean;
}

type TrainingData = Matrix | PixelMatrix | RowSource;

/** Trains with a progress bar, saving to --out; Ctrl-C stops at the end of a batch. Resolves to the exit status. */
async function fit(rbm: RBM, x: TrainingData, run: Run): Promise<number> {
  const progress = new EpochProgress();
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('interrupted (Ctrl-C)'));
  process.once('SIGINT', stop);
  try {
    await naming({ ...FLAG_NAMES, x: run.data.spec }, () =>
      rbm.fit(x, {
        labels: run.labels,
        epochs: run.epochs,
        batchSize: run.batchSize,
        checkpoint: run.out.path,
        resumeFrom: run.resume ? run.out.path : undefined,
        signal: controller.signal,
        onBatch: progress.enabled ? (r) => progress.update(r) : undefined,
        log: (line) => {
          progress.finish();
          console.log(line);
        },
      }),
    );
    return 0;
  } catch (error) {
    progress.finish();
    if (!(error instanceof TrainingInterruptedError)) throw error;
    console.error(`${error.message}. Continue with --resume and the same --data, --batch-size and --out.`);
    return EXIT_INTERRUPTED;
  } finally {
    process.off('SIGINT', stop);
  }
}

/** Makes (or, resuming, loads) the model, reads the data and trains; resolves to the exit status and the history. */
async function trainModel(values: Values, options: RbmOptions, run: Run) {
  let rbm = await earlyModel(values, options, run.data, run.out);
  try {
    const x = await trainingData(rbm, run.data, run.out, run.batchSize, run.stream);
    rbm ??= await naming(FLAG_NAMES, () => new RBM({ ...options, visible: x.cols }));
    return { status: await fit(rbm, x, run), history: rbm.history, loss: lossName(rbm.options.visibleType, rbm.options.labels) };
  } finally {
    await rbm?.dispose();
  }
}

export async function train(args: string[]): Promise<number> {
  const { values } = parse(args, OPTIONS);
  // Every option and path is checked before the data set is read.
  const { data, out, loss, plot, outputs } = trainFiles(values);
  const layers = values.layers === undefined ? undefined : layerSizes(values);
  const resume = values.resume ?? false;
  if (resume) refuseModelFlags(values, out);
  const stream = values.stream ?? false;
  if (stream && isNamedSet(data.spec)) throw new UsageError(`--stream reads an IDX file from disk; ${data.spec} is a named data set, read into memory (give a file's path with --data)`);
  const labelSource = values.labels === undefined ? undefined : dataArgument('labels', values.labels, '');
  if (!labelSource && (values.objective !== undefined || values['generative-weight'] !== undefined)) throw new UsageError('--objective and --generative-weight apply with --labels only');
  // Checked with a placeholder label layer; its size is the labels' number of classes, read below.
  let options = modelOptions(values, namedSetColumns(data.spec) ?? 1, labelSource ? 2 : 0);
  const epochs = numberOption('epochs', values.epochs, 10, { integer: true, min: 0 });
  const batchSize = numberOption('batch-size', values['batch-size'], 1000, { integer: true, min: 1 });
  // With --resume, --out is read and then written: deliberately the same file, so not an input here.
  await checkFiles(files(data, labelSource), outputs);
  const labels = labelSource && (await loadLabels(labelSource.spec));
  if (labels) options = { ...options, labels: Math.max(2, labels.reduce((m, y) => Math.max(m, y), 0) + 1) };
  if (layers) return trainStack(options, layers, { epochs, batchSize, data, out, resume, labels, stream });
  const { status, history, loss: name } = await trainModel(values, options, { epochs, batchSize, data, out, resume, labels, stream });
  if (status !== 0) return status;
  console.log(`Model saved to ${out.path}`);
  if (loss) {
    await writeLossFile(loss.path, history, name);
    console.log(`Loss history saved to ${loss.path}`);
  }
  if (plot) {
    await writeFileAtomic(plot.path, klPlotSvg(history, `${name} per epoch`, name));
    console.log(`${name === 'KL divergence' ? 'KL' : name} curve drawn in ${plot.path}`);
  }
  return 0;
}

/** --layers V,H1,H2,…: at least two positive integers, and none of the flags a stack does not take. */
function layerSizes(values: Values): number[] {
  const sizes = values.layers!.split(',').map((n) => Number(n.trim()));
  if (sizes.length < 2 || !sizes.every((n) => Number.isSafeInteger(n) && n >= 1)) {
    throw new UsageError(`--layers expects the data's values per row and each hidden layer's units, such as 784,500,500; got ${JSON.stringify(values.layers)}`);
  }
  const refused = (['hidden', 'resume', 'stream', 'loss', 'plot'] as const).filter((flag) => values[flag] !== undefined);
  if (refused.length > 0) throw new UsageError(`${refused.map((f) => `--${f}`).join(', ')} cannot be given with --layers (a deep belief network trains in one run and saves its stack to --out)`);
  if ((values['hidden-type'] ?? 'binary') !== 'binary') {
    throw new UsageError(`--hidden-type ${values['hidden-type']} cannot be given with --layers: each layer above would read real values and need Gaussian visible units, which the command line cannot set per layer (the API's DBN layerOptions can)`);
  }
  return sizes;
}

/** Trains a deep belief network of `layers` on --data, greedily, and saves the stack to --out. */
async function trainStack(options: RbmOptions, layers: number[], run: Run): Promise<number> {
  const x = await trainingData(undefined, run.data, run.out, run.batchSize, false);
  if (x.cols !== layers[0]) throw new DataFormatError(run.data.spec, `has rows of ${x.cols} values, but --layers starts with ${layers[0]}`);
  const { visible: _v, hidden: _h, labels, ...shared } = options;
  const dbn = await naming(FLAG_NAMES, () => new DBN({ ...shared, layers, ...(labels ? { labels } : {}) }));
  try {
    // The stack is saved to --out after every epoch of every layer, so a crash keeps what was trained.
    await naming({ ...FLAG_NAMES, x: run.data.spec }, () =>
      dbn.fit(x, { epochs: run.epochs, batchSize: run.batchSize, labels: run.labels, checkpoint: run.out.path }),
    );
    await dbn.save(run.out.path);
    console.log(`Deep belief network (${layers.join('-')}) saved to ${run.out.path}`);
    return 0;
  } finally {
    await dbn.dispose();
  }
}

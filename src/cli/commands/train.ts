import { TrainingInterruptedError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { writeLossFile } from '../../io/loss-store.js';
import { klPlotSvg } from '../../io/plot.js';
import { DEFAULTS } from '../../options.js';
import { RBM } from '../../node.js';
import { EXIT_INTERRUPTED, numberOption, parse } from '../cli.js';
import { loadData } from '../data-source.js';
import { EpochProgress } from '../progress.js';

export const TRAIN_USAGE = `rbm train --data mnist|fashion-mnist|FILE [options]

Trains an RBM (CD-1 by default; CD-k or persistent CD as asked) and saves it; prints simple_rbm's
lines (with a progress bar on a terminal).
  --data SET|FILE      mnist, fashion-mnist, or a file: IDX (.gz or not), CSV or whitespace text, values in [0, 1]
  --hidden N           hidden units (default 64)
  --epochs N           (default 10)
  --batch-size N       (default 1000)
  --lr X               learning rate (default ${DEFAULTS.learningRate})
  --momentum X         (default ${DEFAULTS.momentum})
  --seed N             (default ${DEFAULTS.seed})
  --statistics KIND    samples (default) or probabilities
  --gradient KIND      sum (default) or mean
  --cd-steps N         Gibbs steps in the negative phase (default 1)
  --persistent         persistent contrastive divergence (PCD)
  --weight-decay X     L2 weight decay (default 0)
  --gpu                train on the GPU through WebGPU
  --out FILE           the model file, saved after every epoch (default model.safetensors)
  --resume             continue the run saved in --out
  --loss FILE          also write the KL curve as loss.dat
  --plot FILE          also draw the KL curve as an SVG
Ctrl-C stops at the end of the current batch and saves; --resume continues exactly.`;

export async function train(args: string[]): Promise<number> {
  const { values } = parse(args, {
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
    gpu: { type: 'boolean' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    loss: { type: 'string' },
    plot: { type: 'string' },
  });
  // Every option is checked before the data set is read.
  const out = values.out ?? 'model.safetensors';
  const model = {
    hidden: numberOption('hidden', values.hidden, 64, { integer: true, min: 1 }),
    learningRate: numberOption('lr', values.lr, DEFAULTS.learningRate),
    momentum: numberOption('momentum', values.momentum, DEFAULTS.momentum),
    seed: numberOption('seed', values.seed, DEFAULTS.seed, { integer: true, min: 0 }),
    statistics: (values.statistics as 'samples' | undefined) ?? DEFAULTS.statistics,
    gradient: (values.gradient as 'sum' | undefined) ?? DEFAULTS.gradient,
    cdSteps: numberOption('cd-steps', values['cd-steps'], DEFAULTS.cdSteps, { integer: true, min: 1 }),
    persistent: values.persistent ?? false,
    weightDecay: numberOption('weight-decay', values['weight-decay'], DEFAULTS.weightDecay, { min: 0 }),
    useGPU: values.gpu ?? false,
  };
  const epochs = numberOption('epochs', values.epochs, 10, { integer: true, min: 0 });
  const batchSize = numberOption('batch-size', values['batch-size'], 1000, { integer: true, min: 1 });
  const data = await loadData(values.data ?? 'mnist');
  const rbm = new RBM({ visible: data.cols, ...model });
  const progress = new EpochProgress();
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('interrupted (Ctrl-C)'));
  process.once('SIGINT', stop);
  try {
    await rbm.fit(data, {
      epochs,
      batchSize,
      checkpoint: out,
      resumeFrom: values.resume ? out : undefined,
      signal: controller.signal,
      onBatch: progress.enabled ? (r) => progress.update(r) : undefined,
      log: (line) => {
        progress.finish();
        console.log(line);
      },
    });
  } catch (error) {
    progress.finish();
    if (!(error instanceof TrainingInterruptedError)) throw error;
    console.error(`${error.message}. Continue with the same command and --resume.`);
    return EXIT_INTERRUPTED;
  } finally {
    process.off('SIGINT', stop);
    await rbm.dispose();
  }
  console.log(`Model saved to ${out}`);
  if (values.loss) {
    await writeLossFile(values.loss, rbm.history);
    console.log(`Loss history saved to ${values.loss}`);
  }
  if (values.plot) {
    await writeFileAtomic(values.plot, klPlotSvg(rbm.history));
    console.log(`KL curve drawn in ${values.plot}`);
  }
  return 0;
}

import { readFileBytes } from '../../data/files.js';
import { DataFormatError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { parseLossFile } from '../../io/loss-file.js';
import { klPlotSvg } from '../../io/plot.js';
import { readModelFile } from '../../io/model-store.js';
import type { History } from '../../state.js';
import { parse, required, UsageError } from '../cli.js';
import { checkFiles, fileArgument, pathOption, type FileArgument } from '../files.js';
import { modelArgument } from '../inputs.js';

export const PLOT_USAGE = `rbm plot --loss loss.dat [--out kl.svg]

Draws a loss.dat (or a model file's history, with --model) as an SVG line chart.`;

/** --loss FILE or --model FILE, exactly one. */
function plotInput(loss: string | undefined, model: string | undefined): FileArgument {
  if (loss !== undefined && model !== undefined) throw new UsageError('give --loss or --model, not both');
  if (model !== undefined) return modelArgument(model);
  return { flag: '--loss', path: pathOption('loss', required('loss', loss), ''), what: 'the loss file' };
}

/** The learning curve a loss.dat or a model file holds. */
async function readHistory(input: FileArgument): Promise<History> {
  if (input.flag === '--loss') return parseLossFile(new TextDecoder().decode(await readFileBytes(input.path)), input.path);
  const { history } = await readModelFile(input.path);
  if (history.epoch.length === 0) throw new DataFormatError(input.path, 'has no epochs to plot: the model has not been trained');
  return history;
}

export async function plot(args: string[]): Promise<void> {
  const { values } = parse(args, { loss: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' } });
  const input = plotInput(values.loss, values.model);
  const out = fileArgument('out', values.out, 'kl.svg', 'the plot');
  await checkFiles([input], [out]);
  const history = await readHistory(input);
  await writeFileAtomic(out.path, klPlotSvg(history));
  console.log(`${out.path}: KL divergence over ${history.epoch.length} epochs`);
}

export const INFO_USAGE = `rbm info --model FILE

Prints a model file's shapes, options, training history and parameter statistics.`;

function stats(a: Float32Array): string {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let squares = 0;
  for (const v of a) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    squares += v * v;
  }
  const mean = sum / a.length;
  const sd = Math.sqrt(Math.max(0, squares / a.length - mean * mean));
  const f = (x: number) => x.toPrecision(4);
  return `min ${f(min)}  max ${f(max)}  mean ${f(mean)}  sd ${f(sd)}`;
}

export async function info(args: string[]): Promise<void> {
  const { values } = parse(args, { model: { type: 'string' } });
  const { path } = modelArgument(values.model);
  const s = await readModelFile(path);
  const c = s.config;
  const kl = s.history.klDivergence;
  // A loop, not Math.min(...kl): a long history is more arguments than a call takes.
  const best = kl.reduce((b, v, i) => (v < kl[b] ? i : b), 0);
  const lines = [
    `${path}`,
    `  shape        ${c.visible} visible × ${c.hidden} hidden (${c.visible * c.hidden + c.visible + c.hidden} parameters)`,
    `  training     learning rate ${c.learningRate}, momentum ${c.momentum}, ${c.statistics} statistics, ${c.gradient} weight gradient, seed ${c.seed}, init scale ${c.initScale}`,
    `  algorithm    ${c.persistent ? 'persistent ' : ''}CD-${c.cdSteps}, weight decay ${c.weightDecay}` +
      (c.momentumSchedule.length ? `, momentum schedule ${c.momentumSchedule.map((s) => `${s.momentum} from epoch ${s.epoch}`).join(', ')}` : '') +
      (c.centering ? `, centred (offset rate ${c.centering.offsetRate})` : '') +
      (c.parallelTempering ? `, parallel tempering at ${c.parallelTempering.temperatures} temperatures` : '') +
      (c.visibleBiasInit === 'data' ? ', visible biases from the data' : ''),
    `  epochs       ${kl.length}` +
      (kl.length ? `; KL first ${kl[0].toFixed(4)}, last ${kl[kl.length - 1].toFixed(4)}, best ${kl[best].toFixed(4)} (epoch ${best + 1})` : ''),
  ];
  if (s.progress) lines.push(`  stopped      after batch ${s.progress.batchesDone} of epoch ${kl.length + 1} (batch size ${s.progress.batchSize}, ${s.progress.rows} rows)`);
  if (s.run) lines.push(`  run          ${s.run.epochs} epochs from epoch ${s.run.startEpoch}`);
  lines.push(
    `  weights      ${stats(s.parameters.weights)}`,
    `  visible bias ${stats(s.parameters.visibleBias)}`,
    `  hidden bias  ${stats(s.parameters.hiddenBias)}`,
    `  sampling     ${s.inferenceDraws} draws made outside training`,
  );
  console.log(lines.join('\n'));
}

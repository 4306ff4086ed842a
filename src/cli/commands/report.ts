import { modelTensors } from '../../layers/registry.js';
import { tensorLength } from '../../parameters.js';
import { readFileBytes } from '../../data/files.js';
import { DataFormatError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { parseLossFile } from '../../io/loss-file.js';
import { klPlotSvg } from '../../io/plot.js';
import { readModelFile } from '../../io/model-store.js';
import { decodeModel, decodeStack, isStack } from '../../io/model-file.js';
import type { History, ModelState } from '../../state.js';
import { lossName } from '../../options.js';
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

/** The learning curve a loss.dat or a model file holds, and what its values are (a loss.dat's header says). */
async function readHistory(input: FileArgument): Promise<{ history: History; loss: string }> {
  if (input.flag === '--loss') {
    const text = new TextDecoder().decode(await readFileBytes(input.path));
    // The header names the loss (formatLossFile); simple_rbm's files say KL_divergence.
    const named = [lossName('gaussian'), lossName('binary', 2), lossName({ softmax: 2 })].find((name) => text.startsWith(`# epoch ${name.replace(/ /g, '_')}`));
    return { history: parseLossFile(text, input.path), loss: named ?? lossName('binary') };
  }
  const { history, config } = await readModelFile(input.path);
  if (history.epoch.length === 0) throw new DataFormatError(input.path, 'has no epochs to plot: the model has not been trained');
  return { history, loss: lossName(config.visibleType, config.labels) };
}

export async function plot(args: string[]): Promise<void> {
  const { values } = parse(args, { loss: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' } });
  const input = plotInput(values.loss, values.model);
  const out = fileArgument('out', values.out, 'kl.svg', 'the plot');
  await checkFiles([input], [out]);
  const { history, loss } = await readHistory(input);
  await writeFileAtomic(out.path, klPlotSvg(history, `${loss} per epoch`, loss));
  console.log(`${out.path}: ${loss} over ${history.epoch.length} epochs`);
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
  const bytes = await readFileBytes(path);
  if (!isStack(bytes, path)) {
    console.log(infoLines(path, decodeModel(bytes, path)).join('\n'));
    return;
  }
  // A deep belief network: each layer's lines, bottom first.
  const states = decodeStack(bytes, path);
  console.log(`${path}: a deep belief network of ${states.length} RBMs (${[states[0].config.visible, ...states.map((s) => s.config.hidden)].join('-')})`);
  for (const [i, state] of states.entries()) console.log(infoLines(`layer ${i + 1}`, state).join('\n'));
}

/** The values a model of this configuration learns: its schema's tensors that move by momentum steps. */
function learnedCount(c: ModelState['config']): number {
  return modelTensors(c).filter((spec) => spec.velocity).reduce((n, spec) => n + tensorLength(spec, { V: c.visible, H: c.hidden, C: c.labels }), 0);
}

/** What `rbm info` prints of a model file (`rbm report` shows it too). */
export function infoLines(path: string, s: ModelState): string[] {
  const c = s.config;
  const kl = s.history.klDivergence;
  const loss = c.labels > 0 || typeof c.visibleType === 'object' ? 'cross-entropy' : c.visibleType === 'gaussian' ? 'MSE' : 'KL';
  // A loop, not Math.min(...kl): a long history is more arguments than a call takes.
  const best = kl.reduce((b, v, i) => (v < kl[b] ? i : b), 0);
  const lines = [
    `${path}`,
    `  shape        ${c.visible} ${typeof c.visibleType === 'object' ? `softmax (groups of ${c.visibleType.softmax}) ` : c.visibleType === 'gaussian' ? 'gaussian ' : ''}visible × ${c.hidden} ${c.hiddenType === 'binary' ? '' : `${c.hiddenType} `}hidden${c.labels ? ` × ${c.labels} classes` : ''} (${learnedCount(c)} parameters)`,
    `  training     learning rate ${c.learningRate}, momentum ${c.momentum}, ${c.statistics} statistics, ${c.gradient} weight gradient, seed ${c.seed}, ${c.initDistribution === 'normal' ? `initial weights N(0, ${c.initScale}²)` : `init scale ${c.initScale}`}`,
    `  algorithm    ${c.persistent ? 'persistent ' : ''}CD-${c.cdSteps}, weight decay ${c.weightDecay}` +
      (c.momentumSchedule.length ? `, momentum schedule ${c.momentumSchedule.map((s) => `${s.momentum} from epoch ${s.epoch}`).join(', ')}` : '') +
      (c.centering ? `, centred (offset rate ${c.centering.offsetRate})` : '') +
      (c.parallelTempering ? `, parallel tempering at ${c.parallelTempering.temperatures} temperatures` : '') +
      (c.visibleBiasInit === 'data' ? ', visible biases from the data' : '') +
      (c.visibleType === 'gaussian' ? (c.learnVariance ? ', learned variances' : ', fixed variances (σ = 1)') : '') +
      (c.labels > 0 ? `, label layer of ${c.labels} classes (${c.objective}${c.objective === 'hybrid' ? `, generative weight ${c.generativeWeight}` : ''})` : ''),
    `  epochs       ${kl.length}` +
      (kl.length ? `; ${loss} first ${kl[0].toFixed(4)}, last ${kl[kl.length - 1].toFixed(4)}, best ${kl[best].toFixed(4)} (epoch ${best + 1})` : ''),
  ];
  if (s.progress) lines.push(`  stopped      after batch ${s.progress.batchesDone} of epoch ${kl.length + 1} (batch size ${s.progress.batchSize}, ${s.progress.rows} rows)`);
  if (s.run) lines.push(`  run          ${s.run.epochs} epochs from epoch ${s.run.startEpoch}`);
  lines.push(
    `  weights      ${stats(s.parameters.weights)}`,
    `  visible bias ${stats(s.parameters.visibleBias)}`,
    `  hidden bias  ${stats(s.parameters.hiddenBias)}`,
    ...(s.parameters.visibleLogVariance ? [`  visible σ    ${stats(s.parameters.visibleLogVariance.map((z) => Math.exp(z / 2)))}`] : []),
    ...(s.parameters.hiddenGamma ? [`  hidden γ     ${stats(s.parameters.hiddenGamma)}`] : []),
    `  sampling     ${s.inferenceDraws} draws made outside training`,
  );
  return lines;
}

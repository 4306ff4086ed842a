import { RbmError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { encodePng, grid, type GridOptions } from '../../io/images.js';
import { readModelFile } from '../../io/model-store.js';
import { klPlotSvg } from '../../io/plot.js';
import { firstRows, row, type Matrix } from '../../matrix.js';
import { lossName } from '../../options.js';
import { exactLimit } from '../../backend/exact-partition.js';
import { RBM } from '../../node.js';
import { numberOption, parse } from '../cli.js';
import { checkFiles, fileArgument } from '../files.js';
import { imageShape, parseShape } from '../image-shape.js';
import { dataArgument, files, firstRowsFor, modelArgument } from '../inputs.js';
import { infoLines } from './report.js';

export const REPORT_USAGE = `rbm report --model FILE [--data SET|FILE] [--out report.html]

Writes one self-contained HTML page (no network: pictures and the plot are inside it) about a
model: its settings and history, the learning curve, the hidden units' weights and samples
from the model; with --data also reconstructions of its first rows and metrics on its first
1,000 rows (reconstruction error, cross-entropy, pseudo-likelihood and exact log-likelihood
where they apply, mean free energy), and the samples start from its first rows.
  --steps N      Gibbs steps of the samples (default 1000)
  --shape WxH    the image shape when the visible layer is not a square
  --gpu          use the GPU`;

/** The most hidden units whose weights the page draws, and chains it samples. */
const MAX_FILTERS = 100;
const SAMPLES = 16;
const METRIC_ROWS = 1000;

export async function report(args: string[]): Promise<void> {
  const { values } = parse(args, {
    model: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    steps: { type: 'string' },
    shape: { type: 'string' },
    gpu: { type: 'boolean' },
  });
  const steps = numberOption('steps', values.steps, 1000, { integer: true, min: 1 });
  parseShape(values.shape);
  const model = modelArgument(values.model);
  const data = values.data === undefined ? undefined : dataArgument('data', values.data, '');
  const out = fileArgument('out', values.out, 'report.html', 'the report');
  await checkFiles(files(model, data), [out]);
  const state = await readModelFile(model.path);
  const rbm = await RBM.load(model.path, { useGPU: values.gpu ?? false });
  try {
    const x = data && (await firstRowsFor(rbm, data, model, METRIC_ROWS));
    const shape = pictureShape(rbm.visible, values.shape);
    const c = state.config;
    const loss = lossName(c.visibleType, c.labels);
    const sections = [
      section('Model', `<pre>${escape(infoLines(model.path, state).join('\n'))}</pre>`),
      section(`Learning curve: ${loss} per epoch`, state.history.epoch.length > 0 ? klPlotSvg(state.history, `${loss} per epoch`, loss) : note('No epoch trained yet.')),
      section('Metrics', x ? await metrics(rbm, x, data!.spec) : note('Give --data for metrics on data.')),
      section('Weights of the hidden units', shape ? filters(await rbm.getParameters(), rbm, shape) : noShape(rbm.visible)),
      section('Reconstructions', !shape ? noShape(rbm.visible) : x ? await optional(() => reconstructions(rbm, x, shape)) : note('Give --data to see reconstructions of its first rows.')),
      section(`Samples after ${steps} Gibbs steps`, shape ? await optional(() => samples(rbm, steps, x, shape)) : noShape(rbm.visible)),
    ];
    await writeFileAtomic(out.path, page(`${model.path}: webgpu-rbm report`, sections.join('\n')));
    console.log(`${out.path}: a report on ${model.path}${data ? ` with ${data.spec}` : ''}`);
  } finally {
    await rbm.dispose();
  }
}

/** The tiles' width and height, or undefined where the visible layer is not an image (no --shape, not a square). */
function pictureShape(visible: number, shape: string | undefined): [number, number] | undefined {
  if (shape !== undefined) return imageShape(visible, shape);
  const side = Math.round(Math.sqrt(visible));
  return side * side === visible ? [side, side] : undefined;
}

/** A section that depends on an operation some models refuse (a label layer's): its message instead. */
async function optional(make: () => Promise<string>): Promise<string> {
  try {
    return await make();
  } catch (error) {
    if (error instanceof RbmError) return note(`Not available for this model: ${error.message}.`);
    throw error;
  }
}

async function metrics(rbm: RBM, x: Matrix, spec: string): Promise<string> {
  const rows: [string, string][] = [['rows', `the first ${x.rows} of ${spec}`]];
  const add = async (name: string, value: () => Promise<number>) => {
    try {
      const v = await value();
      if (Number.isFinite(v)) rows.push([name, v.toFixed(4)]);
    } catch (error) {
      if (!(error instanceof RbmError)) throw error;
    }
  };
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
  const binary = rbm.options.visibleType === 'binary';
  // One reconstruction gives both errors.
  const reconstruction = rbm.reconstructionError(x);
  reconstruction.catch(() => {});
  await add('reconstruction mean squared error', async () => (await reconstruction).meanSquared);
  if (binary) await add('reconstruction cross-entropy (nats per row)', async () => (await reconstruction).crossEntropy ?? Number.NaN);
  if (binary) await add('pseudo-likelihood (mean log)', async () => mean(await rbm.pseudoLikelihood(x)));
  await add('free energy (mean)', async () => mean(await rbm.freeEnergy(x)));
  if (exactLimit(rbm.options.visibleType, rbm.options.hiddenType, rbm.visible, rbm.hidden) === undefined) await add('log-likelihood (exact, nats per row)', () => rbm.logLikelihood(x, { method: 'exact' }));
  return `<table>${rows.map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</table>`;
}

function filters(p: { weights: Float32Array }, rbm: RBM, [width, height]: [number, number]): string {
  const H = rbm.hidden;
  const shown = Math.min(H, MAX_FILTERS);
  const tiles = Array.from({ length: shown }, (_, j) => Float32Array.from({ length: rbm.visible }, (_, i) => p.weights[i * H + j]));
  const caption = `${shown === H ? 'Every' : `The first ${shown} of ${H}`} hidden units' weights: mid-gray 0, white positive, black negative.`;
  return picture(tiles, width, height, { columns: Math.ceil(Math.sqrt(shown)), scale: 2, shading: 'signed' }, caption);
}

async function reconstructions(rbm: RBM, x: Matrix, [width, height]: [number, number]): Promise<string> {
  const inputs = firstRows(x, 10);
  const outputs = await rbm.reconstruct(inputs);
  const tiles = Array.from({ length: inputs.rows }, (_, i) => [row(inputs, i), row(outputs, i)]).flat();
  return picture(tiles, width, height, { columns: 2 * Math.min(5, inputs.rows), scale: 3 }, 'Each row beside its mean-field reconstruction p(v | p(h | v)).');
}

async function samples(rbm: RBM, steps: number, x: Matrix | undefined, [width, height]: [number, number]): Promise<string> {
  const start = x && firstRows(x, SAMPLES);
  const v = await rbm.daydream(steps, { chains: start?.rows ?? SAMPLES, probabilities: true, ...(start && { start }) });
  const tiles = Array.from({ length: v.rows }, (_, i) => row(v, i));
  const from = start ? 'the first rows of the data' : 'uniform noise';
  return picture(tiles, width, height, { columns: Math.ceil(Math.sqrt(v.rows)), scale: 3 }, `Chains from ${from}; the last step's probabilities.`);
}

/** A grid of tiles as a PNG inside the page. */
function picture(tiles: Float32Array[], width: number, height: number, layout: GridOptions, caption: string): string {
  const png = Buffer.from(encodePng(grid(tiles, width, height, layout))).toString('base64');
  return `<figure><img alt="${escape(caption)}" src="data:image/png;base64,${png}"><figcaption>${escape(caption)}</figcaption></figure>`;
}

const noShape = (visible: number) => note(`${visible} visible units are not a square image: give --shape WxH to draw them.`);
const note = (text: string) => `<p class="note">${escape(text)}</p>`;
const section = (title: string, body: string) => `<section><h2>${escape(title)}</h2>\n${body}\n</section>`;

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
pre { background: #f6f6f6; padding: .8rem; overflow-x: auto; font-size: 13px; }
table { border-collapse: collapse; } th, td { text-align: left; padding: .2rem 1rem .2rem 0; } th { font-weight: 500; }
img { image-rendering: pixelated; max-width: 100%; } figcaption, .note { color: #666; font-size: 13px; }
svg { max-width: 100%; height: auto; }
</style></head>
<body><h1>${escape(title)}</h1>
${body}
</body></html>
`;
}

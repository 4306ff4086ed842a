import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { grid, writePng } from '../../io/images.js';
import { firstRows, row, type Matrix } from '../../matrix.js';
import { RBM } from '../../node.js';
import { choiceOption, numberOption, parse, required } from '../cli.js';
import { loadData } from '../data-source.js';
import { imageShape } from '../image-shape.js';
import { HIDDEN_REGIONS, hideMask, masked } from '../../masks.js';

const rows = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => row(m, i));

export const RECONSTRUCT_USAGE = `rbm reconstruct --model FILE [--data mnist-test] [--count 10] [--out DIR]

Writes DIR/input_i.png and DIR/output_i.png (the mean-field reconstruction) for the first
--count rows, as simple_rbm's reconstruct example does, and DIR/grid.png with each input
beside its reconstruction.
  --shape WxH    the image shape when the visible layer is not a square
  --scale N      pixels per value (default 4)
  --gpu          use the GPU`;

export async function reconstruct(args: string[]): Promise<void> {
  const { values } = parse(args, {
    model: { type: 'string' },
    data: { type: 'string' },
    count: { type: 'string' },
    out: { type: 'string' },
    shape: { type: 'string' },
    scale: { type: 'string' },
    gpu: { type: 'boolean' },
  });
  const rbm = await RBM.load(required('model', values.model), { useGPU: values.gpu ?? false });
  try {
    const [width, height] = imageShape(rbm.visible, values.shape);
    const scale = numberOption('scale', values.scale, 4, { integer: true, min: 1 });
    const input = firstRows(await loadData(values.data ?? 'mnist-test'), numberOption('count', values.count, 10, { integer: true, min: 1 }));
    const output = await rbm.reconstruct(input);
    const dir = values.out ?? '.';
    await mkdir(dir, { recursive: true });
    const pairs: Float32Array[] = [];
    for (let i = 0; i < input.rows; i++) {
      await writePng(join(dir, `input_${i}.png`), grid([row(input, i)], width, height, { columns: 1, scale, gap: 0 }));
      await writePng(join(dir, `output_${i}.png`), grid([row(output, i)], width, height, { columns: 1, scale, gap: 0 }));
      pairs.push(row(input, i), row(output, i));
      console.log(`input_${i}.png -> RBM -> output_${i}.png`);
    }
    await writePng(join(dir, 'grid.png'), grid(pairs, width, height, { columns: 2 * Math.min(5, input.rows), scale }));
    console.log(`${join(dir, 'grid.png')}: inputs with their reconstructions beside them`);
  } finally {
    await rbm.dispose();
  }
}

export const FILTERS_USAGE = `rbm filters --model FILE [--out filters.png]

Draws every hidden unit's weights as a tile: mid-gray is 0, white positive, black negative.
  --shape WxH    the image shape when the visible layer is not a square
  --scale N      pixels per weight (default 4)`;

export async function filters(args: string[]): Promise<void> {
  const { values } = parse(args, { model: { type: 'string' }, out: { type: 'string' }, shape: { type: 'string' }, scale: { type: 'string' } });
  const rbm = await RBM.load(required('model', values.model));
  try {
    const [width, height] = imageShape(rbm.visible, values.shape);
    const { weights } = await rbm.getParameters();
    const H = rbm.hidden;
    const tiles = Array.from({ length: H }, (_, j) => Float32Array.from({ length: rbm.visible }, (_, i) => weights[i * H + j]));
    const out = values.out ?? 'filters.png';
    const scale = numberOption('scale', values.scale, 4, { integer: true, min: 1 });
    await writePng(out, grid(tiles, width, height, { columns: Math.ceil(Math.sqrt(H)), scale, shading: 'signed' }));
    console.log(`${out}: the weights of ${H} hidden units`);
  } finally {
    await rbm.dispose();
  }
}

export const DREAM_USAGE = `rbm dream --model FILE [--steps 1000] [--chains 16] [--out dreams.png]

Runs Gibbs chains and draws where each ended (the last step's probabilities, so the picture
is not speckled).
  --from noise|SET|FILE   start from uniform noise (default), or from the first rows of a
                          data set such as mnist-test
  --every N               also draw each chain every N steps (one row per snapshot)
  --shape WxH             the image shape when the visible layer is not a square
  --scale N               pixels per value (default 4)
  --gpu                   use the GPU
Chains of models trained with CD-1 often fall into a state with every hidden unit off (then
they draw uniform gray); the command says so. Starting from data shows what the model keeps.`;

export async function dream(args: string[]): Promise<void> {
  const { values } = parse(args, {
    model: { type: 'string' },
    steps: { type: 'string' },
    chains: { type: 'string' },
    from: { type: 'string' },
    every: { type: 'string' },
    out: { type: 'string' },
    shape: { type: 'string' },
    scale: { type: 'string' },
    gpu: { type: 'boolean' },
  });
  const steps = numberOption('steps', values.steps, 1000, { integer: true, min: 1 });
  const chains = numberOption('chains', values.chains, 16, { integer: true, min: 1 });
  const every = numberOption('every', values.every, steps, { integer: true, min: 1 });
  const scale = numberOption('scale', values.scale, 4, { integer: true, min: 1 });
  const rbm = await RBM.load(required('model', values.model), { useGPU: values.gpu ?? false });
  try {
    const [width, height] = imageShape(rbm.visible, values.shape);
    const from = values.from ?? 'noise';
    let v = from === 'noise' ? await rbm.daydream(0, { chains }) : firstRows(await loadData(from), chains);
    const tiles: Float32Array[] = [];
    let hiddenOn = 0;
    for (let done = 0; done < steps; ) {
      const n = Math.min(every, steps - done);
      if (n > 1) v = await rbm.daydream(n - 1, { chains: v.rows, start: v });
      const h = await rbm.sampleHidden(v);
      const p = await rbm.expectVisible(h);
      v = await rbm.sampleVisible(h);
      done += n;
      tiles.push(...rows(p));
      hiddenOn = h.data.reduce((s, x) => s + x, 0);
    }
    const out = values.out ?? 'dreams.png';
    await writePng(out, grid(tiles, width, height, { columns: every < steps ? v.rows : Math.ceil(Math.sqrt(v.rows)), scale }));
    console.log(`${out}: ${v.rows} chains from ${from} after ${steps} Gibbs steps`);
    if (hiddenOn === 0) {
      console.log(
        'Every chain ended with all hidden units off, so the picture is the visible biases alone. ' +
          'CD-1 training often leaves such a state; try --from mnist-test, or a model trained with --gradient mean and a larger --lr.',
      );
    }
  } finally {
    await rbm.dispose();
  }
}

export const INPAINT_USAGE = `rbm inpaint --model FILE [--data mnist-test] [--count 10] [--hide lower|random] [--out inpaint.png]

Hides part of each image (its lower half, or half its pixels at random), fills it in by Gibbs
sampling with the known pixels clamped, and draws original, masked and completed side by side.
  --steps N      Gibbs steps (default 100)
  --seed N       which pixels --hide random hides (default 0)
  --shape WxH    the image shape when the visible layer is not a square
  --scale N      pixels per value (default 4)
  --gpu          use the GPU`;

export async function inpaint(args: string[]): Promise<void> {
  const { values } = parse(args, {
    model: { type: 'string' },
    data: { type: 'string' },
    count: { type: 'string' },
    hide: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    shape: { type: 'string' },
    scale: { type: 'string' },
    gpu: { type: 'boolean' },
  });
  const count = numberOption('count', values.count, 10, { integer: true, min: 1 });
  const steps = numberOption('steps', values.steps, 100, { integer: true, min: 1 });
  const seed = numberOption('seed', values.seed, 0, { integer: true, min: 0 });
  const scale = numberOption('scale', values.scale, 4, { integer: true, min: 1 });
  const hide = choiceOption('hide', values.hide, HIDDEN_REGIONS, 'lower');
  const rbm = await RBM.load(required('model', values.model), { useGPU: values.gpu ?? false });
  try {
    const [width, height] = imageShape(rbm.visible, values.shape);
    const input = firstRows(await loadData(values.data ?? 'mnist-test'), count);
    const mask = hideMask(hide, input.rows, width, height, seed);
    const completed = await rbm.inpaint(input, mask, { steps });
    const shown = masked(input, mask);
    const tiles = Array.from({ length: input.rows }, (_, i) => [row(input, i), row(shown, i), row(completed, i)]).flat();
    const out = values.out ?? 'inpaint.png';
    await writePng(out, grid(tiles, width, height, { columns: 3 * Math.min(4, input.rows), scale }));
    console.log(`${out}: ${input.rows} images, each original, with the ${hide} part hidden, and completed (${steps} Gibbs steps)`);
  } finally {
    await rbm.dispose();
  }
}

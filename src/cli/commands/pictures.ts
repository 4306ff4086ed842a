import { join } from 'node:path';
import { checkPicture, grid, writePng, type GridOptions } from '../../io/images.js';
import { row, type Matrix } from '../../matrix.js';
import { choiceOption, numberOption, parse, UsageError } from '../cli.js';
import { checkFiles, checkOutputFolder, createFolder, fileArgument, pathOption, type FileArgument } from '../files.js';
import { imageShape, parseShape } from '../image-shape.js';
import { dataArgument, files, firstRowsFor, floatBytes, loadModelFile, memoryLimit, modelArgument } from '../inputs.js';
import { HIDDEN_REGIONS, hideMask, masked } from '../../masks.js';

const rows = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => row(m, i));

/** --scale: pixels per value. */
const scaleOption = (value: string | undefined) => numberOption('scale', value, 4, { integer: true, min: 1 });

/**
 * Loads the model (a deep belief network's file gives its bottom RBM, and the stack) and works
 * out its tiles' shape; refuses a --scale at which one tile is already too large. `dispose`
 * releases whatever was loaded.
 */
async function loadForPictures(model: FileArgument, shape: string | undefined, scale: number, useGPU = false) {
  const { rbm, stack } = await loadModelFile(model.path, useGPU);
  const dispose = () => (stack ? stack.dispose() : rbm.dispose());
  try {
    const [width, height] = imageShape(rbm.visible, shape);
    checkPicture('--scale', 1, width, height, { columns: 1, scale, gap: 0 }, memoryLimit());
    return { rbm, stack, width, height, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

export const RECONSTRUCT_USAGE = `rbm reconstruct --model FILE [--data mnist-test] [--count 10] [--out DIR]

Writes DIR/input_i.png and DIR/output_i.png (the mean-field reconstruction) for the first
--count rows, as simple_rbm's reconstruct example does, and DIR/grid.png with each input
beside its reconstruction.
  --shape WxH    the image shape when the visible layer is not a square
  --scale N      pixels per value (default 4)
  --gpu          use the GPU`;

/** The files reconstruct writes in its folder, for the first `count` rows. */
function reconstructOutput(count: number) {
  return (name: string) => {
    const match = /^(?:input|output)_(\d+)\.png$/.exec(name);
    return name === 'grid.png' || (match !== null && Number(match[1]) < count);
  };
}

const pairsGrid = (rows: number, scale: number): GridOptions => ({ columns: 2 * Math.min(5, rows), scale });

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
  const count = numberOption('count', values.count, 10, { integer: true, min: 1 });
  const scale = scaleOption(values.scale);
  parseShape(values.shape);
  const model = modelArgument(values.model);
  const data = dataArgument('data', values.data, 'mnist-test');
  const dir = fileArgument('out', values.out, '.', 'the pictures');
  await checkOutputFolder(dir, reconstructOutput(count), files(model, data));
  const { rbm, stack, width, height, dispose } = await loadForPictures(model, values.shape, scale, values.gpu);
  try {
    const input = await firstRowsFor(rbm, data, model, count);
    const n = input.rows;
    const matrices = { what: `${n} rows`, bytes: floatBytes(n, 3 * rbm.visible + rbm.hidden) };
    checkPicture('--count', 2 * n, width, height, pairsGrid(n, scale), memoryLimit(), matrices);
    // A deep belief network's reconstruction goes up through every layer and back down.
    const output = await (stack ?? rbm).reconstruct(input);
    await createFolder(dir.path);
    const single = { columns: 1, scale, gap: 0 };
    const pairs: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      await writePng(join(dir.path, `input_${i}.png`), grid([row(input, i)], width, height, single));
      await writePng(join(dir.path, `output_${i}.png`), grid([row(output, i)], width, height, single));
      pairs.push(row(input, i), row(output, i));
      console.log(`input_${i}.png -> RBM -> output_${i}.png`);
    }
    await writePng(join(dir.path, 'grid.png'), grid(pairs, width, height, pairsGrid(n, scale)));
    console.log(`${join(dir.path, 'grid.png')}: inputs with their reconstructions beside them`);
  } finally {
    await dispose();
  }
}

export const FILTERS_USAGE = `rbm filters --model FILE [--out filters.png]

Draws every hidden unit's weights as a tile: mid-gray is 0, white positive, black negative.
  --shape WxH    the image shape when the visible layer is not a square
  --scale N      pixels per weight (default 4)`;

export async function filters(args: string[]): Promise<void> {
  const { values } = parse(args, { model: { type: 'string' }, out: { type: 'string' }, shape: { type: 'string' }, scale: { type: 'string' } });
  const scale = scaleOption(values.scale);
  parseShape(values.shape);
  const model = modelArgument(values.model);
  const out = fileArgument('out', values.out, 'filters.png', 'the picture');
  await checkFiles([model], [out]);
  const { rbm, width, height, dispose } = await loadForPictures(model, values.shape, scale);
  try {
    const H = rbm.hidden;
    const layout: GridOptions = { columns: Math.ceil(Math.sqrt(H)), scale, shading: 'signed' };
    // The parameters' copy (weights and their velocities) and the tiles.
    checkPicture('--scale', H, width, height, layout, memoryLimit(), { what: `${H} filters`, bytes: floatBytes(3 * rbm.visible, H) });
    const { weights } = await rbm.getParameters();
    const tiles = Array.from({ length: H }, (_, j) => Float32Array.from({ length: rbm.visible }, (_, i) => weights[i * H + j]));
    await writePng(out.path, grid(tiles, width, height, layout));
    console.log(`${out.path}: the weights of ${H} hidden units`);
  } finally {
    await dispose();
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

/** --from: 'noise', or a data set whose first rows start the chains. */
function fromArgument(value: string | undefined) {
  const spec = pathOption('from', value, 'noise');
  return spec === 'noise' ? undefined : dataArgument('from', spec, spec);
}

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
  const every = Math.min(steps, numberOption('every', values.every, steps, { integer: true, min: 1 }));
  const scale = scaleOption(values.scale);
  parseShape(values.shape);
  const model = modelArgument(values.model);
  const from = fromArgument(values.from);
  const out = fileArgument('out', values.out, 'dreams.png', 'the picture');
  await checkFiles(files(model, from), [out]);
  const { rbm, stack, width, height, dispose } = await loadForPictures(model, values.shape, scale, values.gpu);
  try {
    if (stack) {
      // A deep belief network: Gibbs in its top RBM, then down the stack (DBN.generate).
      if (from !== undefined || every < steps) throw new UsageError('--from and --every apply to a single RBM; a deep belief network dreams from noise in its top layer');
      const layout: GridOptions = { columns: Math.ceil(Math.sqrt(chains)), scale };
      checkPicture('--chains', chains, width, height, layout, memoryLimit(), { what: `${chains} chains`, bytes: floatBytes(chains, 3 * (rbm.visible + stack.hidden)) });
      const samples = await stack.generate(chains, { steps });
      await writePng(out.path, grid(rows(samples), width, height, layout));
      console.log(`${out.path}: ${chains} samples of the ${stack.layers.length}-layer network after ${steps} Gibbs steps in its top layer`);
      return;
    }
    const start = from === undefined ? undefined : await firstRowsFor(rbm, from, model, chains);
    const n = start?.rows ?? chains;
    const snapshots = Math.ceil(steps / every);
    const layout: GridOptions = { columns: snapshots > 1 ? n : Math.ceil(Math.sqrt(n)), scale };
    // Each step holds v, h and the next v with the backend's copies; every snapshot is kept for the picture.
    const chainBytes = floatBytes(n, 3 * rbm.visible + 2 * rbm.hidden) + floatBytes(n * snapshots, rbm.visible);
    const argument = snapshots > 1 ? '--chains and --every' : '--chains';
    checkPicture(argument, n * snapshots, width, height, layout, memoryLimit(), { what: `${n} chains`, bytes: chainBytes });
    let v = start ?? (await rbm.daydream(0, { chains }));
    const tiles: Float32Array[] = [];
    let hiddenOn = 0;
    for (let done = 0; done < steps; ) {
      const k = Math.min(every, steps - done);
      if (k > 1) v = await rbm.daydream(k - 1, { chains: v.rows, start: v });
      const h = await rbm.sampleHidden(v);
      const p = await rbm.expectVisible(h);
      v = await rbm.sampleVisible(h);
      done += k;
      // One by one: a push of every row at once is more arguments than a call takes.
      for (const tile of rows(p)) tiles.push(tile);
      hiddenOn = h.data.reduce((s, x) => s + x, 0);
    }
    await writePng(out.path, grid(tiles, width, height, layout));
    console.log(`${out.path}: ${v.rows} chains from ${from?.spec ?? 'noise'} after ${steps} Gibbs steps`);
    if (hiddenOn === 0) {
      console.log(
        'Every chain ended with all hidden units off, so the picture is the visible biases alone. ' +
          'CD-1 training often leaves such a state; try --from mnist-test, or a model trained with --gradient mean and a larger --lr.',
      );
    }
  } finally {
    await dispose();
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
  // The mask's random stream is keyed by a 32-bit seed, as the model's is.
  const seed = numberOption('seed', values.seed, 0, { integer: true, min: 0, max: 2 ** 32 - 1 });
  const scale = scaleOption(values.scale);
  const hide = choiceOption('hide', values.hide, HIDDEN_REGIONS, 'lower');
  parseShape(values.shape);
  const model = modelArgument(values.model);
  const data = dataArgument('data', values.data, 'mnist-test');
  const out = fileArgument('out', values.out, 'inpaint.png', 'the picture');
  await checkFiles(files(model, data), [out]);
  const { rbm, width, height, dispose } = await loadForPictures(model, values.shape, scale, values.gpu);
  try {
    const input = await firstRowsFor(rbm, data, model, count);
    const n = input.rows;
    const layout: GridOptions = { columns: 3 * Math.min(4, n), scale };
    // The rows, the mask (and its random draws), the masked copy, the chain's v and h, and the result.
    const matrices = { what: `${n} images`, bytes: floatBytes(n, 7 * rbm.visible + 2 * rbm.hidden) };
    checkPicture('--count', 3 * n, width, height, layout, memoryLimit(), matrices);
    const mask = hideMask(hide, n, width, height, seed);
    const completed = await rbm.inpaint(input, mask, { steps });
    const shown = masked(input, mask);
    const tiles = Array.from({ length: n }, (_, i) => [row(input, i), row(shown, i), row(completed, i)]).flat();
    await writePng(out.path, grid(tiles, width, height, layout));
    console.log(`${out.path}: ${n} images, each original, with the ${hide} part hidden, and completed (${steps} Gibbs steps)`);
  } finally {
    await dispose();
  }
}

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { grid, writePng } from '../../io/images.js';
import { row, type Matrix } from '../../matrix.js';
import { RBM } from '../../rbm.js';
import { numberOption, parse, required } from '../cli.js';
import { firstRows, loadData } from '../data-source.js';
import { imageShape } from '../image-shape.js';

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

Runs Gibbs chains from uniform noise and draws where each ended (the last step's
probabilities, so the picture is not speckled).
  --shape WxH    the image shape when the visible layer is not a square
  --scale N      pixels per value (default 4)
  --gpu          use the GPU`;

export async function dream(args: string[]): Promise<void> {
  const { values } = parse(args, {
    model: { type: 'string' },
    steps: { type: 'string' },
    chains: { type: 'string' },
    out: { type: 'string' },
    shape: { type: 'string' },
    scale: { type: 'string' },
    gpu: { type: 'boolean' },
  });
  const rbm = await RBM.load(required('model', values.model), { useGPU: values.gpu ?? false });
  try {
    const [width, height] = imageShape(rbm.visible, values.shape);
    const steps = numberOption('steps', values.steps, 1000, { integer: true, min: 1 });
    const chains = numberOption('chains', values.chains, 16, { integer: true, min: 1 });
    const dreams = await rbm.daydream(steps, { chains, probabilities: true });
    const out = values.out ?? 'dreams.png';
    const scale = numberOption('scale', values.scale, 4, { integer: true, min: 1 });
    await writePng(out, grid(rows(dreams), width, height, { columns: Math.ceil(Math.sqrt(chains)), scale }));
    console.log(`${out}: ${chains} chains after ${steps} Gibbs steps`);
  } finally {
    await rbm.dispose();
  }
}

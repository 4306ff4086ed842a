// The demo page: trains an RBM on MNIST digits in the browser and shows what it learns.
// URL parameters (hidden, epochs, batch, lr, rows, device, steps, autostart=1) preset the controls;
// window.demo reports progress for the end-to-end test.
import { encodeModel, idxToMatrix, npyToMatrix, parseIdx, parseNpy, parseTextMatrix, RBM, TrainingInterruptedError, row, type Matrix } from '../../src/index.js';
import { drawCurve, drawTiles } from './canvas.js';

interface DemoState {
  status: string;
  /** The visible units of the model trained last (784 for the digits). */
  visible?: number;
  backend?: string;
  device?: string;
  kl: number[];
  done: boolean;
  error?: string;
}
const demo: DemoState = { status: 'loading', kl: [], done: false };
(window as unknown as { demo: DemoState }).demo = demo;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id);
const params = new URLSearchParams(location.search);
/** Gibbs steps for dreams and inpainting (?steps= lowers it for slow software adapters). */
const GIBBS_STEPS = Number(params.get('steps') ?? 200);
for (const id of ['hidden', 'epochs', 'batch', 'lr', 'rows', 'device']) {
  const value = params.get(id);
  if (value !== null) ($(id) as HTMLInputElement | HTMLSelectElement).value = value;
}

function status(text: string): void {
  demo.status = text;
  $('status').textContent = text;
}

/** The 10,000 digits of the `mnist` package, pixels / 255 (built by scripts/build-demo.mjs). */
async function loadDigits(): Promise<Matrix> {
  const bytes = new Uint8Array(await (await fetch('digits.bin')).arrayBuffer());
  return { data: Float32Array.from(bytes, (b) => b / 255), rows: bytes.length / 784, cols: 784 };
}

const digits = await loadDigits();
const TEST_ROWS = 1000;
const test: Matrix = { data: digits.data.subarray((digits.rows - TEST_ROWS) * 784), rows: TEST_ROWS, cols: 784 };
const shown: Matrix = { data: test.data.subarray(0, 10 * 784), rows: 10, cols: 784 };
status(`${digits.rows} digits loaded; press Train`);

let rbm: RBM | undefined;
let controller: AbortController | undefined;

/** Rows the user loaded from a file, trained on instead of the digits. */
let own: Matrix | undefined;

/** A file's rows: .npy, IDX (gzip-compressed or not) or CSV/whitespace text, told apart by content. */
async function readRows(file: File): Promise<Matrix> {
  let bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    bytes = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  }
  if (bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') return npyToMatrix(parseNpy(bytes, file.name), file.name);
  if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0) return idxToMatrix(parseIdx(bytes, file.name), file.name);
  return parseTextMatrix(new TextDecoder().decode(bytes), file.name);
}

$('file').addEventListener('change', async () => {
  const file = input('file').files?.[0];
  if (!file) return;
  try {
    own = await readRows(file);
    $('data-name').textContent = `training on ${file.name}: ${own.rows} rows of ${own.cols} values`;
    status(`${file.name} loaded; press Train`);
  } catch (error) {
    own = undefined;
    $('data-name').textContent = 'training on MNIST digits';
    status(`could not read ${file.name}: ${(error as Error).message}`);
  }
});

$('download').addEventListener('click', async () => {
  if (!rbm) return;
  const bytes = encodeModel(await rbm.getState());
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  link.download = 'model.safetensors';
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
});

async function showModel(model: RBM): Promise<void> {
  // The pictures are of 28 × 28 digits.
  if (model.visible !== 784) return;
  const reconstructions = await model.reconstruct(shown);
  const tiles = [...Array.from({ length: 10 }, (_, i) => row(shown, i)), ...Array.from({ length: 10 }, (_, i) => row(reconstructions, i))];
  drawTiles($('reconstructions'), tiles, 10);
  const { weights } = await model.getParameters();
  const H = model.hidden;
  const units = Math.min(H, 64);
  const filters = Array.from({ length: units }, (_, j) => Float32Array.from({ length: 784 }, (_, i) => weights[i * H + j]));
  drawTiles($('filters'), filters, 8, 1, true);
}

async function train(): Promise<void> {
  const hidden = Number(input('hidden').value);
  const epochs = Number(input('epochs').value);
  const batchSize = Number(input('batch').value);
  const learningRate = Number(input('lr').value);
  const rows = Math.min(Number(input('rows').value), digits.rows - TEST_ROWS);
  const device = ($('device') as HTMLSelectElement).value;
  const x: Matrix = own ?? { data: digits.data.subarray(0, rows * 784), rows, cols: 784 };
  await rbm?.dispose();
  rbm = new RBM({
    visible: x.cols,
    hidden,
    learningRate,
    gradient: 'mean',
    momentum: 0.5,
    useGPU: device === 'gpu' ? true : device === 'cpu' ? false : 'auto',
  });
  demo.kl = [];
  demo.done = false;
  demo.visible = x.cols;
  const info = await rbm.device();
  demo.backend = info.backend;
  demo.device = info.device;
  $('device-name').textContent = `(${info.backend === 'webgpu' ? 'WebGPU' : 'CPU'}: ${info.device})`;
  controller = new AbortController();
  input('train').disabled = true;
  input('stop').disabled = false;
  try {
    // One epoch per fit call, so the pictures can follow; the model continues its stream exactly.
    for (let e = 1; e <= epochs; e++) {
      status(`training: epoch ${e} of ${epochs}…`);
      const { klDivergence } = await rbm.fit(x, { epochs: 1, batchSize, verbose: false, signal: controller.signal });
      demo.kl.push(klDivergence[0]);
      drawCurve($('curve'), demo.kl, epochs);
      await showModel(rbm);
    }
    status(`trained ${epochs} epochs; KL ${demo.kl.at(-1)?.toFixed(4)}`);
  } catch (error) {
    if (!(error instanceof TrainingInterruptedError)) {
      demo.error = String(error);
      status(`failed: ${(error as Error).message}`);
      throw error;
    }
    status('stopped');
  } finally {
    input('train').disabled = false;
    input('stop').disabled = true;
    input('dream').disabled = rbm.visible !== 784;
    input('complete').disabled = rbm.visible !== 784;
    input('download').disabled = false;
    demo.done = true;
  }
}

$('train').addEventListener('click', () => void train());
$('stop').addEventListener('click', () => controller?.abort());
$('dream').addEventListener('click', async () => {
  if (!rbm) return;
  const start: Matrix = { data: test.data.subarray(10 * 784, 26 * 784), rows: 16, cols: 784 };
  const dreams = await rbm.daydream(GIBBS_STEPS, { start, probabilities: true });
  drawTiles($('dreams'), Array.from({ length: 16 }, (_, i) => row(dreams, i)), 4);
});

// Inpainting: a 28 × 28 grid drawn at 8× scale.
const sketch = new Float32Array(784);
const known = new Float32Array(784).fill(1);
let taken = 20;
const drawSketch = () => {
  const shownSketch = sketch.map((v, i) => (known[i] === 1 ? v : 0.5));
  const canvas = $<HTMLCanvasElement>('draw');
  drawTiles(canvas, [shownSketch], 1, 8);
};
drawSketch();
const paint = (event: MouseEvent) => {
  if (event.buttons !== 1) return;
  const canvas = $<HTMLCanvasElement>('draw');
  const rect = canvas.getBoundingClientRect();
  const cx = Math.floor(((event.clientX - rect.left) / rect.width) * 28);
  const cy = Math.floor(((event.clientY - rect.top) / rect.height) * 28);
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const [px, py] = [cx + dx, cy + dy];
      if (px < 0 || py < 0 || px >= 28 || py >= 28) continue;
      const i = py * 28 + px;
      sketch[i] = Math.max(sketch[i], dx === 0 && dy === 0 ? 1 : 0.6);
      known[i] = 1;
    }
  }
  drawSketch();
};
$('draw').addEventListener('mousemove', paint);
$('draw').addEventListener('mousedown', paint);
$('take').addEventListener('click', () => {
  sketch.set(row(test, taken++ % TEST_ROWS));
  known.fill(1);
  drawSketch();
});
$('clear').addEventListener('click', () => {
  sketch.fill(0);
  known.fill(1);
  drawSketch();
});
$('hide').addEventListener('click', () => {
  known.fill(0, 14 * 28);
  drawSketch();
});
$('complete').addEventListener('click', async () => {
  if (!rbm) return;
  const completed = await rbm.inpaint([Array.from(sketch)], [Array.from(known)], { steps: GIBBS_STEPS });
  drawTiles($('completed'), [sketch.map((v, i) => (known[i] === 1 ? v : 0.5)), completed.data], 2, 4);
});

if (params.get('autostart') === '1') void train();

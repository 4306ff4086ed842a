import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, RBM, readMatrixFile } from '../src/node.js';

// The built commands, as npm installs them (the suite's global setup builds them).
const rbm = resolve('dist/src/cli/rbm.js');
const rbmcmd = resolve('dist/src/cli/rbmcmd.js');
let dir: string;
let digits: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-cli-'));
  // The first 300 MNIST training digits as a gzipped IDX file.
  const { train } = await loadMnist();
  const header = new Uint8Array(16);
  new DataView(header.buffer).setUint32(0, 0x00000803);
  new DataView(header.buffer).setUint32(4, 300);
  new DataView(header.buffer).setUint32(8, 28);
  new DataView(header.buffer).setUint32(12, 28);
  const pixels = Uint8Array.from(train.images.data.subarray(0, 300 * 784), (v) => Math.round(v * 255));
  digits = join(dir, 'digits.idx.gz');
  writeFileSync(digits, gzipSync(Buffer.concat([header, pixels])));
});

function sh(program: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [program, ...args], { cwd: dir, input, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function pngSize(path: string): [number, number] {
  const png = PNG.sync.read(readFileSync(join(dir, path)));
  return [png.width, png.height];
}

describe('rbm, end to end', () => {
  it('trains, then draws reconstructions, filters, dreams and the KL curve, and evaluates', async () => {
    const train = sh(rbm, ['train', '--data', digits, '--hidden', '16', '--epochs', '3', '--batch-size', '50', '--lr', '0.001', '--out', 'm.safetensors', '--loss', 'loss.dat', '--plot', 'kl.svg']);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    const lines = train.stdout.trim().split('\n');
    expect(lines[0]).toBe('# Computation will proceed on the CPU.');
    // The commands run the WebAssembly kernels on every core, as the library does.
    expect(lines[1]).toMatch(new RegExp(`^# CPU: WebAssembly SIMD, ${availableParallelism()} threads?$`));
    expect(lines.slice(2, 5).every((l, i) => l.startsWith(`Epoch [${i + 1}/3], KL Divergence: `))).toBe(true);
    expect(readFileSync(join(dir, 'loss.dat'), 'utf8')).toMatch(/^# epoch KL_divergence\n1 0\.\d+\n2 /);
    const svg = readFileSync(join(dir, 'kl.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('>epoch</text>');
    expect(svg).toContain('>KL divergence</text>');

    const rec = sh(rbm, ['reconstruct', '--model', 'm.safetensors', '--data', digits, '--count', '3', '--out', 'pictures']);
    expect(rec.status).toBe(0);
    expect(rec.stdout).toContain('input_2.png -> RBM -> output_2.png');
    for (const name of ['input_0', 'output_0', 'input_2', 'output_2']) expect(pngSize(`pictures/${name}.png`)).toEqual([112, 112]);
    // Three pairs side by side: 6 tiles of 112 px with 4 px gaps.
    expect(pngSize('pictures/grid.png')).toEqual([6 * 112 + 7 * 4, 112 + 2 * 4]);

    expect(sh(rbm, ['filters', '--model', 'm.safetensors', '--out', 'filters.png']).status).toBe(0);
    expect(pngSize('filters.png')).toEqual([4 * 112 + 5 * 4, 4 * 112 + 5 * 4]);

    expect(sh(rbm, ['dream', '--model', 'm.safetensors', '--steps', '5', '--chains', '4', '--out', 'dreams.png']).status).toBe(0);
    expect(pngSize('dreams.png')).toEqual([2 * 112 + 3 * 4, 2 * 112 + 3 * 4]);
    // Three chains from data, drawn every 2 of 6 steps: three rows of three.
    expect(sh(rbm, ['dream', '--model', 'm.safetensors', '--from', digits, '--steps', '6', '--every', '2', '--chains', '3', '--scale', '1', '--out', 'chains.png']).status).toBe(0);
    expect(pngSize('chains.png')).toEqual([3 * 28 + 4, 3 * 28 + 4]);

    // Three digits with their lower halves hidden: original, masked, completed for each.
    expect(sh(rbm, ['inpaint', '--model', 'm.safetensors', '--data', digits, '--count', '3', '--steps', '5', '--scale', '1', '--out', 'inpaint.png']).status).toBe(0);
    expect(pngSize('inpaint.png')).toEqual([9 * 28 + 10, 28 + 2]);

    expect(sh(rbm, ['plot', '--loss', 'loss.dat', '--out', 'again.svg']).status).toBe(0);
    expect(readFileSync(join(dir, 'again.svg'), 'utf8')).toBe(svg);

    const info = sh(rbm, ['info', '--model', 'm.safetensors']);
    expect(info.stdout).toContain('784 visible × 16 hidden');
    expect(info.stdout).toMatch(/epochs {7}3; KL first/);
    expect(info.stdout).toContain('algorithm    CD-1, weight decay 0');

    // The log-likelihood table: exact for 16 hidden units, equal to the library's own figure.
    const evaluation = sh(rbm, ['evaluate', '--model', 'm.safetensors', '--data', digits, '--test', digits, '--rows', '100', '--binarize']);
    expect(evaluation.stderr).toBe('');
    expect(evaluation.status).toBe(0);
    const exact = evaluation.stdout.split('\n').find((l) => l.startsWith('exact'))!.trim().split(/\s+/).map(Number);
    const model = await RBM.load(join(dir, 'm.safetensors'));
    const mnist = await loadMnist();
    const x = { data: mnist.train.images.data.slice(0, 100 * 784).map((v) => (v > 0.5 ? 1 : 0)), rows: 100, cols: 784 };
    const logZ = (await model.logPartition({ method: 'exact' })).logZ;
    expect(exact[1]).toBeCloseTo(logZ, 1);
    expect(exact[2]).toBeCloseTo(await model.logLikelihood(x, { method: 'exact', logZ }), 1);
    expect(exact[3]).toBe(exact[2]);
    await model.dispose();
  });

  it('stops on Ctrl-C at the end of a batch, saves, and --resume finishes the run', async () => {
    const args = ['train', '--data', digits, '--hidden', '64', '--epochs', '40', '--batch-size', '10', '--out', 'stopped.safetensors'];
    const child = spawn(process.execPath, [rbm, ...args], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('Epoch [1/40]')) resolve();
      }),
    );
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/training was stopped after (batch \d+ of epoch \d+|epoch \d+); saved to stopped.safetensors\. Continue with --resume and the same --data, --batch-size and --out\./);
    // The checkpoint holds the model's options, so --hidden is left out.
    const resumed = sh(rbm, ['train', '--data', digits, '--epochs', '3', '--batch-size', '10', '--out', 'stopped.safetensors', '--resume']);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout.trim().split('\n').at(-2)).toMatch(/^Epoch \[3\/3\]/);
  });
});

describe('rbm, beyond binary pixels', () => {
  it('trains from disk with --stream exactly as from memory, and from 8-bit IDX exactly as from the same values in text', () => {
    writeFileSync(join(dir, 'digits.idx'), gunzipSync(readFileSync(digits)));
    const args = ['--hidden', '8', '--epochs', '2', '--batch-size', '50'];
    const fromMemory = sh(rbm, ['train', '--data', 'digits.idx', ...args, '--out', 'memory.safetensors']);
    expect(fromMemory.status).toBe(0);
    const fromDisk = sh(rbm, ['train', '--data', 'digits.idx', '--stream', ...args, '--out', 'disk.safetensors']);
    expect(fromDisk.stderr).toBe('');
    expect(fromDisk.stdout).toBe(fromMemory.stdout.replaceAll('memory.safetensors', 'disk.safetensors'));
    expect(readFileSync(join(dir, 'disk.safetensors'))).toEqual(readFileSync(join(dir, 'memory.safetensors')));
    // The same values as float32 text (pixel / 255) train the same model.
    const pixels = gunzipSync(readFileSync(digits)).subarray(16);
    const text = Array.from({ length: 300 }, (_, r) => Array.from(pixels.subarray(r * 784, (r + 1) * 784), (k) => String(Math.fround(k / 255))).join(' '));
    writeFileSync(join(dir, 'digits.txt'), text.join('\n') + '\n');
    expect(sh(rbm, ['train', '--data', 'digits.txt', ...args, '--out', 'text.safetensors']).status).toBe(0);
    const weights = (file: string) => RBM.load(join(dir, file)).then(async (m) => Array.from((await m.getParameters()).weights));
    return Promise.all([weights('text.safetensors'), weights('memory.safetensors')]).then(([a, b]) => expect(a).toEqual(b));
  });

  it('trains a deep belief network with --layers, and info, filters, dream and reconstruct read its file', () => {
    const train = sh(rbm, ['train', '--data', 'digits.idx.gz', '--layers', '784,32,16', '--epochs', '2', '--batch-size', '50', '--lr', '0.05', '--gradient', 'mean', '--out', 'dbn.safetensors']);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toContain('# DBN layer 1 of 2: 784-32');
    expect(train.stdout).toContain('# DBN layer 2 of 2: 32-16');
    expect(train.stdout).toContain('Deep belief network (784-32-16) saved to dbn.safetensors');
    const info = sh(rbm, ['info', '--model', 'dbn.safetensors']);
    expect(info.stdout).toContain('dbn.safetensors: a deep belief network of 2 RBMs (784-32-16)');
    expect(info.stdout).toMatch(/layer 2\n {2}shape {8}32 visible × 16 hidden/);
    expect(sh(rbm, ['filters', '--model', 'dbn.safetensors', '--out', 'dbn-filters.png']).status).toBe(0);
    expect(pngSize('dbn-filters.png')[0]).toBeGreaterThan(28 * 4 * 6);
    const dream = sh(rbm, ['dream', '--model', 'dbn.safetensors', '--steps', '10', '--chains', '4', '--out', 'dbn-dreams.png']);
    expect(dream.stdout).toContain('4 samples of the 2-layer network after 10 Gibbs steps in its top layer');
    expect(sh(rbm, ['reconstruct', '--model', 'dbn.safetensors', '--data', 'digits.idx.gz', '--count', '2', '--out', 'dbn-pictures']).status).toBe(0);
    // Refused: --hidden beside --layers, a first layer that is not the data's width, --from with a stack.
    expect(sh(rbm, ['train', '--data', 'digits.idx.gz', '--layers', '784,32', '--hidden', '5', '--out', 'x.safetensors']).status).toBe(2);
    const wide = sh(rbm, ['train', '--data', 'digits.idx.gz', '--layers', '700,32', '--batch-size', '50', '--out', 'x.safetensors']);
    expect(wide.status).toBe(1);
    expect(wide.stderr).toMatch(/has rows of 784 values, but --layers starts with 700/);
    expect(sh(rbm, ['dream', '--model', 'dbn.safetensors', '--from', 'digits.idx.gz', '--out', 'x.png']).status).toBe(2);
  });

  it('refuses --stream for a named data set and for gzip data', () => {
    const named = sh(rbm, ['train', '--data', 'mnist', '--stream', '--out', 'n.safetensors']);
    expect(named.status).toBe(2);
    expect(named.stderr).toMatch(/--stream reads an IDX file from disk; mnist is a named data set/);
    const gz = sh(rbm, ['train', '--data', 'digits.idx.gz', '--stream', '--out', 'n.safetensors']);
    expect(gz.status).toBe(1);
    expect(gz.stderr).toMatch(/gzip-compressed; training from disk reads a plain IDX file \(gunzip it first\)/);
  });

  it('trains a Gaussian RBM on real values from a CSV file, naming the MSE it reports', () => {
    // Two clusters of 4-D real vectors, far outside [0, 1].
    const rows = Array.from({ length: 200 }, (_, r) => Array.from({ length: 4 }, (_, i) => ((r % 2 ? 5 : -5) + ((r * 7 + i * 3) % 11) / 10 - i).toFixed(3)).join(','));
    writeFileSync(join(dir, 'real.csv'), rows.join('\n') + '\n');
    const train = sh(rbm, ['train', '--data', 'real.csv', '--visible-type', 'gaussian', '--hidden', '3', '--epochs', '3', '--batch-size', '20', '--lr', '0.01', '--gradient', 'mean', '--out', 'g.safetensors', '--loss', 'g.dat']);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toContain("# Gaussian visible units: each epoch reports the reconstruction's mean squared error");
    expect(train.stdout).toMatch(/Epoch \[3\/3\], Reconstruction MSE: \d/);
    expect(readFileSync(join(dir, 'g.dat'), 'utf8')).toMatch(/^# epoch reconstruction_MSE\n1 /);
    const info = sh(rbm, ['info', '--model', 'g.safetensors']);
    expect(info.stdout).toContain('4 gaussian visible × 3 hidden');
    expect(info.stdout).toContain('visible σ');
    // The same file as binary data is refused, naming a value outside [0, 1].
    const binary = sh(rbm, ['train', '--data', 'real.csv', '--hidden', '3', '--epochs', '1', '--batch-size', '20', '--out', 'b.safetensors']);
    expect(binary.status).toBe(1);
    expect(binary.stderr).toMatch(/\[0, 1\]/);
    expect(sh(rbm, ['train', '--data', 'real.csv', '--fixed-variance', '--out', 'b.safetensors']).status).toBe(2);
  });

  it.each(['gaussian', 'relu'])('trains %s hidden units with --hidden-type, and info, reconstruct and dream read the model', (type) => {
    const out = `${type}.safetensors`;
    const train = sh(rbm, ['train', '--data', digits, '--hidden-type', type, '--hidden', '8', '--epochs', '2', '--batch-size', '50', '--lr', '0.01', '--momentum', '0.5', '--gradient', 'mean', '--statistics', 'probabilities', '--out', out]);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toMatch(/Epoch \[2\/2\], KL Divergence: 0\.\d+/);
    const info = sh(rbm, ['info', '--model', out]);
    expect(info.stdout).toContain(`784 visible × 8 ${type} hidden (${784 * 8 + 784 + 2 * 8} parameters)`);
    expect(info.stdout).toMatch(/hidden γ +min \d/);
    expect(sh(rbm, ['reconstruct', '--model', out, '--data', digits, '--count', '2', '--out', `${type}-pictures`]).status).toBe(0);
    expect(sh(rbm, ['dream', '--model', out, '--chains', '2', '--steps', '5', '--out', `${type}-dream.png`]).status).toBe(0);
  });

  it('refuses a hidden type it does not know, and one that the options rule out, naming the flags', () => {
    const unknown = sh(rbm, ['train', '--data', digits, '--hidden-type', 'tanh', '--out', 'x.safetensors']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("--hidden-type expects binary, gaussian or relu, got 'tanh'");
    const centred = sh(rbm, ['train', '--data', digits, '--hidden-type', 'relu', '--centering', '--out', 'x.safetensors']);
    expect(centred.status).toBe(2);
    expect(centred.stderr).toContain("--centering: is not available with hiddenType: 'relu'");
  });

  it('trains a classification RBM on a labels file and evaluates its accuracy', () => {
    // Class k lights pixels 3k to 3k + 2 of 9; the labels file has one integer a line.
    const x: string[] = [];
    const y: string[] = [];
    for (let r = 0; r < 300; r++) {
      const k = r % 3;
      x.push(Array.from({ length: 9 }, (_, i) => (Math.floor(i / 3) === k ? 1 : (r * 5 + i) % 7 === 0 ? 1 : 0)).join(' '));
      y.push(String(k));
    }
    writeFileSync(join(dir, 'x.txt'), x.join('\n') + '\n');
    writeFileSync(join(dir, 'y.txt'), y.join('\n') + '\n');
    const train = sh(rbm, ['train', '--data', 'x.txt', '--labels', 'y.txt', '--hidden', '6', '--epochs', '5', '--batch-size', '10', '--lr', '0.1', '--gradient', 'mean', '--out', 'c.safetensors']);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(train.stdout).toMatch(/Epoch \[5\/5\], Label cross-entropy: \d/);
    const evaluation = sh(rbm, ['evaluate', '--model', 'c.safetensors', '--data', 'x.txt', '--test', 'x.txt', '--labels', 'y.txt']);
    expect(evaluation.status).toBe(0);
    const accuracy = Number(/accuracy ([\d.]+) %/.exec(evaluation.stdout)?.[1]);
    expect(accuracy).toBeGreaterThan(95);
    expect(sh(rbm, ['info', '--model', 'c.safetensors']).stdout).toContain('label layer of 3 classes (discriminative)');
    // Without its labels the test set cannot be scored; --objective needs --labels; a wrong count is named.
    expect(sh(rbm, ['evaluate', '--model', 'c.safetensors', '--data', 'x.txt', '--test', 'x.txt']).status).toBe(2);
    expect(sh(rbm, ['train', '--data', 'x.txt', '--objective', 'hybrid', '--out', 'd.safetensors']).status).toBe(2);
    writeFileSync(join(dir, 'short.txt'), y.slice(1).join('\n') + '\n');
    const short = sh(rbm, ['train', '--data', 'x.txt', '--labels', 'short.txt', '--hidden', '6', '--epochs', '1', '--batch-size', '10', '--out', 'd.safetensors']);
    expect(short.status).toBe(1);
    expect(short.stderr).toMatch(/--labels.*299 entries/);
  });
});

describe('rbm errors', () => {
  it('explains every command with --help', () => {
    const help = sh(rbm, ['--help']);
    expect(help.status).toBe(0);
    for (const command of ['train', 'reconstruct', 'filters', 'dream', 'inpaint', 'plot', 'info']) expect(help.stdout).toContain(`  ${command} `);
    expect(sh(rbm, ['train', '--help']).stdout).toContain('--batch-size N');
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['train', '--bogus'], /Unknown option '--bogus'/],
    [['train', '--epochs', 'ten'], /--epochs expects an integer/],
    [['reconstruct'], /--model is required/],
  ])('%j prints the usage and exits 2', (args, message) => {
    const r = sh(rbm, args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('rbm ');
  });

  it('names a missing or broken file in one line and exits 1, without a stack trace', () => {
    writeFileSync(join(dir, 'broken.safetensors'), 'not a model');
    const missing = sh(rbm, ['info', '--model', 'nope.safetensors']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('rbm info: nope.safetensors: no such file\n');
    const broken = sh(rbm, ['filters', '--model', 'broken.safetensors']);
    expect(broken.status).toBe(1);
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    expect(broken.stderr).toMatch(/^rbm filters: broken\.safetensors: declares a \d+-byte header/);
    expect(sh(rbm, ['filters', '--model', 'broken.safetensors', '--debug']).stderr).toMatch(/\n\s+at /);
  });

  it('rejects data outside [0, 1] naming the value', () => {
    writeFileSync(join(dir, 'bad.csv'), '0,1,2,0\n');
    const r = sh(rbm, ['train', '--data', 'bad.csv', '--hidden', '2', '--batch-size', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('rbm train: bad.csv: row 0, column 2 is 2; expected a value in [0, 1]\n');
  });
});

describe('rbm transform, with NumPy files', () => {
  /** Runs a Python program with NumPy as np in the test's folder; returns its standard output. */
  const python = (program: string) => execFileSync('python3', ['-c', `import numpy as np\n${program}`], { cwd: dir, encoding: 'utf8' });

  it('trains on a .npy file and writes the hidden probabilities that NumPy loads, equal to expectHidden', async () => {
    python(`
rng = np.random.default_rng(3)
np.save('rows.npy', (rng.random((120, 20)) < 0.3).astype(np.float32))
np.save('rows8.npy', (rng.random((120, 20)) * 256).astype(np.uint8))
`);
    const train = sh(rbm, ['train', '--data', 'rows.npy', '--hidden', '7', '--epochs', '2', '--batch-size', '10', '--out', 'npy.safetensors']);
    expect(train.stderr).toBe('');
    expect(train.status).toBe(0);
    expect(sh(rbm, ['train', '--data', 'rows8.npy', '--hidden', '7', '--epochs', '1', '--batch-size', '10', '--out', 'npy8.safetensors']).status).toBe(0);
    const run = sh(rbm, ['transform', '--model', 'npy.safetensors', '--data', 'rows.npy', '--out', 'features.npy']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('features.npy: P(h = 1 | v) of 120 rows of rows.npy, 120 × 7 float32');
    const [meta, values] = python(`
f = np.load('features.npy')
print(f.dtype, f.shape)
print(' '.join(repr(float(v)) for v in f.ravel()))
`).split('\n');
    expect(meta).toBe('float32 (120, 7)');
    const model = await RBM.load(join(dir, 'npy.safetensors'));
    try {
      const want = await model.expectHidden(await readMatrixFile(join(dir, 'rows.npy')));
      const got = values.split(' ').map(Number);
      const far = got.map((v, k) => [k, v, want.data[k]]).filter(([, v, w]) => !(Math.abs(v - w) <= 1e-6));
      expect(far.slice(0, 5)).toEqual([]);
      expect(got).toHaveLength(want.data.length);
    } finally {
      await model.dispose();
    }
  });

  it('refuses --out equal to --data, before reading anything', () => {
    writeFileSync(join(dir, 'same.npy'), readFileSync(join(dir, 'rows.npy')));
    const before = readFileSync(join(dir, 'same.npy'));
    const run = sh(rbm, ['transform', '--model', 'npy.safetensors', '--data', 'same.npy', '--out', 'same.npy']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--out same.npy is also --data: writing it would destroy the data');
    expect(readFileSync(join(dir, 'same.npy'))).toEqual(before);
    expect(sh(rbm, ['transform', '--model', 'npy.safetensors']).stderr).toContain('--data is required');
    expect(sh(rbm, ['transform', '--help']).stdout).toContain('rbm transform --model FILE --data SET|FILE');
  });
});

describe('rbmcmd, with echen’s syntax', () => {
  const USERS = '1 1 1 0 0 0\n1 0 1 0 0 0\n1 1 1 0 0 0\n0 0 1 1 1 0\n0 0 1 1 0 0\n0 0 1 1 1 0\n';

  it('learns the two movie groups: each kind of user turns on its own hidden unit', () => {
    expect(sh(rbmcmd, ['movies.safetensors', 'init', '6', '2', '0.1']).status).toBe(0);
    const trained = sh(rbmcmd, ['movies.safetensors', 'train', '5000'], USERS);
    expect(trained.stderr).toBe('');
    expect(trained.status).toBe(0);
    const oscar = sh(rbmcmd, ['movies.safetensors', 'run_visible'], '0 0 0 1 1 0\n').stdout.trim();
    const fantasy = sh(rbmcmd, ['movies.safetensors', 'run_visible'], '1 1 1 0 0 0\n').stdout.trim();
    expect(oscar.split(' ').filter((s) => s === '1')).toHaveLength(1);
    expect(fantasy.split(' ').filter((s) => s === '1')).toHaveLength(1);
    expect(oscar).not.toBe(fantasy);

    const visible = sh(rbmcmd, ['movies.safetensors', 'run_hidden'], `${oscar}\n`).stdout.trim();
    expect(visible.split(' ')).toHaveLength(6);
    const dreams = sh(rbmcmd, ['movies.safetensors', 'daydream', '50', '3']).stdout.trim().split('\n');
    expect(dreams).toHaveLength(3);
    expect(dreams.every((l) => /^[01]( [01]){5}$/.test(l))).toBe(true);
    const trace = sh(rbmcmd, ['movies.safetensors', 'daydream_trace', '4']).stdout.trim().split('\n');
    expect(trace).toHaveLength(4);
    expect(trace.slice(1).every((l) => /^[01]( [01]){5}$/.test(l))).toBe(true);
  });

  it('prints its usage and exits 2 for a bad command line', () => {
    expect(sh(rbmcmd, []).status).toBe(2);
    expect(sh(rbmcmd, ['s.safetensors', 'fly']).stderr).toMatch(/unknown command 'fly'/);
    expect(sh(rbmcmd, ['s.safetensors', 'init', '6']).status).toBe(2);
  });
});

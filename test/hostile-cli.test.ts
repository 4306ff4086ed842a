// The commands as a careless (or hostile) user runs them: every case must fail cleanly — exit 2
// with the usage for a bad command line, 1 with one line for anything else, no stack trace —
// before any work, leaving every file as it was and writing nothing.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// The built commands, as npm installs them (the suite's global setup builds them).
const BINARIES = { rbm: resolve('dist/src/cli/rbm.js'), rbmcmd: resolve('dist/src/cli/rbmcmd.js') };

interface Case {
  /** Which command (default rbm). */
  readonly bin?: keyof typeof BINARIES;
  readonly args: readonly string[];
  /** 2: a bad command line (the usage follows); 1: anything else, in one line. */
  readonly exit: 1 | 2;
  /** What the first line of stderr must say. */
  readonly says: RegExp;
  readonly stdin?: string | Uint8Array;
  /** Makes what the case needs beside the shared files (links, folders), in its own folder. */
  readonly setup?: (dir: string) => void;
}

/** The files every case starts with (made in beforeAll). */
let fixtures: string;
const FIXTURES = ['d.csv', 'wide.csv', 'range.csv', 'empty.csv', 'garbage.bin', 'm.safetensors', 'loss.dat', 's.safetensors', 'fresh.safetensors', 'broken.safetensors'];

const LONG_NAME = 'n'.repeat(240);
const link = (target: string, path: string) => (dir: string) => symlinkSync(target, join(dir, path));
const hardLink = (target: string, path: string) => (dir: string) => linkSync(join(dir, target), join(dir, path));
const copy = (from: string, to: string) => (dir: string) => copyFileSync(join(dir, from), join(dir, to));
const folder = (path: string) => (dir: string) => mkdirSync(join(dir, path), { recursive: true });
const all =
  (...steps: ((dir: string) => void)[]) =>
  (dir: string) =>
    steps.forEach((step) => step(dir));

/** Model options refused before the data is read: the data named (missing.csv) would fail otherwise. */
const trainArgs = (...args: string[]) => ['train', '--data', 'missing.csv', ...args];
const TRAIN_VALUES: [string[], RegExp][] = [
  [['--statistics', 'bogus'], /--statistics expects samples, probabilities or mixed, got 'bogus'/],
  [['--statistics', ''], /--statistics expects samples, probabilities or mixed, got ''/],
  [['--gradient', 'avg'], /--gradient expects sum or mean, got 'avg'/],
  [['--lr', '0'], /--lr expects a number in \(0, Infinity\), got 0/],
  [['--lr=-1'], /--lr expects a number in \(0/],
  [['--lr', 'abc'], /--lr expects a number, got 'abc'/],
  [['--lr', ''], /--lr expects a number, got ''/],
  [['--lr', 'Infinity'], /--lr expects a number, got 'Infinity'/],
  [['--lr', '1e400'], /--lr expects a number, got '1e400'/],
  [['--lr', '1e-400'], /--lr expects a number in \(0, Infinity\), got 0/],
  [['--momentum', '1.5'], /--momentum expects a number in \[0, 1\), got 1.5/],
  [['--momentum', '1'], /--momentum expects a number in \[0, 1\)/],
  [['--momentum=-0.1'], /--momentum expects a number in \[0, 1\)/],
  [['--seed', '99999999999'], /--seed expects an integer below 2\^32, got 99999999999/],
  [['--seed=-1'], /--seed expects an integer of at least 0, got '-1'/],
  [['--seed', '1.5'], /--seed expects an integer/],
  [['--hidden', '0'], /--hidden expects a positive integer, got '0'/],
  [['--hidden', '2.5'], /--hidden expects a positive integer/],
  [['--hidden', '9'.repeat(5000)], /--hidden expects a positive integer, got '9{57}\.\.\.'$/],
  [['--hidden', '0x10', '--cd-steps', '0'], /--cd-steps expects a positive integer, got '0'/],
  [['--weight-decay=-1'], /--weight-decay expects a number of at least 0, got '-1'/],
  [['--epochs=-1'], /--epochs expects an integer of at least 0, got '-1'/],
  [['--epochs', '-1'], /Option '--epochs' argument is ambiguous/],
  [['--epochs', 'ten'], /--epochs expects an integer of at least 0, got 'ten'/],
  [['--batch-size', '0'], /--batch-size expects a positive integer, got '0'/],
  [['--resume', '--lr', '0.5'], /--lr cannot be given with --resume: the run continues with the options saved in model.safetensors/],
  [['--resume', '--hidden', '4', '--seed', '1'], /--hidden, --seed cannot be given with --resume/],
  [['--resume', '--persistent'], /--persistent cannot be given with --resume/],
  [['--resume', '--statistics', 'samples', '--gradient', 'sum', '--cd-steps', '1', '--weight-decay', '0', '--momentum', '0.5'], /--momentum, --statistics, --gradient, --cd-steps, --weight-decay cannot be given with --resume/],
  [['--visible-type', 'gausian'], /--visible-type expects binary or gaussian, got 'gausian'/],
  [['--visible-type', 'softmax'], /--visible-type expects softmax:K with K the group size, got softmax/],
  [['--visible-type', 'softmax:x'], /--visible-type expects softmax:K/],
  [['--visible-type', 'softmax:1'], /--visible-type expects groups of at least 2 units, got 1/],
  [['--fixed-variance'], /--fixed-variance: applies to visibleType: 'gaussian' only/],
  [['--visible-type', 'gaussian', '--centering'], /--centering: is not available with visibleType: 'gaussian'/],
  [['--objective', 'hybrid'], /--objective and --generative-weight apply with --labels only/],
  [['--generative-weight', '0.5'], /--objective and --generative-weight apply with --labels only/],
  [['--labels', 'y.txt', '--objective', 'discriminant'], /--objective expects generative, discriminative or hybrid, got 'discriminant'/],
  [['--labels', 'y.txt', '--generative-weight', '0.5'], /--generative-weight: applies to objective: 'hybrid' only/],
  [['--labels', 'y.txt', '--persistent'], /--persistent: is not available with a label layer/],
  [['--resume', '--visible-type', 'gaussian'], /--visible-type cannot be given with --resume/],
  [['--layers', '784,16,8', '--hidden-type', 'relu'], /--hidden-type relu cannot be given with --layers/],
  [['--hidden-type', 'gaussian', '--labels', 'y.txt'], /--labels: is not available with hiddenType: 'gaussian'/],
  [['--hidden-type', 'relu', '--persistent', '--tempering', '3'], /--tempering: is not available with hiddenType: 'relu'/],
];

const COMMAND_LINES: Case[] = [
  { args: ['frobnicate'], exit: 2, says: /^rbm: unknown command 'frobnicate'$/ },
  { args: ['toString'], exit: 2, says: /^rbm: unknown command 'toString'$/ },
  { args: ['__proto__'], exit: 2, says: /^rbm: unknown command '__proto__'$/ },
  { args: ['TRAIN'], exit: 2, says: /unknown command 'TRAIN'/ },
  { args: [''], exit: 2, says: /unknown command ''/ },
  { args: ['x'.repeat(3000)], exit: 2, says: /^rbm: unknown command 'x{57}\.\.\.'$/ },
  { args: ['bad\u001b[31mname'], exit: 2, says: /^rbm: unknown command 'bad\\u001b\[31mname'$/ },
  { args: ['train', '--bogus'], exit: 2, says: /Unknown option '--bogus'/ },
  { args: ['train', 'd.csv'], exit: 2, says: /Unexpected argument 'd.csv'/ },
  { args: ['train', '--data'], exit: 2, says: /argument missing/ },
  { args: ['train', '--data', 'd.csv', '--lr', '0.1', '--lr', '0.2'], exit: 2, says: /^rbm train: --lr is given more than once$/ },
  { args: ['train', '--data', 'd.csv', '--persistent', '--persistent'], exit: 2, says: /--persistent is given more than once/ },
  { args: ['train', '--data', 'd.csv', '--out', 'a.st', '--out=b.st'], exit: 2, says: /--out is given more than once/ },
  { args: ['train', '--data', 'd.csv', '--persistent=yes'], exit: 2, says: /--persistent/ },
  { args: ['train', '--data', 'd.csv', '--out', '--loss'], exit: 2, says: /--out/ },
  { args: ['info', 'm.safetensors'], exit: 2, says: /Unexpected argument 'm.safetensors'/ },
  { args: ['info', '--model', 'm.safetensors', '--out', 'x'], exit: 2, says: /Unknown option '--out'/ },
  { args: ['filters', '--model', 'm.safetensors', '--gpu'], exit: 2, says: /Unknown option '--gpu'/ },
  ...TRAIN_VALUES.map(([args, says]): Case => ({ args: trainArgs(...args), exit: 2, says })),
  // The model's size is checked against the named set's width before it is read.
  { args: ['train', '--data', 'mnist', '--hidden', '2000000'], exit: 2, says: /--hidden: visible × hidden = 1568000000 exceeds/ },
];

const PATHS: Case[] = [
  // train: its outputs against its data and each other.
  { args: ['train', '--data', 'd.csv', '--out', 'd.csv'], exit: 2, says: /^rbm train: --out d.csv is also --data: writing it would destroy the data$/ },
  { args: ['train', '--data', 'd.csv', '--out', 'new.st', '--loss', 'new.st'], exit: 2, says: /--loss new.st is also --out: writing it would destroy the model/ },
  { args: ['train', '--data', 'd.csv', '--out', 'm.safetensors', '--loss', 'm.safetensors'], exit: 2, says: /--loss m.safetensors is also --out/ },
  { args: ['train', '--data', 'd.csv', '--loss', 'd.csv'], exit: 2, says: /--loss d.csv is also --data/ },
  { args: ['train', '--data', 'd.csv', '--plot', 'd.csv'], exit: 2, says: /--plot d.csv is also --data/ },
  { args: ['train', '--data', 'd.csv', '--loss', 'k.dat', '--plot', 'k.dat'], exit: 2, says: /--plot k.dat is also --loss: writing it would destroy the loss file/ },
  { args: ['train', '--data', 'd.csv', '--plot', 'model.safetensors'], exit: 2, says: /--plot model.safetensors is also --out/ },
  { args: ['train', '--data', 'd.csv', '--out', './sub/../d.csv'], exit: 2, says: /is also --data/, setup: folder('sub') },
  { args: ['train', '--data', 'd.csv', '--out', 'link.csv'], exit: 2, says: /--out link.csv is also --data/, setup: link('d.csv', 'link.csv') },
  { args: ['train', '--data', 'link.csv', '--out', 'd.csv'], exit: 2, says: /--out d.csv is also --data/, setup: link('d.csv', 'link.csv') },
  { args: ['train', '--data', 'd.csv', '--out', 'hard.csv'], exit: 2, says: /--out hard.csv is also --data/, setup: hardLink('d.csv', 'hard.csv') },
  { args: ['train', '--data', 'model.safetensors'], exit: 2, says: /--out model.safetensors \(the default\) is also --data/, setup: copy('d.csv', 'model.safetensors') },
  { args: ['train', '--data', 'd.csv', '--out', 'm.safetensors', '--resume', '--plot', 'm.safetensors'], exit: 2, says: /--plot m.safetensors is also --out/ },
  { args: ['train', '--data', 'd.csv', '--out', ''], exit: 2, says: /--out expects a path, got ''/ },
  { args: ['train', '--data', 'd.csv', '--out', '-'], exit: 2, says: /--out expects a path, got '-'/ },
  { args: ['train', '--data', ''], exit: 2, says: /--data expects a path, got ''/ },
  { args: ['train', '--data', '-'], exit: 2, says: /--data expects a path, got '-'/ },
  { args: ['train', '--data', 'd.csv', '--loss', '-'], exit: 2, says: /--loss expects a path/ },
  { args: ['train', '--data', 'd.csv', '--plot', ''], exit: 2, says: /--plot expects a path/ },
  { args: ['train', '--data', 'd.csv', '--out', 'missing/dir/m.st'], exit: 1, says: /missing\/dir\/m.st: cannot be written: the folder .* does not exist/ },
  { args: ['train', '--data', 'd.csv', '--out', 'sub'], exit: 1, says: /sub: cannot be written: it is a folder/, setup: folder('sub') },
  { args: ['train', '--data', 'd.csv', '--out', 'new/'], exit: 1, says: /new\/: cannot be written: it names a folder/ },
  { args: ['train', '--data', 'd.csv', '--out', 'd.csv/m.st'], exit: 1, says: /d.csv\/m.st: cannot be written/ },
  { args: ['train', '--data', 'd.csv', '--out', LONG_NAME], exit: 1, says: /cannot be written: its name is 240 bytes long/ },
  { args: ['train', '--data', 'd.csv', '--loss', 'missing/x.dat'], exit: 1, says: /missing\/x.dat: cannot be written/ },
  { args: ['train', '--data', 'd.csv', '--plot', '.'], exit: 1, says: /\.: cannot be written: it is a folder/ },
  // reconstruct: a folder of input_i.png, output_i.png and grid.png.
  { args: ['reconstruct', '--model', 'grid.png', '--data', 'd.csv'], exit: 2, says: /--out grid.png is also --model: writing it would destroy the model/, setup: copy('m.safetensors', 'grid.png') },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'd.csv', '--out', 'pics'], exit: 2, says: /--out pics\/input_3.png is also --data/, setup: all(folder('pics'), hardLink('d.csv', 'pics/input_3.png')) },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'd.csv', '--out', 'pics'], exit: 2, says: /--out pics\/output_0.png is also --model/, setup: all(folder('pics'), link('../m.safetensors', 'pics/output_0.png')) },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'd.csv', '--out', 'm.safetensors'], exit: 2, says: /--out m.safetensors is also --model/ },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'd.csv', '--out', ''], exit: 2, says: /--out expects a path/ },
  { args: ['reconstruct', '--model', '-', '--data', 'd.csv'], exit: 2, says: /--model expects a path, got '-'/ },
  { args: ['reconstruct', '--model', '', '--data', 'd.csv'], exit: 2, says: /--model is required/ },
  { args: ['reconstruct', '--data', 'd.csv'], exit: 2, says: /--model is required/ },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'd.csv', '--out', 'd.csv/pics'], exit: 1, says: /d.csv\/pics: cannot be used as a folder: .*d.csv is a file/ },
  { args: ['reconstruct', '--model', 'missing.st', '--data', 'd.csv', '--out', 'new/pics'], exit: 1, says: /missing.st: no such file/ },
  // filters, dream, inpaint: one picture each.
  { args: ['filters', '--model', 'filters.png'], exit: 2, says: /--out filters.png \(the default\) is also --model/, setup: copy('m.safetensors', 'filters.png') },
  { args: ['filters', '--model', 'm.safetensors', '--out', 'm.safetensors'], exit: 2, says: /--out m.safetensors is also --model/ },
  { args: ['filters', '--model', 'm.safetensors', '--out', 'pic.png'], exit: 2, says: /--out pic.png is also --model/, setup: link('m.safetensors', 'pic.png') },
  { args: ['filters', '--model', 'm.safetensors', '--out', 'sub'], exit: 1, says: /sub: cannot be written: it is a folder/, setup: folder('sub') },
  { args: ['transform', '--model', 'm.safetensors', '--data', 'd.csv', '--out', 'd.csv'], exit: 2, says: /--out d.csv is also --data: writing it would destroy the data/ },
  { args: ['transform', '--model', 'm.safetensors', '--data', 'd.csv', '--out', 'f.npy'], exit: 2, says: /--out f.npy is also --data/, setup: hardLink('d.csv', 'f.npy') },
  { args: ['transform', '--model', 'features.npy', '--data', 'd.csv'], exit: 2, says: /--out features.npy \(the default\) is also --model/, setup: copy('m.safetensors', 'features.npy') },
  { args: ['transform', '--model', 'm.safetensors'], exit: 2, says: /--data is required/ },
  { args: ['transform', '--model', 'm.safetensors', '--data', 'wide.csv'], exit: 1, says: /wide.csv: has rows of 64 values, but the model m.safetensors has 16 visible units/ },
  { args: ['transform', '--model', 'm.safetensors', '--data', 'd.csv', '--out', 'sub'], exit: 1, says: /sub: cannot be written: it is a folder/, setup: folder('sub') },
  { args: ['dream', '--model', 'm.safetensors', '--from', 'd.csv', '--out', 'd.csv'], exit: 2, says: /--out d.csv is also --from: writing it would destroy the data/ },
  { args: ['dream', '--model', 'm.safetensors', '--out', 'hard.st'], exit: 2, says: /--out hard.st is also --model/, setup: hardLink('m.safetensors', 'hard.st') },
  { args: ['dream', '--model', 'dreams.png'], exit: 2, says: /--out dreams.png \(the default\) is also --model/, setup: copy('m.safetensors', 'dreams.png') },
  { args: ['dream', '--model', 'm.safetensors', '--from', ''], exit: 2, says: /--from expects a path/ },
  { args: ['dream', '--model', 'm.safetensors', '--from', '-'], exit: 2, says: /--from expects a path, got '-'/ },
  { args: ['inpaint', '--model', 'm.safetensors', '--data', 'd.csv', '--out', 'd.csv'], exit: 2, says: /--out d.csv is also --data/ },
  { args: ['inpaint', '--model', 'inpaint.png', '--data', 'd.csv'], exit: 2, says: /--out inpaint.png \(the default\) is also --model/, setup: copy('m.safetensors', 'inpaint.png') },
  { args: ['inpaint', '--model', 'm.safetensors', '--data', 'd.csv', '--out', 'missing/in.png'], exit: 1, says: /missing\/in.png: cannot be written/ },
  // plot and info.
  { args: ['plot', '--loss', 'loss.dat', '--out', 'loss.dat'], exit: 2, says: /--out loss.dat is also --loss: writing it would destroy the loss file/ },
  { args: ['plot', '--loss', 'kl.svg'], exit: 2, says: /--out kl.svg \(the default\) is also --loss/, setup: copy('loss.dat', 'kl.svg') },
  { args: ['plot', '--model', 'm.safetensors', '--out', 'm.safetensors'], exit: 2, says: /--out m.safetensors is also --model/ },
  { args: ['plot', '--loss', 'loss.dat', '--model', 'm.safetensors'], exit: 2, says: /give --loss or --model, not both/ },
  { args: ['plot'], exit: 2, says: /--loss is required/ },
  { args: ['plot', '--loss', '-'], exit: 2, says: /--loss expects a path, got '-'/ },
  { args: ['plot', '--loss', 'loss.dat', '--out', 'sub'], exit: 1, says: /sub: cannot be written: it is a folder/, setup: folder('sub') },
  { args: ['info', '--model', ''], exit: 2, says: /--model is required/ },
  { args: ['info', '--model', '-'], exit: 2, says: /--model expects a path, got '-'/ },
];

const INPUTS: Case[] = [
  { args: ['train', '--data', 'missing.csv'], exit: 1, says: /^rbm train: missing.csv: no such file$/ },
  { args: ['train', '--data', 'sub'], exit: 1, says: /sub: is a folder, not a file/, setup: folder('sub') },
  { args: ['train', '--data', 'empty.csv'], exit: 1, says: /empty.csv: contains no rows of numbers/ },
  { args: ['train', '--data', 'garbage.bin'], exit: 1, says: /garbage.bin: / },
  { args: ['train', '--data', 'range.csv', '--batch-size', '2'], exit: 1, says: /range.csv: row 1, column 3 is 7; expected a value in \[0, 1\]/ },
  { args: ['train', '--data', 'd.csv'], exit: 1, says: /--batch-size: is 1000, but d.csv has only 8 rows/ },
  { args: ['train', '--data', 'd.csv', '--out', 'nothing.st', '--resume', '--batch-size', '4'], exit: 1, says: /nothing.st: no such file/ },
  { args: ['train', '--data', 'wide.csv', '--out', 'm.safetensors', '--resume', '--batch-size', '4'], exit: 1, says: /wide.csv: has rows of 64 values, but the model in m.safetensors has 16 visible units/ },
  { args: ['train', '--data', 'd.csv', '--out', 'broken.safetensors', '--resume', '--batch-size', '4'], exit: 1, says: /broken.safetensors: / },
  { args: ['reconstruct', '--model', 'missing.st', '--data', 'd.csv'], exit: 1, says: /missing.st: no such file/ },
  { args: ['reconstruct', '--model', 'sub', '--data', 'd.csv'], exit: 1, says: /sub: is a folder, not a file/, setup: folder('sub') },
  { args: ['reconstruct', '--model', 'broken.safetensors', '--data', 'd.csv'], exit: 1, says: /broken.safetensors: / },
  { args: ['reconstruct', '--model', 'd.csv', '--data', 'd.csv', '--out', 'pics'], exit: 1, says: /d.csv: / },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'wide.csv', '--out', 'pics'], exit: 1, says: /wide.csv: has rows of 64 values, but the model m.safetensors has 16 visible units/ },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'missing.csv', '--out', 'pics'], exit: 1, says: /missing.csv: no such file/ },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'empty.csv', '--out', 'pics'], exit: 1, says: /empty.csv: contains no rows/ },
  { args: ['filters', '--model', 'garbage.bin'], exit: 1, says: /garbage.bin: / },
  { args: ['dream', '--model', 'm.safetensors', '--from', 'missing.csv'], exit: 1, says: /missing.csv: no such file/ },
  { args: ['dream', '--model', 'm.safetensors', '--from', 'wide.csv'], exit: 1, says: /wide.csv: has rows of 64 values/ },
  { args: ['inpaint', '--model', 'm.safetensors', '--data', 'garbage.bin'], exit: 1, says: /garbage.bin: / },
  { args: ['plot', '--loss', 'missing.dat'], exit: 1, says: /missing.dat: no such file/ },
  { args: ['plot', '--loss', 'sub'], exit: 1, says: /sub: is a folder, not a file/, setup: folder('sub') },
  { args: ['plot', '--loss', 'm.safetensors'], exit: 1, says: /m.safetensors: line 1 is not "epoch value"/ },
  { args: ['plot', '--loss', 'empty.csv'], exit: 1, says: /empty.csv: holds no "epoch value" lines/ },
  { args: ['plot', '--model', 'fresh.safetensors'], exit: 1, says: /fresh.safetensors: has no epochs to plot/ },
  { args: ['info', '--model', 'missing.st'], exit: 1, says: /^rbm info: missing.st: no such file$/ },
  { args: ['info', '--model', 'sub'], exit: 1, says: /sub: is a folder, not a file/, setup: folder('sub') },
  { args: ['info', '--model', 'd.csv'], exit: 1, says: /d.csv: / },
  { args: ['info', '--model', 'broken.safetensors'], exit: 1, says: /broken.safetensors: / },
];

const PICTURE_VALUES: Case[] = [
  { args: ['reconstruct', '--model', 'm.safetensors', '--count', '0'], exit: 2, says: /--count expects a positive integer, got '0'/ },
  { args: ['reconstruct', '--model', 'm.safetensors', '--count', 'all'], exit: 2, says: /--count expects a positive integer, got 'all'/ },
  { args: ['reconstruct', '--model', 'missing.st', '--scale', '0'], exit: 2, says: /--scale expects a positive integer, got '0'/ },
  { args: ['reconstruct', '--model', 'missing.st', '--scale', '1.5'], exit: 2, says: /--scale expects a positive integer/ },
  { args: ['reconstruct', '--model', 'missing.st', '--shape', '4x'], exit: 2, says: /--shape expects WxH, two positive integers such as 28x28, got '4x'/ },
  { args: ['reconstruct', '--model', 'missing.st', '--shape', '0x16'], exit: 2, says: /--shape expects WxH/ },
  { args: ['filters', '--model', 'm.safetensors', '--shape', '3x3'], exit: 2, says: /--shape expects WxH with W·H = 16 visible units, got '3x3'/ },
  { args: ['filters', '--model', 'missing.st', '--scale=-4'], exit: 2, says: /--scale expects a positive integer, got '-4'/ },
  { args: ['dream', '--model', 'missing.st', '--chains', '0'], exit: 2, says: /--chains expects a positive integer, got '0'/ },
  { args: ['dream', '--model', 'missing.st', '--steps', '0'], exit: 2, says: /--steps expects a positive integer, got '0'/ },
  { args: ['dream', '--model', 'missing.st', '--steps', '1e400'], exit: 2, says: /--steps expects a positive integer/ },
  { args: ['dream', '--model', 'missing.st', '--every', '0'], exit: 2, says: /--every expects a positive integer, got '0'/ },
  { args: ['dream', '--model', 'missing.st', '--every', 'x'], exit: 2, says: /--every expects a positive integer/ },
  { args: ['inpaint', '--model', 'missing.st', '--hide', 'middle'], exit: 2, says: /--hide expects lower or random, got 'middle'/ },
  { args: ['inpaint', '--model', 'missing.st', '--hide', ''], exit: 2, says: /--hide expects lower or random, got ''/ },
  { args: ['inpaint', '--model', 'missing.st', '--seed', '4294967296'], exit: 2, says: /--seed expects an integer from 0 to 4294967295, got '4294967296'/ },
  { args: ['inpaint', '--model', 'missing.st', '--seed=-1'], exit: 2, says: /--seed expects an integer from 0/ },
  { args: ['inpaint', '--model', 'missing.st', '--steps', '0'], exit: 2, says: /--steps expects a positive integer/ },
  { args: ['inpaint', '--model', 'missing.st', '--count=-3'], exit: 2, says: /--count expects a positive integer/ },
];

const MEMORY: Case[] = [
  { args: ['dream', '--model', 'm.safetensors', '--chains', '1e8', '--steps', '1'], exit: 1, says: /^rbm dream: --chains: 100000000 chains and a .*-pixel picture would need .*B of memory, above the limit of .*B$/ },
  { args: ['dream', '--model', 'm.safetensors', '--steps', '10000000', '--every', '1'], exit: 1, says: /--chains and --every: 16 chains and a .* would need/ },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'd.csv', '--scale', '1e5', '--out', 'pics'], exit: 1, says: /--scale: a 400000 × 400000-pixel picture would need .* of memory, above the limit of/ },
  { args: ['reconstruct', '--model', 'm.safetensors', '--data', 'd.csv', '--count', '1e9', '--scale', '5000', '--out', 'pics'], exit: 1, says: /--count: 8 rows and a .*-pixel picture (would need|is larger than a PNG)/ },
  { args: ['filters', '--model', 'm.safetensors', '--scale', '100000'], exit: 1, says: /--scale: a .*-pixel picture would need/ },
  { args: ['inpaint', '--model', 'm.safetensors', '--data', 'd.csv', '--scale', '100000'], exit: 1, says: /--scale: .* would need/ },
  { args: ['train', '--data', 'wide.csv', '--hidden', '6000000', '--batch-size', '4'], exit: 1, says: /^rbm train: --hidden: a 64 × 6000000 model .* would need .* of memory, above the limit of/ },
  { bin: 'rbmcmd', args: ['s.safetensors', 'daydream', '1', '1000000000'], exit: 1, says: /^rbmcmd: N: 1000000000 chains and their text would need .* of memory, above the limit of/ },
];

const USERS = '1 1 1 0 0 0\n1 0 1 0 0 0\n0 0 1 1 1 0\n';
const RBMCMD: Case[] = [
  { args: [], exit: 2, says: /STATE and COMMAND are required/ },
  { args: ['s.safetensors'], exit: 2, says: /STATE and COMMAND are required/ },
  { args: ['s.safetensors', 'fly'], exit: 2, says: /^rbmcmd: unknown command 'fly'$/ },
  { args: ['s.safetensors', 'toString'], exit: 2, says: /unknown command 'toString'/ },
  { args: ['s.safetensors', 'constructor'], exit: 2, says: /unknown command 'constructor'/ },
  { args: ['new.st', 'init', 'x', '2', '0.1'], exit: 2, says: /^rbmcmd: NV expects a positive integer, got 'x'$/ },
  { args: ['new.st', 'init', '6', '0', '0.1'], exit: 2, says: /^rbmcmd: NH expects a positive integer, got '0'$/ },
  { args: ['new.st', 'init', '6', '2', '0'], exit: 2, says: /^rbmcmd: LR expects a number in \(0, Infinity\), got 0$/ },
  { args: ['new.st', 'init', '6', '2', 'fast'], exit: 2, says: /^rbmcmd: LR expects a number, got 'fast'$/ },
  { args: ['new.st', 'init', '6', '2'], exit: 2, says: /init takes 3 arguments \(NV NH LR\), got 2/ },
  { args: ['new.st', 'init', '100000', '100000', '0.1'], exit: 2, says: /NH: visible × hidden = 10000000000 exceeds/ },
  { args: ['new.st', 'init', '6', '2', '0.1', '--verbose'], exit: 2, says: /unknown option '--verbose'/ },
  { args: ['', 'init', '6', '2', '0.1'], exit: 2, says: /^rbmcmd: STATE expects a path, got ''$/ },
  { args: ['-', 'init', '6', '2', '0.1'], exit: 2, says: /STATE expects a path, got '-'/ },
  { args: ['s.safetensors', 'train', 'x'], exit: 2, says: /EPOCHS expects a positive integer, got 'x'/, stdin: USERS },
  { args: ['s.safetensors', 'train', '0'], exit: 2, says: /EPOCHS expects a positive integer, got '0'/, stdin: USERS },
  { args: ['s.safetensors', 'train'], exit: 2, says: /train takes 1 argument \(EPOCHS\), got 0/, stdin: USERS },
  { args: ['s.safetensors', 'daydream', '1'], exit: 2, says: /daydream takes 2 arguments \(STEPS N\), got 1/ },
  { args: ['s.safetensors', 'daydream', '0', '5'], exit: 2, says: /STEPS expects a positive integer/ },
  { args: ['s.safetensors', 'daydream_trace', '-1'], exit: 2, says: /STEPS expects a positive integer, got '-1'/ },
  { args: ['s.safetensors', 'run_visible', 'extra'], exit: 2, says: /run_visible takes no arguments, got 1/, stdin: USERS },
  { args: ['missing.st', 'train', '5'], exit: 1, says: /^rbmcmd: missing.st: no such file$/, stdin: USERS },
  { args: ['sub', 'run_visible'], exit: 1, says: /sub: cannot be written: it is a folder/, stdin: USERS, setup: folder('sub') },
  { args: ['missing/new.st', 'init', '6', '2', '0.1'], exit: 1, says: /missing\/new.st: cannot be written/ },
  { args: ['d.csv', 'run_visible'], exit: 1, says: /d.csv: /, stdin: USERS },
  { args: ['s.safetensors', 'train', '5'], exit: 1, says: /^rbmcmd: standard input: contains no rows of numbers$/, stdin: '' },
  { args: ['s.safetensors', 'train', '5'], exit: 1, says: /standard input: line 1, column 1: 'users' is not a finite number/, stdin: 'users\n' },
  { args: ['s.safetensors', 'run_visible'], exit: 1, says: /standard input: has rows of 3 values; this model needs 6/, stdin: '1 0 1\n' },
  { args: ['s.safetensors', 'run_hidden'], exit: 1, says: /standard input: has rows of 6 values; this model needs 2/, stdin: USERS },
  { args: ['s.safetensors', 'train', '5'], exit: 1, says: /standard input: row 0, column 1 is 2; expected a value in \[0, 1\]/, stdin: '1 2 1 0 0 0\n' },
  { args: ['s.safetensors', 'train', '5'], exit: 1, says: /standard input: line 2 has 2 values; earlier lines have 6/, stdin: '1 0 1 0 0 0\n1 0\n' },
  { args: ['s.safetensors', 'run_visible'], exit: 1, says: /^rbmcmd: standard input: /, stdin: new Uint8Array([0, 1, 255, 27, 10, 0x8b]) },
];

const CASES: Case[] = [
  ...COMMAND_LINES,
  ...PATHS,
  ...INPUTS,
  ...PICTURE_VALUES,
  ...MEMORY,
  ...RBMCMD.map((c): Case => ({ ...c, bin: 'rbmcmd' })),
];

/** Every file, link and folder under `dir`: its content's hash, its target, or 'folder'. */
function snapshot(dir: string, prefix = ''): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of readdirSync(join(dir, prefix))) {
    const path = join(prefix, name);
    const stat = lstatSync(join(dir, path));
    if (stat.isSymbolicLink()) entries[path] = `link to ${readlinkSync(join(dir, path))}`;
    else if (stat.isDirectory()) Object.assign(entries, { [path]: 'folder' }, snapshot(dir, path));
    else entries[path] = createHash('sha256').update(readFileSync(join(dir, path))).digest('hex');
  }
  return entries;
}

function sh(program: keyof typeof BINARIES, args: readonly string[], cwd: string, input?: string) {
  return spawnSync(process.execPath, [BINARIES[program], ...args], { cwd, input, encoding: 'utf8', timeout: 60_000 });
}

/** Runs a command asynchronously (so that cases run side by side), feeding `stdin` and closing it. */
function runAsync(program: keyof typeof BINARIES, args: readonly string[], cwd: string, stdin: string | Uint8Array = '') {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [BINARIES[program], ...args], { cwd, timeout: 60_000, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // A command that fails before reading its input closes the pipe first.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

let counter = 0;

/** A folder of its own for one case, holding copies of the fixtures. */
function caseFolder(setup?: (dir: string) => void): string {
  const dir = join(fixtures, `case-${counter++}`);
  mkdirSync(dir);
  for (const name of FIXTURES) copyFileSync(join(fixtures, name), join(dir, name));
  setup?.(dir);
  return dir;
}

beforeAll(() => {
  fixtures = mkdtempSync(join(tmpdir(), 'rbm-hostile-'));
  const rows = (n: number, cols: number, value: (i: number, j: number) => number) =>
    Array.from({ length: n }, (_, i) => Array.from({ length: cols }, (_, j) => value(i, j)).join(',')).join('\n') + '\n';
  writeFileSync(join(fixtures, 'd.csv'), rows(8, 16, (i, j) => (i + j) % 3 === 0 ? 1 : 0));
  writeFileSync(join(fixtures, 'wide.csv'), rows(8, 64, (i, j) => (i * j) % 2));
  writeFileSync(join(fixtures, 'range.csv'), rows(2, 4, (i, j) => (i === 1 && j === 3 ? 7 : 0)));
  writeFileSync(join(fixtures, 'empty.csv'), '');
  writeFileSync(join(fixtures, 'garbage.bin'), new Uint8Array([0, 0, 8, 3, 255, 255, 255, 255, 1, 2, 3]));
  writeFileSync(join(fixtures, 'broken.safetensors'), 'not a model');
  const trained = sh('rbm', ['train', '--data', 'd.csv', '--hidden', '4', '--epochs', '2', '--batch-size', '4', '--out', 'm.safetensors', '--loss', 'loss.dat'], fixtures);
  expect(trained.status, trained.stderr).toBe(0);
  const state = sh('rbmcmd', ['s.safetensors', 'init', '6', '2', '0.1'], fixtures);
  expect(state.status, state.stderr).toBe(0);
  expect(sh('rbmcmd', ['s.safetensors', 'train', '10'], fixtures, USERS).status).toBe(0);
  // A model never trained: no history to plot.
  expect(sh('rbmcmd', ['fresh.safetensors', 'init', '6', '2', '0.1'], fixtures).status).toBe(0);
});

const label = (c: Case) => `${c.bin ?? 'rbm'} ${c.args.map((a) => (a.length > 30 ? `${a.slice(0, 12)}…(${a.length})` : JSON.stringify(a))).join(' ')}`;

describe.concurrent('hostile command lines: a clean failure, before any work, every file left as it was', () => {
  it('has a corpus of at least 100 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
  });

  it.for(CASES.map((c) => [label(c), c] as const))('%s', async ([, c], { expect }) => {
    const dir = caseFolder(c.setup);
    const before = snapshot(dir);
    const r = await runAsync(c.bin ?? 'rbm', c.args, dir, c.stdin);
    const [first, ...rest] = r.stderr.split('\n');
    expect(r.status, r.stderr).toBe(c.exit);
    expect(first).toMatch(new RegExp(`^${c.bin ?? 'rbm'}[ :]`));
    expect(first).toMatch(c.says);
    expect(r.stderr).not.toMatch(/^\s+at |unexpected error|run again with --debug/m);
    if (c.exit === 2) {
      expect(rest[0]).toBe('');
      expect(rest.slice(1).join('\n')).toMatch(/^(Usage: )?rbm(cmd)? /);
    } else {
      expect(rest).toEqual(['']);
    }
    // Nothing was started: no training lines, no pictures announced.
    expect(r.stdout).toBe('');
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('a long history', () => {
  it('is plotted: 200,000 epochs are more than a call takes as arguments', () => {
    const dir = caseFolder();
    writeFileSync(join(dir, 'long.dat'), Array.from({ length: 200_000 }, (_, i) => `${i + 1} ${1 / (i + 1)}`).join('\n') + '\n');
    const long = sh('rbm', ['plot', '--loss', 'long.dat', '--out', 'long.svg'], dir);
    expect(long.stderr).toBe('');
    expect(long.status).toBe(0);
  });
});

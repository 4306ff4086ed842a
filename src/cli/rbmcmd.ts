#!/usr/bin/env node
// echen's rbmcmd: the same syntax and text input and output, with the state in our model file.
import { readFileSync } from 'node:fs';
import { formatTextMatrix, parseTextMatrix } from '../data/text.js';
import { DataFormatError } from '../errors.js';
import { checkOutputFile } from '../io/paths.js';
import type { Matrix } from '../matrix.js';
import { checkMemory } from '../memory.js';
import { RBM } from '../node.js';
import { numberOption, quote, run, UsageError } from './cli.js';
import { pathOption } from './files.js';
import { floatBytes, memoryLimit } from './inputs.js';
import { checkModelOptions, naming } from './model-options.js';

const USAGE = `Usage: rbmcmd STATE COMMAND [arguments]     (data rows on standard input, one per line)

  rbmcmd STATE init NV NH LR          a new model: NV visible, NH hidden units, learning rate LR
  rbmcmd STATE train EPOCHS < rows    train (echen's rule: the whole data set as one batch, CD-1,
                                      probabilities in the statistics, mean gradient, no momentum)
  rbmcmd STATE run_visible < rows     print sampled hidden states for each visible row
  rbmcmd STATE run_hidden < rows      print sampled visible states for each hidden row
  rbmcmd STATE daydream_trace STEPS   one chain from random visible values: each of its STEPS states
  rbmcmd STATE daydream STEPS N       N chains: the last visible state of each
STATE is a webgpu-rbm model file (safetensors), rewritten after each command.`;

/** echen's training rule, expressed with the library's options. */
const ECHEN = { momentum: 0, statistics: 'probabilities', gradient: 'mean', initScale: 0.1 } as const;

/** How init's arguments name the library's options, for its error messages. */
const INIT_NAMES = { visible: 'NV', hidden: 'NH', learningRate: 'LR' };

/** The rows given on standard input, read only once the command line has been checked. */
const STDIN = 'standard input';

/** A positional count: a positive integer. */
const count = (name: string, value: string) => numberOption(name, value, 0, { integer: true, min: 1, positional: true });

/** The rows on standard input, each of `cols` values. */
function stdinRows(cols: number): Matrix {
  const m = parseTextMatrix(readFileSync(0, 'utf8'), STDIN);
  if (m.cols !== cols) throw new DataFormatError(STDIN, `has rows of ${m.cols} values; this model needs ${cols}`);
  return m;
}

/** Waiting on a terminal for rows nobody will type looks like a hang; a pipe or a file is meant. */
function refuseTerminalInput(): void {
  if (process.stdin.isTTY) throw new UsageError('this command reads rows on standard input: pipe them in or redirect a file (< rows.txt)');
}

/** Binary states print as 0 and 1, as echen's do. */
function print(rows: Matrix): void {
  process.stdout.write(formatTextMatrix(rows));
}

/** A command on an existing model: its arguments' names, whether it reads rows, and what it does. */
interface Command {
  readonly args: readonly string[];
  readonly stdin?: boolean;
  /** Refuses, before any work, what the model cannot do with these arguments. */
  readonly check?: (rbm: RBM, n: readonly number[]) => void;
  readonly run: (rbm: RBM, n: readonly number[]) => Promise<void>;
}

/** Each printed value takes about 2 bytes of text, made twice (the lines, then their join). */
const TEXT_BYTES_PER_VALUE = 8;

const COMMANDS: Readonly<Record<string, Command>> = {
  train: {
    args: ['EPOCHS'],
    stdin: true,
    run: async (rbm, [epochs]) => {
      const x = stdinRows(rbm.visible);
      await naming({ x: STDIN }, () => rbm.fit(x, { epochs, batchSize: x.rows, verbose: false }));
    },
  },
  run_visible: { args: [], stdin: true, run: async (rbm) => print(await rbm.sampleHidden(stdinRows(rbm.visible))) },
  run_hidden: { args: [], stdin: true, run: async (rbm) => print(await rbm.sampleVisible(stdinRows(rbm.hidden))) },
  daydream: {
    args: ['STEPS', 'N'],
    check: (rbm, [, chains]) => {
      const bytes = floatBytes(chains, 3 * rbm.visible + 2 * rbm.hidden) + chains * rbm.visible * TEXT_BYTES_PER_VALUE;
      checkMemory('N', `${chains} chains and their text`, bytes, memoryLimit());
    },
    run: async (rbm, [steps, chains]) => print(await rbm.daydream(steps, { chains })),
  },
  daydream_trace: {
    args: ['STEPS'],
    run: async (rbm, [steps]) => {
      // As echen's daydream: the random start, then the state after each Gibbs step.
      let v = await rbm.daydream(0);
      print(v);
      for (let s = 1; s < steps; s++) {
        v = await rbm.gibbs(v);
        print(v);
      }
    },
  },
};

/** Refuses a command given the wrong number of arguments. */
function expect(command: string, args: readonly string[], names: readonly string[]): void {
  if (args.length !== names.length) {
    const takes = names.length === 0 ? 'no arguments' : `${names.length} argument${names.length === 1 ? '' : 's'} (${names.join(' ')})`;
    throw new UsageError(`${command} takes ${takes}, got ${args.length}`);
  }
}

/** init NV NH LR: a new model, checked with the library's rules before anything is written. */
async function init(state: string, args: readonly string[]): Promise<void> {
  expect('init', args, ['NV', 'NH', 'LR']);
  const options = {
    visible: count('NV', args[0]),
    hidden: count('NH', args[1]),
    learningRate: numberOption('LR', args[2], 0, { positional: true }),
    ...ECHEN,
  };
  checkModelOptions(options, INIT_NAMES);
  await checkOutputFile(state);
  const rbm = await naming(INIT_NAMES, () => new RBM(options));
  try {
    await rbm.save(state);
  } finally {
    await rbm.dispose();
  }
}

/** A command on the model in STATE: arguments, then the file, then the model are checked before it runs; STATE is rewritten after. */
async function onModel(state: string, name: string, args: readonly string[]): Promise<void> {
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command ${quote(name)}`);
  const command = COMMANDS[name];
  expect(name, args, command.args);
  const n = command.args.map((argument, i) => count(argument, args[i]));
  if (command.stdin) refuseTerminalInput();
  await checkOutputFile(state);
  const rbm = await RBM.load(state);
  try {
    command.check?.(rbm, n);
    await command.run(rbm, n);
    // Samples advance the random stream, so the next command draws fresh ones.
    await rbm.save(state);
  } finally {
    await rbm.dispose();
  }
}

async function main(args: string[]): Promise<void> {
  const [state, command, ...rest] = args.filter((a) => a !== '--debug');
  const option = args.find((a) => a.startsWith('--') && a !== '--debug');
  if (option !== undefined) throw new UsageError(`unknown option ${quote(option)}`);
  if (state === undefined || command === undefined) throw new UsageError('STATE and COMMAND are required');
  pathOption('STATE', state, '', true);
  if (command === 'init') await init(state, rest);
  else await onModel(state, command, rest);
}

const args = process.argv.slice(2);
if (args[0] === '--help' || args[0] === '-h') console.log(USAGE);
else await run('rbmcmd', USAGE, args, main);

#!/usr/bin/env node
// echen's rbmcmd: the same syntax and text input and output, with the state in our model file.
import { readFileSync } from 'node:fs';
import { formatTextMatrix, parseTextMatrix } from '../data/text.js';
import type { Matrix } from '../matrix.js';
import { RBM } from '../node.js';
import { numberOption, run, UsageError } from './cli.js';

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

function stdinRows(cols: number) {
  const m = parseTextMatrix(readFileSync(0, 'utf8'), 'standard input');
  if (m.cols !== cols) throw new UsageError(`standard input has rows of ${m.cols} values; this model needs ${cols}`);
  return m;
}

function count(name: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`${name} is missing`);
  return numberOption(name, value, 0, { integer: true, min: 1 });
}

/** Binary states print as 0 and 1, as echen's do. */
const print = (rows: Matrix) => process.stdout.write(formatTextMatrix(rows));

async function main(args: string[]): Promise<void> {
  const [state, command, ...rest] = args.filter((a) => a !== '--debug');
  if (state === undefined || command === undefined) throw new UsageError('STATE and COMMAND are required');
  const expect = (n: number) => {
    if (rest.length !== n) throw new UsageError(`${command} takes ${n} argument${n === 1 ? '' : 's'}, got ${rest.length}`);
  };
  if (command === 'init') {
    expect(3);
    const rbm = new RBM({
      visible: count('NV', rest[0]),
      hidden: count('NH', rest[1]),
      learningRate: numberOption('LR', rest[2], 0.1, { min: Number.MIN_VALUE }),
      ...ECHEN,
    });
    await rbm.save(state);
    return;
  }
  const commands: Record<string, (rbm: RBM) => Promise<void>> = {
    train: async (rbm) => {
      expect(1);
      const x = stdinRows(rbm.visible);
      await rbm.fit(x, { epochs: count('EPOCHS', rest[0]), batchSize: x.rows, verbose: false });
    },
    run_visible: async (rbm) => {
      expect(0);
      print(await rbm.sampleHidden(stdinRows(rbm.visible)));
    },
    run_hidden: async (rbm) => {
      expect(0);
      print(await rbm.sampleVisible(stdinRows(rbm.hidden)));
    },
    daydream: async (rbm) => {
      expect(2);
      print(await rbm.daydream(count('STEPS', rest[0]), { chains: count('N', rest[1]) }));
    },
    daydream_trace: async (rbm) => {
      expect(1);
      // As echen's daydream: the random start, then the state after each Gibbs step.
      const steps = count('STEPS', rest[0]);
      let v = await rbm.daydream(0);
      print(v);
      for (let s = 1; s < steps; s++) {
        v = await rbm.gibbs(v);
        print(v);
      }
    },
  };
  const action = commands[command];
  if (!action) throw new UsageError(`unknown command '${command}'`);
  const rbm = await RBM.load(state);
  try {
    await action(rbm);
    // Samples advance the random stream, so the next command draws fresh ones.
    await rbm.save(state);
  } finally {
    await rbm.dispose();
  }
}

await run('rbmcmd', USAGE, process.argv.slice(2), main);

#!/usr/bin/env node
import { quote, run, UsageError } from './cli.js';
import { dream, DREAM_USAGE, filters, FILTERS_USAGE, inpaint, INPAINT_USAGE, reconstruct, RECONSTRUCT_USAGE } from './commands/pictures.js';
import { evaluate, EVALUATE_USAGE } from './commands/evaluate.js';
import { info, INFO_USAGE, plot, PLOT_USAGE } from './commands/report.js';
import { report, REPORT_USAGE } from './commands/html-report.js';
import { train, TRAIN_USAGE } from './commands/train.js';
import { transform, TRANSFORM_USAGE } from './commands/transform.js';

const COMMANDS: Record<string, { usage: string; main: (args: string[]) => Promise<number | void> }> = {
  train: { usage: TRAIN_USAGE, main: train },
  reconstruct: { usage: RECONSTRUCT_USAGE, main: reconstruct },
  filters: { usage: FILTERS_USAGE, main: filters },
  dream: { usage: DREAM_USAGE, main: dream },
  inpaint: { usage: INPAINT_USAGE, main: inpaint },
  plot: { usage: PLOT_USAGE, main: plot },
  info: { usage: INFO_USAGE, main: info },
  evaluate: { usage: EVALUATE_USAGE, main: evaluate },
  transform: { usage: TRANSFORM_USAGE, main: transform },
  report: { usage: REPORT_USAGE, main: report },
};

const USAGE = `Usage: rbm COMMAND [options]     (rbm COMMAND --help for its options)

Restricted Boltzmann Machines on the CPU or the GPU (WebGPU).
  train         train on MNIST, Fashion-MNIST or a file; save the model (safetensors)
  reconstruct   input_i.png / output_i.png pairs and a grid of reconstructions
  filters       every hidden unit's weights as an image
  dream         Gibbs chains from noise, as an image
  inpaint       hide part of each image and fill it in; original, masked and completed
  plot          the KL curve of a loss.dat or a model as an SVG
  info          a model file's shapes, options, history and statistics
  evaluate      log Z and the log-likelihood of training and test data (exact, AIS, reverse AIS)
  transform     the hidden probabilities of every row of a data set, as a NumPy .npy file
  report        one self-contained HTML page: settings, learning curve, weights, reconstructions, samples, metrics

Example: rbm train --data mnist --epochs 10 --out model.safetensors --loss loss.dat
         rbm reconstruct --model model.safetensors --out pictures
Add --debug to any command to see stack traces.`;

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  console.log(USAGE);
} else if (!Object.hasOwn(COMMANDS, command)) {
  await run('rbm', USAGE, [], async () => {
    throw new UsageError(`unknown command ${quote(command)}`);
  });
} else if (rest.includes('--help') || rest.includes('-h')) {
  console.log(COMMANDS[command].usage);
} else {
  await run(`rbm ${command}`, COMMANDS[command].usage, rest, COMMANDS[command].main);
}

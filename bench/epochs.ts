// MNIST epoch runs shared by the benches that time training on both backends.
import { RBM, type Matrix } from '../src/node.js';
import type { Validation } from './report.js';

/** Per-epoch KL, GPU against CPU: the same model and Philox stream, so float32 summation apart. */
export const KL_TOLERANCE = 1e-3;
/** The check before the timed runs: a few hundred rows, a few batches, two epochs. */
export const CHECK = { rows: 500, batchSize: 100, epochs: 2 };

export type BackendName = 'cpu' | 'gpu';

export interface Run {
  device: string;
  epochSeconds: number[];
  kernelSeconds: (number | null)[];
  klDivergence: number[];
}

/** The first `n` rows of a 784-column matrix, without a copy. */
export const firstRows = (m: Matrix, n: number): Matrix => ({ data: m.data.subarray(0, n * m.cols), rows: n, cols: m.cols });

/** Trains a fresh 784-`hidden` model for `epochs` epochs and records each epoch's time and KL. */
export async function trainRun(backend: BackendName, hidden: number, data: Matrix, epochs: number, batchSize: number, log: boolean): Promise<Run> {
  const rbm = new RBM({ visible: 784, hidden, useGPU: backend === 'gpu' });
  const epochSeconds: number[] = [];
  const kernelSeconds: (number | null)[] = [];
  try {
    const { device } = await rbm.device();
    if (log) console.log(`${backend} 784-${hidden}, ${data.rows} rows, batch ${batchSize}, ${epochs} epochs on ${device}`);
    const history = await rbm.fit(data, {
      epochs,
      batchSize,
      verbose: false,
      onEpoch: (r) => {
        epochSeconds.push(r.seconds);
        kernelSeconds.push(r.deviceSeconds ?? null);
        if (log) console.log(`  epoch ${r.epoch}: ${r.seconds.toFixed(3)} s${r.deviceSeconds ? ` (kernels ${r.deviceSeconds.toFixed(3)} s)` : ''}, KL ${r.klDivergence.toFixed(4)}`);
      },
    });
    return { device, epochSeconds, kernelSeconds, klDivergence: history.klDivergence };
  } finally {
    await rbm.dispose();
  }
}

/** `[label, GPU, CPU]` per epoch. */
export const klPairs = (gpu: Run, cpu: Run): [string, number, number][] => gpu.klDivergence.map((kl, i) => [`epoch ${i + 1}`, kl, cpu.klDivergence[i]]);

/** The check before timing: each model trained on CHECK.rows rows on both backends, KL compared. */
export async function checkBeforeTiming(validation: Validation, hiddens: number[], x: Matrix): Promise<void> {
  for (const hidden of hiddens) {
    const cpu = await trainRun('cpu', hidden, firstRows(x, CHECK.rows), CHECK.epochs, CHECK.batchSize, false);
    const gpu = await trainRun('gpu', hidden, firstRows(x, CHECK.rows), CHECK.epochs, CHECK.batchSize, false);
    validation.check(`784-${hidden}, ${CHECK.rows} rows, before timing`, klPairs(gpu, cpu));
  }
  if (!validation.passed) console.log('Nothing timed: the backends disagree before timing.');
}

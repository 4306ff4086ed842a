import { SingleBar } from 'cli-progress';
import type { BatchReport } from '../fit-options.js';

/**
 * A progress bar per epoch (batches done, rate, time left) on a terminal; nothing when the
 * output is piped, where only simple_rbm's lines are printed.
 */
export class EpochProgress {
  private bar: SingleBar | undefined;
  readonly enabled = process.stdout.isTTY === true;

  update(r: BatchReport): void {
    if (!this.enabled) return;
    if (!this.bar) {
      this.bar = new SingleBar({
        format: `Epoch ${r.epoch} |{bar}| {value}/{total} batches | {rate} batches/s | {eta_formatted} left`,
        clearOnComplete: true,
        hideCursor: true,
        etaBuffer: 20,
      });
      this.bar.start(r.batches, 0, { rate: '-' });
      this.started = performance.now();
    }
    const seconds = (performance.now() - this.started) / 1000;
    this.bar.update(r.batch, { rate: seconds > 0 ? (r.batch / seconds).toFixed(1) : '-' });
  }

  /** Removes the bar so that the next line prints cleanly. */
  finish(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private started = 0;
}

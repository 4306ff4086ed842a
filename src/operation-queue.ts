import { RbmError } from './errors.js';

/** Runs a model's operations one at a time, in call order, so none sees another's half-done work. */
export class OperationQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  run<T>(operation: () => Promise<T>): Promise<T> {
    const guarded = () => {
      if (this.closed) throw new RbmError('DISPOSED', 'this model has been disposed');
      return operation();
    };
    const result = this.tail.then(guarded, guarded);
    this.tail = result.catch(() => {});
    return result;
  }

  /** Operations queued after this one are refused. */
  close(): void {
    this.closed = true;
  }
}

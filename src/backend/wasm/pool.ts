import { Command, CONTROL_ADDRESS, Slot } from './layout.js';

/** Starts one worker running `workerLoop(control, index, generation)` of the kernels on the shared memory. */
export type WorkerFactory = (
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  control: number,
  index: number,
  generation: number,
) => Promise<PoolWorker>;

export interface PoolWorker {
  terminate(): void;
  /** Whether a running command keeps the host alive (Node): on while a command runs. */
  ref?(): void;
  unref?(): void;
}

/**
 * Worker threads that run the kernels' commands, created once per model. The host writes a
 * command into the control block, bumps its generation and waits (without blocking its own
 * event loop) until every worker has reported it done.
 */
export class WorkerPool {
  private readonly words: Int32Array;

  private constructor(
    memory: WebAssembly.Memory,
    private readonly workers: PoolWorker[],
  ) {
    this.words = new Int32Array(memory.buffer, CONTROL_ADDRESS, Object.keys(Slot).length);
  }

  static async start(start: WorkerFactory, module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number): Promise<WorkerPool> {
    const control = new Int32Array(memory.buffer, CONTROL_ADDRESS, Object.keys(Slot).length);
    Atomics.store(control, Slot.threads / 4, threads);
    const generation = Atomics.load(control, Slot.generation / 4);
    const workers = await Promise.all(Array.from({ length: threads }, (_, i) => start(module, memory, CONTROL_ADDRESS, i, generation)));
    return new WorkerPool(memory, workers);
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Runs `command` on every worker and resolves when all are done. */
  async run(command: number): Promise<void> {
    const w = this.words;
    Atomics.store(w, Slot.done / 4, 0);
    Atomics.store(w, Slot.command / 4, command);
    // A pending Atomics.waitAsync does not keep Node's event loop alive; the workers do.
    for (const worker of this.workers) worker.ref?.();
    try {
      Atomics.add(w, Slot.generation / 4, 1);
      Atomics.notify(w, Slot.generation / 4);
      for (;;) {
        const done = Atomics.load(w, Slot.done / 4);
        if (done === this.workers.length) return;
        const wait = Atomics.waitAsync(w, Slot.done / 4, done);
        if (wait.async) await wait.value;
      }
    } finally {
      for (const worker of this.workers) worker.unref?.();
    }
  }

  async stop(): Promise<void> {
    const w = this.words;
    Atomics.store(w, Slot.command / 4, Command.exit);
    Atomics.add(w, Slot.generation / 4, 1);
    Atomics.notify(w, Slot.generation / 4);
    for (const worker of this.workers) worker.terminate();
  }
}

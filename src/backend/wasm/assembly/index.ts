// The kernels' entry points: each worker's loop, which runs the host's commands (a training
// epoch, epoch.ts; AIS's chains, anneal.ts) on the memory the host lays out and the control block
// it writes (control.json, read by state.ts), and the SIMD peak the benchmark measures. Every
// value is computed the same way whatever the number of threads, so results do not depend on it.

import * as C from './control';
import { anneal } from './anneal';
import { trainEpoch } from './epoch';
import { ctrl, readThreads, startWorker } from './state';

/**
 * Each worker's life: wait for a command, run it, report it done; until told to exit.
 * `seen` is the command generation when the pool was made, so a command posted while this
 * worker was still starting is not missed.
 */
export function workerLoop(control: usize, index: i32, seen: i32): void {
  startWorker(control, index);
  while (true) {
    while (atomic.load<i32>(ctrl + C.GENERATION) == seen) {
      memory.atomic.wait32(ctrl + C.GENERATION, seen, -1);
    }
    seen = atomic.load<i32>(ctrl + C.GENERATION);
    const command = atomic.load<i32>(ctrl + C.COMMAND);
    if (command == C.COMMAND_EXIT) break;
    readThreads();
    if (command == C.COMMAND_TRAIN) trainEpoch();
    else if (command == C.COMMAND_ANNEAL) anneal();
    atomic.add<i32>(ctrl + C.DONE, 1);
    atomic.notify(ctrl + C.DONE);
  }
}

/**
 * The machine's WebAssembly SIMD peak for this kind of code, for the benchmark: independent
 * f32x4 multiply–add chains on registers, 8 flops per lane pair per iteration.
 */
export function peak(iterations: i32): f32 {
  let a0 = f32x4.splat(1.0);
  let a1 = f32x4.splat(1.1);
  let a2 = f32x4.splat(1.2);
  let a3 = f32x4.splat(1.3);
  let a4 = f32x4.splat(1.4);
  let a5 = f32x4.splat(1.5);
  let a6 = f32x4.splat(1.6);
  let a7 = f32x4.splat(1.7);
  const m = f32x4.splat(0.9999);
  const c = f32x4.splat(0.0001);
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.add(f32x4.mul(a0, m), c);
    a1 = f32x4.add(f32x4.mul(a1, m), c);
    a2 = f32x4.add(f32x4.mul(a2, m), c);
    a3 = f32x4.add(f32x4.mul(a3, m), c);
    a4 = f32x4.add(f32x4.mul(a4, m), c);
    a5 = f32x4.add(f32x4.mul(a5, m), c);
    a6 = f32x4.add(f32x4.mul(a6, m), c);
    a7 = f32x4.add(f32x4.mul(a7, m), c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0);
}

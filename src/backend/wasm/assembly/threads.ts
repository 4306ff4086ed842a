// How the workers share a command: barriers, each thread's share of the rows or units, and the
// health word, where a batch that made a parameter non-finite is reported.

import * as C from './control';
import { ctrl, thread, threads } from './state';

/** Waits until every thread has arrived. */
export function barrier(): void {
  const generation = atomic.load<i32>(ctrl + C.BARRIERGENERATION);
  if (atomic.add<i32>(ctrl + C.BARRIERCOUNT, 1) == threads - 1) {
    atomic.store<i32>(ctrl + C.BARRIERCOUNT, 0);
    atomic.add<i32>(ctrl + C.BARRIERGENERATION, 1);
    atomic.notify(ctrl + C.BARRIERGENERATION);
    return;
  }
  for (let spin = 0; spin < 2000; spin++) {
    if (atomic.load<i32>(ctrl + C.BARRIERGENERATION) != generation) return;
  }
  while (atomic.load<i32>(ctrl + C.BARRIERGENERATION) == generation) {
    memory.atomic.wait32(ctrl + C.BARRIERGENERATION, generation, -1);
  }
}

/** The share [begin, end) of `n` items that this thread takes. */
// @ts-ignore: decorator
@inline export function shareBegin(n: i32): i32 {
  return <i32>((<i64>n * thread) / threads);
}
// @ts-ignore: decorator
@inline export function shareEnd(n: i32): i32 {
  return <i32>((<i64>n * (thread + 1)) / threads);
}

/** Records `batch` as unhealthy unless an earlier one is (WebAssembly has no atomic min). */
export function reportUnhealthy(batch: i32): void {
  let current = atomic.load<i32>(ctrl + C.HEALTH);
  while (batch < current) {
    const previous = atomic.cmpxchg<i32>(ctrl + C.HEALTH, current, batch);
    if (previous == current) break;
    current = previous;
  }
}

/** Whether every lane of x is finite. */
// @ts-ignore: decorator
@inline export function isFinite4(x: v128): bool {
  const exponent = i32x4.splat(0x7f800000);
  return !v128.any_true(i32x4.eq(v128.and(x, exponent), exponent));
}

/** How long a long computation may hold the event loop before letting timers, I/O and signals run. */
export const YIELD_EVERY_MS = 20;

/** Lets other work run during long computations, in Node and in browsers. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Where each batch starts when `rows` shuffled rows are cut as simple_rbm cuts them:
 * numpy.array_split into floor(rows / batchSize) parts whose sizes differ by at most one,
 * the larger first. The last entry is `rows`, so batch b is [starts[b], starts[b + 1]).
 */
export function batchStarts(rows: number, batchSize: number): Uint32Array {
  const count = Math.floor(rows / batchSize);
  const small = Math.floor(rows / count);
  const large = rows % count;
  const starts = new Uint32Array(count + 1);
  for (let b = 0; b < count; b++) starts[b + 1] = starts[b] + small + (b < large ? 1 : 0);
  return starts;
}

/** The rows of the largest batch of `starts` (as batchStarts gives them). */
export function largestBatch(starts: Uint32Array): number {
  let largest = 0;
  for (let b = 0; b + 1 < starts.length; b++) largest = Math.max(largest, starts[b + 1] - starts[b]);
  return largest;
}

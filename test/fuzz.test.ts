import { describe, expect, it } from 'vitest';
import { idxCases, modelCases, runCases } from '../bench/fuzz-cases.js';
import { validIdxFile, validModelFile } from '../bench/fuzz-inputs.js';
import { decodeIdxBytes } from '../src/data/files.js';
import { decodeModel } from '../src/node.js';

// A few hundred of bench/fuzz.ts's cases, with a seed of their own.
describe('mutated files', () => {
  it('model files: every case loads or is refused with a typed error, quickly, allocating no more than the file', async () => {
    const report = runCases(modelCases(await validModelFile(), 400, 77), (b) => decodeModel(b, 'fuzz.safetensors'));
    expect(report.crashes).toEqual([]);
    expect(report.loaded + report.rejected).toBe(400);
    expect(report.rejected).toBeGreaterThan(300);
    expect(report.slowestMs).toBeLessThan(1000);
    expect(report.largestAllocationRatio).toBeLessThanOrEqual(1.5);
  });

  it('IDX files: the same, and gzip data never expands past what deflate allows', async () => {
    const report = runCases(idxCases(await validIdxFile(), 400, 78), (b) => decodeIdxBytes(b, 'fuzz.idx'));
    expect(report.crashes).toEqual([]);
    expect(report.slowestMs).toBeLessThan(1000);
    for (const [mutation, tally] of Object.entries(report.byMutation)) {
      const limit = mutation.includes('gzip') ? 1032 : 1.5;
      expect(tally.allocationRatio, mutation).toBeLessThanOrEqual(limit);
    }
  });
});

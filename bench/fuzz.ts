// Feeds mutated model files and IDX files to the loaders and checks that each one loads
// correctly or is refused with a typed error: never a crash, a hang or a large allocation.
// Usage: npm run fuzz [-- --cases 10000 --seed 1 --json FILE]
import { parseArgs } from 'node:util';
import { decodeIdxBytes } from '../src/data/files.js';
import { decodeModel } from '../src/node.js';
import { idxCases, modelCases, runCases, type FuzzReport } from './fuzz-cases.js';
import { validIdxFile, validModelFile } from './fuzz-inputs.js';
import { machine, table, writeJson } from './report.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    json: { type: 'string', default: 'bench/results/fuzz.json' },
  },
});
const count = Number(values.cases);
const seed = Number(values.seed);

const reports: Record<string, FuzzReport> = {
  'model file': runCases(modelCases(await validModelFile(), count, seed), (b) => decodeModel(b, 'fuzz.safetensors')),
  IDX: runCases(idxCases(await validIdxFile(), count, seed), (b) => decodeIdxBytes(b, 'fuzz.idx')),
};

for (const [format, r] of Object.entries(reports)) {
  console.log(`\n${format}: ${r.cases} cases, ${r.loaded} loaded, ${r.rejected} refused with a typed error, ${r.crashes.length} crashes`);
  console.log(`largest allocation ${r.largestAllocationBytes} bytes (${r.largestAllocationRatio.toFixed(2)}× its file), slowest case ${r.slowestMs.toFixed(1)} ms`);
  console.log(
    table([
      ['mutation', 'loaded', 'refused', 'crashed', 'allocation / file'],
      ...Object.entries(r.byMutation).map(([m, t]) => [m, t.loaded, t.rejected, t.crashed, t.allocationRatio.toFixed(2)]),
    ]),
  );
  for (const c of r.crashes.slice(0, 10)) console.log(`  CRASH (${c.mutation}): ${c.error}`);
}
await writeJson(values.json, { machine: machine(), seed, reports });
process.exitCode = Object.values(reports).some((r) => r.crashes.length > 0) ? 1 : 0;

// The bench for a lent GPU machine (scripts/device-carry.sh packs it with its own Node and Dawn).
// Validates first (per-epoch KL, GPU against CPU, on CHECK.rows rows for every model timed), then
// times MNIST epochs on the GPU over all rows and on the CPU over --cpu-rows (its figures scaled
// to 60,000 rows as well), and AIS log Z of a 784-500 model on both. The goals from the issue are
// printed beside the figures; they hold for an H100 and a full epoch.
// Usage: node dist/bench/device.js [--hidden 64,256,1024,4096] [--epochs 3] [--batch-size 1000]
//          [--rows 60000] [--cpu-rows 6000] [--ais-hidden 500] [--ais-runs 100] [--ais-betas 14500]
//          [--ais-backends gpu,cpu] [--json FILE]
import { parseArgs } from 'node:util';
import { loadMnist, RBM, type Matrix } from '../src/node.js';
import { CHECK, checkBeforeTiming, firstRows, KL_TOLERANCE, trainRun, type BackendName, type Run } from './epochs.js';
import { machine, table, Validation, writeResults } from './report.js';

const { values } = parseArgs({
  options: {
    hidden: { type: 'string', default: '64,256,1024,4096' },
    epochs: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '1000' },
    rows: { type: 'string', default: '60000' },
    'cpu-rows': { type: 'string', default: '6000' },
    'ais-hidden': { type: 'string', default: '500' },
    'ais-runs': { type: 'string', default: '100' },
    'ais-betas': { type: 'string', default: '14500' },
    'ais-backends': { type: 'string', default: 'gpu,cpu' },
    json: { type: 'string', default: 'bench/results/device.json' },
  },
});

/** The goals on an H100: seconds for a 60,000-row epoch, and for AIS at 100 runs × 14,500 β. */
const EPOCH_GOALS = new Map([[64, 0.02], [1024, 0.1]]);
const AIS_GOAL = { hidden: 500, runs: 100, betas: 14_500, seconds: 5 };
const FULL_EPOCH = 60_000;
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader/i;

const hiddens = values.hidden.split(',').map(Number);
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const { train } = await loadMnist();
const rowsFor = (backend: BackendName) => Math.min(Number(values[backend === 'gpu' ? 'rows' : 'cpu-rows']), train.images.rows);
const ais = { hidden: Number(values['ais-hidden']), runs: Number(values['ais-runs']), betas: Number(values['ais-betas']) };
const aisBackends = values['ais-backends'].split(',').filter(Boolean) as BackendName[];

const validation = new Validation(KL_TOLERANCE, 'per-epoch KL, GPU against CPU, the same model and random stream');
await checkBeforeTiming(validation, hiddens, train.images);

interface EpochResult extends Run {
  backend: BackendName;
  hidden: number;
  rows: number;
  batchSize: number;
  bestSeconds: number;
  /** bestSeconds scaled to a 60,000-row epoch. */
  fullEpochSeconds: number;
}
const epochResults: EpochResult[] = [];
for (const hidden of validation.passed ? hiddens : []) {
  for (const backend of ['gpu', 'cpu'] as const) {
    const rows = rowsFor(backend);
    const r = await trainRun(backend, hidden, firstRows(train.images, rows), epochs, batchSize, true);
    // The first epoch compiles pipelines and uploads the data: the best of the rest is the figure.
    const bestSeconds = Math.min(...(r.epochSeconds.length > 1 ? r.epochSeconds.slice(1) : r.epochSeconds));
    epochResults.push({ ...r, backend, hidden, rows, batchSize, bestSeconds, fullEpochSeconds: (bestSeconds * FULL_EPOCH) / rows });
  }
}

interface AisResult {
  backend: BackendName;
  device: string;
  seconds: number;
  logZ: number;
  interval: [number, number];
}

/** A 784-`ais.hidden` model trained for one epoch on the GPU, then AIS on each backend from its state. */
async function timeAis(x: Matrix): Promise<AisResult[]> {
  const trained = new RBM({ visible: 784, hidden: ais.hidden, useGPU: true });
  await trained.fit(x, { epochs: 1, batchSize, verbose: false });
  const state = await trained.getState();
  await trained.dispose();
  const results: AisResult[] = [];
  for (const backend of aisBackends) {
    const rbm = await RBM.fromState(state, { useGPU: backend === 'gpu' });
    try {
      const { device } = await rbm.device();
      console.log(`${backend} AIS 784-${ais.hidden}, ${ais.runs} runs × ${ais.betas} β on ${device}`);
      const started = performance.now();
      const e = await rbm.logPartition({ method: 'ais', runs: ais.runs, betas: ais.betas, data: x });
      const seconds = (performance.now() - started) / 1000;
      console.log(`  ${seconds.toFixed(2)} s, log Z ${e.logZ.toFixed(3)} (${e.lower.toFixed(3)} … ${e.upper.toFixed(3)})`);
      results.push({ backend, device, seconds, logZ: e.logZ, interval: [e.lower, e.upper] });
    } finally {
      await rbm.dispose();
    }
  }
  return results;
}
const aisResults = validation.passed && aisBackends.length ? await timeAis(firstRows(train.images, rowsFor('gpu'))) : [];

const adapter = epochResults.find((r) => r.backend === 'gpu')?.device ?? aisResults.find((r) => r.backend === 'gpu')?.device ?? 'none';
const goalCell = (goal: number | undefined, seconds: number, backend: BackendName, full: boolean) =>
  goal === undefined || backend === 'cpu' ? '-' : `< ${goal * 1000} ms: ${seconds < goal ? 'met' : 'missed'}${full ? '' : ' (scaled)'}`;

console.log(`\nGPU adapter: ${adapter}`);
if (SOFTWARE_ADAPTER.test(adapter)) console.log('A software adapter: these are not GPU figures, and the goals (for an H100) do not apply.');
if (epochResults.length) {
  console.log(
    table([
      ['backend', 'model', 'rows', 'batch', 'best epoch s', 's per 60k rows', 'goal, H100'],
      ...epochResults.map((r) => [
        r.backend, `784-${r.hidden}`, r.rows, r.batchSize, r.bestSeconds.toFixed(4), r.fullEpochSeconds.toFixed(4),
        goalCell(EPOCH_GOALS.get(r.hidden), r.fullEpochSeconds, r.backend, r.rows === FULL_EPOCH),
      ]),
    ]),
  );
  console.log(`Best epoch after the first; each model's KL was checked against the CPU's on ${CHECK.rows} rows before timing.`);
}
if (aisResults.length) {
  const cpuLogZ = aisResults.find((r) => r.backend === 'cpu')?.logZ;
  const goalApplies = ais.hidden === AIS_GOAL.hidden && ais.runs === AIS_GOAL.runs && ais.betas === AIS_GOAL.betas;
  console.log();
  console.log(
    table([
      ['backend', 'model', 'runs × β', 'seconds', 'log Z', '|log Z − CPU|', 'goal, H100'],
      ...aisResults.map((r) => [
        r.backend, `784-${ais.hidden}`, `${ais.runs} × ${ais.betas}`, r.seconds.toFixed(2), r.logZ.toFixed(3),
        r.backend === 'gpu' && cpuLogZ !== undefined ? Math.abs(r.logZ - cpuLogZ).toExponential(1) : '-',
        r.backend === 'gpu' && goalApplies ? `< ${AIS_GOAL.seconds} s: ${r.seconds < AIS_GOAL.seconds ? 'met' : 'missed'}` : '-',
      ]),
    ]),
  );
  console.log('AIS is timed and its log Z shown beside the CPU\'s, not checked: the chains draw the same stream, but one draw falling the other way sends them apart.');
}
await writeResults(values.json, { machine: machine(), adapter, epochs, epochResults, ais: { ...ais, results: aisResults }, goals: { epoch: Object.fromEntries(EPOCH_GOALS), ais: AIS_GOAL }, validation });

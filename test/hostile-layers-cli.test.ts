// The commands on models of Gaussian and ReLU hidden units, through the built binary (the suite's
// global setup builds it), as test/hostile-cli.test.ts runs them: what the help promises holds
// for every pair of unit types.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RBM, type RbmOptions } from '../src/node.js';

const RBM_BIN = resolve('dist/src/cli/rbm.js');
const dir = mkdtempSync(join(tmpdir(), 'rbm-hostile-layers-cli-'));

function rbm(...args: string[]) {
  const run = spawnSync(process.execPath, [RBM_BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A CSV of `rows` rows of `cols` values: 0/1, or real values where `real`. */
function csv(name: string, rows: number, cols: number, real: boolean): string {
  const lines = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => (real ? Math.sin(r * cols + c).toFixed(3) : String((r * 7 + c * 3) % 5 < 2 ? 1 : 0))).join(','));
  writeFileSync(join(dir, name), lines.join('\n') + '\n');
  return name;
}

async function saved(name: string, options: RbmOptions): Promise<string> {
  const model = new RBM({ ...options, threads: 0 });
  await model.save(join(dir, name));
  await model.dispose();
  return name;
}

describe('rbm evaluate without --method', () => {
  beforeAll(() => {
    csv('real.csv', 30, 4, true);
    csv('wide.csv', 30, 30, false);
  });

  // The help: "exact if it can be computed, else ais and reverse-ais". Small weights keep the real-valued
  // models normalisable (γ above the largest eigenvalue of WᵀW/σ²).
  it.each([
    ['Gaussian visible and Gaussian hidden units', { visible: 4, hidden: 3, visibleType: 'gaussian', hiddenType: 'gaussian', initScale: 0.1 }, 'real.csv'],
    ['Gaussian visible and ReLU hidden units', { visible: 4, hidden: 3, visibleType: 'gaussian', hiddenType: 'relu', initScale: 0.1 }, 'real.csv'],
    ['30 binary visible and 3 ReLU hidden units', { visible: 30, hidden: 3, hiddenType: 'relu' }, 'wide.csv'],
    ['4 Gaussian visible and 30 binary hidden units', { visible: 4, hidden: 30, visibleType: 'gaussian' }, 'real.csv'],
  ] as [string, RbmOptions, string][])('estimates log Z by AIS where exact cannot be summed: %s', async (_, options, data) => {
    const model = await saved(`${options.visible}-${options.hidden}-${String(options.hiddenType)}.safetensors`, options);
    const run = rbm('evaluate', '--model', model, '--data', data, '--test', data, '--runs', '10', '--betas', '50');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ais\b/m);
    expect(run.stdout).toMatch(/^reverse-ais\b/m);
    expect(run.stdout).not.toMatch(/^exact\b/m);
  });
});

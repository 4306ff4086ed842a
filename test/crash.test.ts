import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../src/node.js';
import { bundleScript } from './child.js';

describe('a training process killed at a random moment', () => {
  it('never leaves a corrupt checkpoint', async () => {
    // A 64 MB model on a tiny data set with a checkpoint after every epoch: most of the time
    // goes to saving (written in many system calls), so kills often land mid-save.
    const script = await bundleScript(
      'crash',
      `import { RBM } from LIBRARY;
       const x = [Array.from({ length: 2048 }, (_, j) => (j % 3 === 0 ? 1 : 0))];
       const rbm = new RBM({ visible: 2048, hidden: 4096 });
       await rbm.fit(x, { epochs: 100000, batchSize: 1, verbose: false, checkpoint: process.argv[2] });`,
    );
    const dir = await mkdtemp(join(tmpdir(), 'rbm-crash-'));
    const path = join(dir, 'checkpoint.safetensors');
    const epochs: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      rmSync(path, { force: true });
      const child = spawn(process.execPath, [script, path], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      const started = Date.now();
      while (!existsSync(path) && Date.now() - started < 20_000) await sleep(5);
      await sleep(Math.random() * 1500);
      child.kill('SIGKILL');
      await exited;
      const state = decodeModel(readFileSync(path), path);
      epochs.push(state.history.epoch.length);
    }
    // Every kill left a whole checkpoint, and the run kept going between kills.
    expect(epochs.every((e) => e >= 1)).toBe(true);
  });
});

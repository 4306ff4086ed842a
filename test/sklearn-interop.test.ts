// examples/to_sklearn.py: a model file loaded into scikit-learn's BernoulliRBM (Debian's
// python3-sklearn; CI installs it) gives the features `rbm transform` saved, through the built
// binary and real NumPy files both ways.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const PYTHON = '/usr/bin/python3';

it("loads a model file into scikit-learn's BernoulliRBM, whose transform equals rbm transform's features", () => {
  const dir = mkdtempSync(join(tmpdir(), 'rbm-sklearn-'));
  const run = (program: string, ...args: string[]) => spawnSync(program, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const data = run(PYTHON, '-c', "import numpy as np; r = np.random.default_rng(3); np.save('rows.npy', (r.random((200, 20)) < 0.3).astype(np.float32))");
  expect(data.stderr).toBe('');
  const rbm = (...args: string[]) => run(process.execPath, resolve('dist/src/cli/rbm.js'), ...args);
  expect(rbm('train', '--data', 'rows.npy', '--hidden', '7', '--epochs', '3', '--batch-size', '20', '--lr', '0.05', '--gradient', 'mean', '--out', 'm.safetensors').status).toBe(0);
  expect(rbm('transform', '--model', 'm.safetensors', '--data', 'rows.npy', '--out', 'features.npy').status).toBe(0);
  const checked = run(PYTHON, resolve('examples/to_sklearn.py'), 'm.safetensors', 'rows.npy', 'features.npy');
  expect(checked.stderr).toBe('');
  expect(checked.stdout).toMatch(/largest difference \d\.\d\de-\d+ over 1400 values/);
  expect(checked.status).toBe(0);
  // A wrong feature file fails the check.
  run(PYTHON, '-c', "import numpy as np; f = np.load('features.npy'); f[0, 0] += 0.01; np.save('wrong.npy', f)");
  expect(run(PYTHON, resolve('examples/to_sklearn.py'), 'm.safetensors', 'rows.npy', 'wrong.npy').status).toBe(1);
});

// Hostile and extreme inputs to the hidden unit types (binary, Gaussian, ReLU), their precision γ,
// the rule table and the states and files that carry them: every refusal is an RbmError subclass
// naming the problem, before anything changes, and every result that is given is right (each
// backend against the reference). Cases are tables, as in hostile-api.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { RBM, type Parameters, type RbmOptions } from '../src/node.js';
import { truncatedNormalExcess } from '../src/layers/normal.js';

const models: RBM[] = [];
afterAll(async () => {
  for (const m of models) await m.dispose().catch(() => {});
});

/** A model of these options (on the backend `threads` picks) with its parameters changed by `change`. */
async function modelWith(options: RbmOptions, change: (p: Parameters) => Partial<Parameters>): Promise<RBM> {
  const rbm = new RBM(options);
  models.push(rbm);
  const p = await rbm.getParameters();
  await rbm.setParameters({ ...p, ...change(p) });
  return rbm;
}

describe('ReLU units far below their truncation point', () => {
  // For α = −z/√γ → ∞ the excess of a normal over α, times α, is an exponential draw: −log(1 − u).
  it.each([1e4, 1e7, 1e8, 1e10, 1e15])('the reference draws α·t = −log(1 − u) at α = %s', (alpha) => {
    for (const u of [1e-7, 0.01, 0.3, 0.5, 0.9, 0.999]) {
      const exponential = -Math.log1p(-u);
      expect(Math.abs(alpha * truncatedNormalExcess(alpha, u) - exponential), `u = ${u}`).toBeLessThan(1e-9 * exponential + (1 + exponential) ** 2 / alpha ** 2);
    }
  });

  it.each([0, 1])('sample the same exponential draws at z = −10³ and z = −10¹⁰ (threads: %i)', async (threads) => {
    const [V, H] = [1, 8];
    const draws = async (z: number) => {
      const rbm = await modelWith({ visible: V, hidden: H, hiddenType: 'relu', threads }, () => ({ weights: new Float32Array(V * H), hiddenBias: new Float32Array(H).fill(z) }));
      const h = await rbm.sampleHidden({ data: new Float32Array(4 * V), rows: 4, cols: V });
      return Array.from(h.data, (x) => x * -z);
    };
    const [near, far] = [await draws(-1e3), await draws(-1e10)];
    far.forEach((d, k) => expect(Math.abs(d - near[k]), `draw ${k}: ${d} at z = −10¹⁰, ${near[k]} at z = −10³`).toBeLessThan(1e-5 * near[k] + 1e-6));
  });
});

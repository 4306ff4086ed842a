import { describe, expect, it } from 'vitest';
import { modelShape } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import { exactVisibleLogPartition } from '../src/backend/exact-partition.js';
import type { HiddenLayer } from '../src/layers/layer.js';
import { HIDDEN_LAYERS } from '../src/layers/registry.js';
import type { Parameters } from '../src/parameters.js';
import { Phase, philoxUniforms } from '../src/rng/stream.js';
import { decodeModel, encodeModel, NonNormalisableError, RBM } from '../src/node.js';
import { MIN_GAMMA } from '../src/layers/gaussian.js';
import { binaryData, fixture, randomParameters } from './helpers.js';

// The Gaussian and ReLU hidden units' reference math (src/layers/gaussian.ts, relu.ts) against
// what defines it: the free-energy term against a numerical integral of e^(−U(h) + z·h), the
// means and second moments against the free energy's derivatives, the sampler against the
// distribution (Kolmogorov–Smirnov), and whole small models: exact log Z by enumeration against
// numerical integration, one Gibbs step from exact samples keeping the exact distribution, and
// the exact log-likelihood's gradient against finite differences.

type Kind = 'gaussian' | 'relu';
const TYPES: readonly Kind[] = ['gaussian', 'relu'];
const layerOf = (type: Kind) => HIDDEN_LAYERS[type]();

/** −log ∫ e^(−γh²/2 + z·h) dh over h ≥ 0 (ReLU) or the whole line, by Simpson's rule on a wide grid around the mode. */
function numericalFreeEnergy(type: Kind, gamma: number, z: number): number {
  return numericalIntegrals(type, gamma, z).free;
}

/** The free-energy term and E[h], E[h²] of h | z, by Simpson's rule (see numericalFreeEnergy). */
function numericalIntegrals(type: Kind, gamma: number, z: number): { free: number; mean: number; square: number } {
  const sigma = 1 / Math.sqrt(gamma);
  const mode = type === 'relu' ? Math.max(0, z / gamma) : z / gamma;
  const low = type === 'relu' ? 0 : mode - 40 * sigma;
  // The density falls off within ~1/z where the mode is at 0 and z ≪ 0: the grid reaches 60 of that scale.
  const high = mode + 40 * sigma + (type === 'relu' && z < 0 ? 60 / Math.max(1, -z) : 0);
  const steps = 200_000;
  const width = (high - low) / steps;
  const exponent = (h: number) => -(gamma * h * h) / 2 + z * h;
  const top = exponent(type === 'relu' ? Math.max(0, mode) : mode);
  const sums = [0, 0, 0];
  for (let k = 0; k <= steps; k++) {
    const h = low + k * width;
    const weight = (k === 0 || k === steps ? 1 : k % 2 === 1 ? 4 : 2) * Math.exp(exponent(h) - top);
    sums[0] += weight;
    sums[1] += weight * h;
    sums[2] += weight * h * h;
  }
  return { free: -(Math.log((sums[0] * width) / 3) + top), mean: sums[1] / sums[0], square: sums[2] / sums[0] };
}

/** Parameters with one hidden unit of precision γ (and one visible unit). */
function unit(gamma: number): Parameters {
  return { ...randomParameters(1, 1, 1), hiddenGamma: Float32Array.of(gamma), hiddenGammaVelocity: new Float32Array(1) };
}

describe.each(TYPES)('%s hidden units, one unit at a time', (type) => {
  const layer = layerOf(type);
  const cases = type === 'relu' ? [[1, -60], [1, -8], [0.3, -1], [1, 0], [2, 0.7], [1, 5], [0.5, 30]] : [[1, -6], [0.3, -1], [1, 0], [2, 0.7], [0.5, 12]];

  it.each(cases)('has the free-energy term of a numerical integral (γ = %f, z = %f)', (gamma, z) => {
    const p = unit(gamma);
    expect(Math.abs(layer.freeEnergy(p, z, 0) - numericalFreeEnergy(type, gamma, z))).toBeLessThan(1e-7);
  });

  it.each(cases)('has the means and second moments the free energy implies (γ = %f, z = %f)', (gamma, z) => {
    const p = unit(gamma);
    const mean = new Float32Array(1);
    layer.mean(p, Float32Array.of(z), 1, mean);
    // E[h | z] = −∂F/∂z and E[h² | z] = 2·∂F/∂γ, by central differences in float64.
    const dz = 1e-5 * Math.max(1, Math.abs(z));
    const dF = (layer.freeEnergy(p, z + dz, 0) - layer.freeEnergy(p, z - dz, 0)) / (2 * dz);
    expect(Math.abs(mean[0] + dF)).toBeLessThan(1e-6 * Math.max(1, Math.abs(mean[0])));
    // γ ± a step that float32 holds exactly.
    const [up, down] = [Math.fround(gamma * (1 + 1e-3)), Math.fround(gamma * (1 - 1e-3))];
    const dFdGamma = (layer.freeEnergy(unit(up), z, 0) - layer.freeEnergy(unit(down), z, 0)) / (up - down);
    const m2 = layer.secondMoment!(p, z, 0);
    expect(Math.abs(m2 - 2 * dFdGamma)).toBeLessThan(1e-5 * Math.max(1, m2));
    // And against the integrals themselves: E[h^k] = ∫ h^k e^(…) / ∫ e^(…).
    const numeric = numericalIntegrals(type, Math.fround(gamma), z);
    expect(Math.abs(mean[0] - numeric.mean)).toBeLessThan(1e-6 * Math.max(1, Math.abs(mean[0])));
    expect(Math.abs(m2 - numeric.square)).toBeLessThan(1e-6 * Math.max(1, m2));
  });

  it.each(cases)('draws from its distribution: Kolmogorov–Smirnov over 20,000 draws (γ = %f, z = %f)', (gamma, z) => {
    const p = unit(gamma);
    const n = 20_000;
    const zs = new Float32Array(n).fill(z);
    const mean = new Float32Array(n);
    layer.mean(p, zs, n, mean);
    const draws = new Float32Array(n);
    const scratch = new Float32Array(2 * n);
    // n rows of one unit: each row's draws at its own address, as a batch's are.
    layer.sample(p, zs, mean, n, { address: { seed: 7, phase: Phase.hidden, epoch: 3, batch: 1 }, uniforms: philoxUniforms, scratch }, draws);
    const sorted = Array.from(draws).sort((a, b) => a - b);
    // The exact CDF: Φ((h − μ)/σ), truncated at 0 for the ReLU, in float64 from the integral's grid.
    const cdf = cdfOf(type, gamma, z);
    let d = 0;
    sorted.forEach((h, k) => {
      const f = cdf(h);
      d = Math.max(d, Math.abs(f - k / n), Math.abs(f - (k + 1) / n));
    });
    expect(d, `KS statistic ${d}`).toBeLessThan(1.63 / Math.sqrt(n));
    if (type === 'relu') expect(sorted[0]).toBeGreaterThanOrEqual(0);
  });
});

/** The CDF of h | z, by the normal CDF (erfc from the series of e^(x²)·erf(x), to 1e-12). */
function cdfOf(type: Kind, gamma: number, z: number): (h: number) => number {
  const sigma = 1 / Math.sqrt(gamma);
  const mu = z / gamma;
  const phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
  if (type === 'gaussian') return (h) => phi((h - mu) / sigma);
  // 1 − Q((h − μ)/σ)/Q(−μ/σ), in terms of tails: exact where the truncation point is far in the tail.
  const logTail = (x: number) => logErfc(x / Math.SQRT2) + Math.log(0.5);
  const start = logTail(-mu / sigma);
  return (h) => (h < 0 ? 0 : -Math.expm1(logTail((h - mu) / sigma) - start));
}

/** log erfc(x) without underflow: the continued fraction's form above 3. */
function logErfc(x: number): number {
  if (x <= 3) return Math.log(erfc(x));
  let f = x;
  for (let n = 200; n >= 1; n--) f = x + n / 2 / f;
  return -x * x - Math.log(Math.sqrt(Math.PI) * f);
}

/** erfc(x), via Laplace's continued fraction above 3 and erf's Taylor series below (test-side, independent of src/layers/normal.ts). */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x > 3) return Math.exp(logErfc(x));
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return 1 - (2 / Math.sqrt(Math.PI)) * sum;
}

/** A small model with `type` hidden units: weights and biases of moderate size, γ around 1. */
function smallModel(type: Kind, V: number, H: number, seed: number): Parameters {
  return { ...randomParameters(V, H, seed, 0.8), hiddenGamma: fixture(H, seed + 9, 0.7, 1.6), hiddenGammaVelocity: new Float32Array(H) };
}

/** p(v) of every visible state of a small model, by enumeration: ∝ exp(b·v − Σ_j F_j(c_j + v·W_j)). */
function exactVisibleDistribution(layer: HiddenLayer, p: Parameters, V: number, H: number): Float64Array {
  const logs = new Float64Array(2 ** V);
  for (let s = 0; s < 2 ** V; s++) {
    let log = 0;
    for (let i = 0; i < V; i++) if ((s >> i) & 1) log += p.visibleBias[i];
    for (let j = 0; j < H; j++) {
      let a = p.hiddenBias[j];
      for (let i = 0; i < V; i++) if ((s >> i) & 1) a += p.weights[i * H + j];
      log -= layer.freeEnergy(p, a, j);
    }
    logs[s] = log;
  }
  const top = Math.max(...logs);
  const weights = logs.map((l) => Math.exp(l - top));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

describe.each(TYPES)('a small model with %s hidden units', (type) => {
  const [V, H] = [4, 3];
  const layer = layerOf(type);
  const p = smallModel(type, V, H, 21);

  it('has exact log Z by enumeration equal to numerical integration over the hidden units', async () => {
    let numeric = 0;
    const terms: number[] = [];
    for (let s = 0; s < 2 ** V; s++) {
      let log = 0;
      for (let i = 0; i < V; i++) if ((s >> i) & 1) log += p.visibleBias[i];
      for (let j = 0; j < H; j++) {
        let a = p.hiddenBias[j];
        for (let i = 0; i < V; i++) if ((s >> i) & 1) a += p.weights[i * H + j];
        log -= numericalFreeEnergy(type, p.hiddenGamma![j], a);
      }
      terms.push(log);
    }
    const top = Math.max(...terms);
    numeric = top + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - top), 0));
    expect(Math.abs((await exactVisibleLogPartition(layer, p, V, H)) - numeric)).toBeLessThan(1e-7);
    // Through the model: RBM.logPartition({ method: 'exact' }).
    const rbm = new RBM({ visible: V, hidden: H, hiddenType: type, threads: 0 });
    await rbm.setParameters(p);
    expect(Math.abs((await rbm.logPartition()).logZ - numeric)).toBeLessThan(1e-7);
    await rbm.dispose();
  });

  it('keeps the exact distribution through one Gibbs step from exact samples (χ² over the 16 states)', async () => {
    const exact = exactVisibleDistribution(layer, p, V, H);
    const n = 40_000;
    const u = new Float32Array(n);
    philoxUniforms({ seed: 5, phase: Phase.init, epoch: 0, batch: 9 }, n, 1, u);
    const start = new Float32Array(n * V);
    const cumulative = exact.map(((sum) => (w) => (sum += w))(0));
    for (let r = 0; r < n; r++) {
      const s = Math.min(cumulative.findIndex((c) => u[r] < c), 2 ** V - 1);
      for (let i = 0; i < V; i++) start[r * V + i] = (s >> i) & 1;
    }
    const backend = new CpuBackend(modelShape({ visible: V, hidden: H, hiddenType: type }));
    await backend.setParameters(p);
    const draw = (epoch: number, phase: number) => ({ seed: 11, phase, epoch, batch: 0 });
    const after = await backend.gibbs({ start: { data: start, rows: n, cols: V }, hiddenDraws: [draw(1, Phase.inferHidden)], visibleDraws: [draw(1, Phase.inferVisible)], probabilities: false });
    const counts = new Float64Array(2 ** V);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let i = 0; i < V; i++) s |= after.data[r * V + i] << i;
      counts[s]++;
    }
    const chi2 = counts.reduce((sum, c, s) => sum + (c - n * exact[s]) ** 2 / (n * exact[s]), 0);
    // 15 degrees of freedom: 37.7 is the 0.001 quantile's bound.
    expect(chi2).toBeLessThan(37.7);
  });

  it("has the exact log-likelihood's gradient in γ, θ and W that its statistics give (central differences)", async () => {
    const data = [0b0011, 0b0101, 0b1110, 0b0011, 0b1000].map((s) => Float32Array.from({ length: V }, (_, i) => (s >> i) & 1));
    const logLikelihood = async (q: Parameters) => {
      const logZ = await exactVisibleLogPartition(layer, q, V, H);
      let sum = 0;
      for (const v of data) {
        let log = 0;
        for (let i = 0; i < V; i++) log += q.visibleBias[i] * v[i];
        for (let j = 0; j < H; j++) {
          let a = q.hiddenBias[j];
          for (let i = 0; i < V; i++) a += v[i] * q.weights[i * H + j];
          log -= layer.freeEnergy(q, a, j);
        }
        sum += log;
      }
      return sum / data.length - logZ;
    };
    // The statistics' gradient: ⟨·⟩ over the data less over the model, from the layer's means and γ gradient.
    const exact = exactVisibleDistribution(layer, p, V, H);
    const states = Array.from({ length: 2 ** V }, (_, s) => Float32Array.from({ length: V }, (__, i) => (s >> i) & 1));
    const phase = (vs: Float32Array[], weights: number[]) => {
      const z = new Float32Array(vs.length * H);
      vs.forEach((v, r) => {
        for (let j = 0; j < H; j++) {
          let a = p.hiddenBias[j];
          for (let i = 0; i < V; i++) a += v[i] * p.weights[i * H + j];
          z[r * H + j] = a;
        }
      });
      const mean = new Float32Array(z.length);
      layer.mean(p, z, z.length, mean);
      return { vs, weights, z, mean };
    };
    const d = phase(data, data.map(() => 1 / data.length));
    const m = phase(states, Array.from(exact));
    const expectation = (ph: ReturnType<typeof phase>, f: (r: number) => number) => ph.weights.reduce((sum, w, r) => sum + w * f(r), 0);
    const h = 1e-3;
    const bump = async (field: 'hiddenGamma' | 'hiddenBias' | 'weights', k: number) => {
      const plus = { ...p, [field]: p[field]!.slice() } as Parameters;
      const minus = { ...p, [field]: p[field]!.slice() } as Parameters;
      plus[field]![k] += h;
      minus[field]![k] -= h;
      return ((await logLikelihood(plus)) - (await logLikelihood(minus))) / (2 * h);
    };
    for (let j = 0; j < H; j++) {
      // ∂L/∂θ_j = ⟨E[h_j | v]⟩_data − ⟨E[h_j | v]⟩_model.
      const theta = expectation(d, (r) => d.mean[r * H + j]) - expectation(m, (r) => m.mean[r * H + j]);
      expect(Math.abs(theta - (await bump('hiddenBias', j)))).toBeLessThan(2e-5);
      // ∂L/∂γ_j = ½⟨E[h_j² | v]⟩_model − ½⟨E[h_j² | v]⟩_data, from the layer's γ gradient over each phase's rows.
      const moment = (ph: ReturnType<typeof phase>, r: number) => layer.secondMoment!(p, ph.z[r * H + j], j);
      const gamma = 0.5 * expectation(m, (r) => moment(m, r)) - 0.5 * expectation(d, (r) => moment(d, r));
      expect(Math.abs(gamma - (await bump('hiddenGamma', j)))).toBeLessThan(2e-5);
      // ∂L/∂W_ij = ⟨v_i E[h_j | v]⟩_data − ⟨v_i E[h_j | v]⟩_model.
      const i = j % V;
      const w = expectation(d, (r) => d.vs[r][i] * d.mean[r * H + j]) - expectation(m, (r) => m.vs[r][i] * m.mean[r * H + j]);
      expect(Math.abs(w - (await bump('weights', i * H + j)))).toBeLessThan(2e-5);
    }
  });
});

describe.each(TYPES)('an RBM with %s hidden units', (type) => {
  it('trains, keeps γ in its domain, and carries γ and its type through a model file', async () => {
    const rbm = new RBM({ visible: 16, hidden: 4, hiddenType: type, threads: 0, learningRate: 0.05, momentum: 0.5, gradient: 'mean', statistics: 'probabilities' });
    const x = binaryData(200, 16, 3, 0.4);
    const history = await rbm.fit(x, { epochs: 3, batchSize: 20, verbose: false });
    expect(history.klDivergence.every(Number.isFinite)).toBe(true);
    expect(history.klDivergence[2]).toBeLessThan(history.klDivergence[0]);
    const p = await rbm.getParameters();
    expect(Array.from(p.hiddenGamma!).some((g) => g !== 1)).toBe(true);
    expect(Array.from(p.hiddenGamma!).every((g) => g >= MIN_GAMMA)).toBe(true);
    const state = decodeModel(encodeModel(await rbm.getState()), 'memory');
    expect(state.config.hiddenType).toBe(type);
    expect(state.parameters.hiddenGamma).toEqual(p.hiddenGamma);
    expect(state.parameters.hiddenGammaVelocity).toEqual(p.hiddenGammaVelocity);
    // Hidden rows are checked against the units' domain: a ReLU unit's values are ≥ 0, a Gaussian unit's any real value.
    const negative = [[-0.5, 0, 1.5, 2]];
    if (type === 'relu') await expect(rbm.expectVisible(negative)).rejects.toThrow(/h: row 0, column 0 is -0.5; expected a value ≥ 0/);
    else expect((await rbm.expectVisible(negative)).rows).toBe(1);
    // A file whose γ is missing, or a binary model's with one, is refused by name.
    await expect(rbm.setParameters({ ...p, hiddenGamma: p.hiddenGamma!.map((g, j) => (j === 2 ? 0 : g)) })).rejects.toThrow(/hiddenGamma: element 2 is 0; expected at least 0.05/);
    const { hiddenGamma: _gamma, ...withoutGamma } = p;
    await expect(rbm.setParameters(withoutGamma as Parameters)).rejects.toThrow(/hiddenGamma/);
    const binary = new RBM({ visible: 16, hidden: 4, threads: 0 });
    await expect(binary.expectVisible([[0, 1, 1.5, 0]])).rejects.toThrow(/expected a value in \[0, 1\]/);
    await expect(binary.setParameters({ ...(await binary.getParameters()), hiddenGamma: p.hiddenGamma, hiddenGammaVelocity: p.hiddenGammaVelocity })).rejects.toThrow(/only a model with .*hidden units has hiddenGamma/);
    await Promise.all([rbm.dispose(), binary.dispose()]);
  });
});

describe.each(TYPES)('Gaussian visible units with %s hidden units', (type) => {
  // Integrating v out leaves e^(½·hᵀ(Wᵀ·diag(1/σ²)·W − diag(γ))·h + …): with weights that outweigh γ the
  // model has no finite normaliser, its chains run off and its log Z is infinite.
  const [V, H] = [4, 3];
  const unbounded = (): Parameters => ({
    ...randomParameters(V, H, 5, 0.1),
    weights: new Float32Array(V * H).fill(1.5),
    visibleLogVariance: new Float32Array(V),
    visibleLogVarianceVelocity: new Float32Array(V),
    hiddenGamma: new Float32Array(H).fill(1),
    hiddenGammaVelocity: new Float32Array(H),
  });

  it.each([0, 2])('refuses, with a NonNormalisableError, to sample or estimate log Z where the model has no normaliser (threads: %i)', async (threads) => {
    const rbm = new RBM({ visible: V, hidden: H, visibleType: 'gaussian', hiddenType: type, threads });
    await rbm.setParameters(unbounded());
    await expect(rbm.daydream(200, { chains: 4 })).rejects.toThrow(NonNormalisableError);
    await expect(rbm.logPartition({ method: 'ais', runs: 8, betas: 200 })).rejects.toThrow(/no finite normaliser/);
    // Small weights make it normalisable again: the same calls give finite results.
    await rbm.setParameters({ ...unbounded(), weights: new Float32Array(V * H).fill(0.1) });
    expect((await rbm.daydream(50, { chains: 4 })).data.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite((await rbm.logPartition({ method: 'ais', runs: 8, betas: 200 })).logZ)).toBe(true);
    await rbm.dispose();
  });
});

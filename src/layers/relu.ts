import { floorGamma, gammaGradient, HIDDEN_GAMMA, type SecondMoment } from './gaussian.js';
import type { HiddenLayer } from './layer.js';
import { logErfcx, millsExcess, truncatedNormalExcess } from './normal.js';

/**
 * ReLU hidden units (Nair & Hinton 2010 in the exact form of Tubiana & Monasson, PRL 2017;
 * RestrictedBoltzmannMachines.jl's ReLU layer): the Gaussian unit's U(h) = γh²/2 − θh restricted
 * to h ≥ 0, so h | z is N(z/γ, 1/γ) truncated to [0, ∞). With σ = 1/√γ and α = −z/√γ (where the
 * truncation cuts the standardised normal), E[h] = σ·(λ(α) − α) and a draw is σ times the excess
 * of a standard normal over α (src/layers/normal.ts: exact for every z, from one uniform). The
 * free-energy term is −log erfcx(−z/√(2γ)) + ½·log(2γ/π) (docs/layers.md).
 */

/** α = −z/√γ and σ = 1/√γ of unit j. */
function standardised(gamma: number, z: number): [alpha: number, sigma: number] {
  const sigma = 1 / Math.sqrt(gamma);
  return [-z * sigma, sigma];
}

/** E[h² | z] = σ² + μ·E[h] = σ²·(1 − α·(λ(α) − α)) of unit j. */
const moment: SecondMoment = (p, z, j) => {
  const [alpha, sigma] = standardised(p.hiddenGamma![j], z);
  return sigma * sigma * Math.max(0, 1 - alpha * millsExcess(alpha));
};

export function reluHidden(): HiddenLayer {
  let gradient = new Float64Array(0);
  const draw: HiddenLayer['draw'] = (p, z, j, u) => {
    const [alpha, sigma] = standardised(p.hiddenGamma![j], z);
    return sigma * truncatedNormalExcess(alpha, u[j]);
  };
  return {
    type: 'relu',
    domain: 'nonnegative',
    tensors: [HIDDEN_GAMMA],
    drawWidth: (units) => units,
    mean(p, z, count, out) {
      const gamma = p.hiddenGamma!;
      const H = gamma.length;
      for (let k = 0; k < count; k++) {
        const [alpha, sigma] = standardised(gamma[k % H], z[k]);
        out[k] = sigma * millsExcess(alpha);
      }
    },
    sample(p, z, _mean, rows, draws, out) {
      const H = p.hiddenBias.length;
      draws.uniforms(draws.address, rows, H, draws.scratch);
      for (let r = 0; r < rows; r++) {
        const u = draws.scratch.subarray(r * H, (r + 1) * H);
        for (let j = 0; j < H; j++) out[r * H + j] = draw(p, z[r * H + j], j, u);
      }
    },
    draw,
    freeEnergy(p, z, j) {
      const gamma = p.hiddenGamma![j];
      return -logErfcx(-z / Math.sqrt(2 * gamma)) + 0.5 * Math.log((2 * gamma) / Math.PI);
    },
    energy: (p, h, z, j) => (h < 0 ? Infinity : (p.hiddenGamma![j] * h * h) / 2 - z * h),
    secondMoment: moment,
    baseLogPartition: (p) => p.hiddenGamma!.reduce((sum, gamma) => sum + 0.5 * Math.log(Math.PI / (2 * gamma)), 0),
    ownGradients(p, phases) {
      if (gradient.length !== p.hiddenBias.length) gradient = new Float64Array(p.hiddenBias.length);
      return gammaGradient(p, phases, moment, gradient);
    },
    constrain: floorGamma,
  };
}

// The momentum step of docs/training-step.md for this thread's share of the units, dθ = m·dθ +
// step·scale·g and θ += dθ: the weights (with weight decay; Wᵀ kept in step with W), the visible
// biases (centred: corrected by the weight step) and Gaussian units' log-variances; the hidden
// biases (centred, they need the whole weight step: centring.ts updates them after a barrier),
// and the γ of Gaussian and ReLU hidden units, from its gradient and floored at MIN_GAMMA.

import { MIN_GAMMA } from './constants';
import { updateLogVariance } from './layers/gaussian';
import { b, c, centring, db, dc, decayStep, dGamma, dW, gamma, gradient, H, hidden0Moment, hidden1Moment, hiddenBytes, hiddenGradient, lambda, learnVariance, meanGradient, momentum, stepSize, V, visibleGradient, W, Wt } from './state';
import { dotHidden, f32At } from './sums';
import { isFinite4 } from './threads';

/**
 * The rows of W (and columns of Wᵀ), b, and Gaussian units' z of the visible units [v0, vEnd),
 * from the batch's gradient over `rows` rows; returns whether they stayed finite.
 */
export function updateVisibleUnits(v0: i32, vEnd: i32, rows: i32): bool {
  const perRow: f32 = 1.0 / <f32>rows;
  const weightScale = meanGradient ? stepSize * perRow : stepSize;
  const m4 = f32x4.splat(momentum);
  const s4 = f32x4.splat(weightScale);
  const decay4 = f32x4.splat(decayStep);
  let healthy = true;
  for (let v = v0; v < vEnd; v++) {
    const g = gradient + <usize>v * hiddenBytes;
    const w = W + <usize>v * hiddenBytes;
    const dw = dW + <usize>v * hiddenBytes;
    // From W before its update.
    if (learnVariance) healthy = updateLogVariance(v, w, g, perRow) && healthy;
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const weight = v128.load(f32At(w, j));
      const velocity = f32x4.sub(f32x4.add(f32x4.mul(m4, v128.load(f32At(dw, j))), f32x4.mul(s4, v128.load(f32At(g, j)))), f32x4.mul(decay4, weight));
      const value = f32x4.add(weight, velocity);
      v128.store(f32At(dw, j), velocity);
      v128.store(f32At(w, j), value);
      healthy = healthy && isFinite4(value) && isFinite4(velocity);
    }
    for (; j < H; j++) {
      const weight = load<f32>(f32At(w, j));
      const velocity = momentum * load<f32>(f32At(dw, j)) + weightScale * load<f32>(f32At(g, j)) - decayStep * weight;
      const value = weight + velocity;
      store<f32>(f32At(dw, j), velocity);
      store<f32>(f32At(w, j), value);
      healthy = healthy && isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
    }
    for (let h = 0; h < H; h++) store<f32>(f32At(Wt, h * V + v), load<f32>(f32At(w, h)));
    const velocity = momentum * load<f32>(f32At(db, v)) + stepSize * load<f32>(f32At(visibleGradient, v)) * perRow;
    // Centred, the plain bias follows the centred one and moves against the weight step: b += db − dW·λ.
    const value = load<f32>(f32At(b, v)) + (centring ? velocity - dotHidden(dw, lambda) : velocity);
    store<f32>(f32At(db, v), velocity);
    store<f32>(f32At(b, v), value);
    healthy = healthy && isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
  }
  return healthy;
}

/** The hidden biases [hBegin, hEnd) of a model that is not centred; returns whether they stayed finite. */
export function updateHiddenBiases(hBegin: i32, hEnd: i32, rows: i32): bool {
  const perRow: f32 = 1.0 / <f32>rows;
  let healthy = true;
  for (let j = hBegin; j < hEnd; j++) {
    const velocity = momentum * load<f32>(f32At(dc, j)) + stepSize * load<f32>(f32At(hiddenGradient, j)) * perRow;
    const value = load<f32>(f32At(c, j)) + velocity;
    store<f32>(f32At(dc, j), velocity);
    store<f32>(f32At(c, j), value);
    healthy = healthy && isFinite4(f32x4.splat(value)) && isFinite4(f32x4.splat(velocity));
  }
  return healthy;
}

/**
 * γ of the hidden units [hBegin, hEnd) (docs/layers.md): g_γ = Σ_rows (m₂(negative) − m₂(positive))
 * / 2B over the batch's rows in order, from the m₂ the half steps left (computed with γ before this
 * update), then the biases' momentum step and the floor MIN_GAMMA, as gammaGradient and floorGamma
 * in src/layers/gaussian.ts. Returns whether γ (after the floor) and dγ stayed finite.
 */
export function updateHiddenGamma(hBegin: i32, hEnd: i32, rows: i32): bool {
  const half: f32 = 0.5 / <f32>rows;
  let healthy = true;
  for (let j = hBegin; j < hEnd; j++) {
    let sum: f32 = 0;
    for (let i = 0; i < rows; i++) {
      const at = f32At(<usize>i * hiddenBytes, j);
      sum += load<f32>(hidden1Moment + at) - load<f32>(hidden0Moment + at);
    }
    const velocity = momentum * load<f32>(f32At(dGamma, j)) + stepSize * (sum * half);
    const value = load<f32>(f32At(gamma, j)) + velocity;
    const floored = value < MIN_GAMMA ? MIN_GAMMA : value;
    store<f32>(f32At(dGamma, j), velocity);
    store<f32>(f32At(gamma, j), floored);
    healthy = healthy && isFinite4(f32x4.splat(floored)) && isFinite4(f32x4.splat(velocity));
  }
  return healthy;
}

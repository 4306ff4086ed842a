import '../src/node.js'; // installs Dawn as the WebGPU provider
import type { Parameters, TrainingRule } from '../src/backend/backend.js';
import { CpuBackend } from '../src/backend/cpu/cpu-backend.js';
import type { GpuOptions } from '../src/backend/webgpu/gpu.js';
import { WebGpuBackend } from '../src/backend/webgpu/webgpu-backend.js';
import { fixture } from './helpers.js';

/**
 * A WebGPU backend, or a failure that says how to get an adapter. These suites never skip:
 * a machine without an adapter fails them (CI installs Mesa's lavapipe).
 */
export async function gpuBackend(visible: number, hidden: number, options: GpuOptions = {}): Promise<WebGpuBackend> {
  try {
    return await WebGpuBackend.create(visible, hidden, options);
  } catch (error) {
    throw new Error(
      `The GPU test suites need a WebGPU adapter (in CI they must run, not skip): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export function randomParameters(visible: number, hidden: number, seed: number, scale = 1): Parameters {
  return {
    weights: fixture(visible * hidden, seed, -scale, scale),
    visibleBias: fixture(visible, seed + 1, -scale, scale),
    hiddenBias: fixture(hidden, seed + 2, -scale, scale),
    weightVelocity: fixture(visible * hidden, seed + 3, -0.01, 0.01),
    visibleBiasVelocity: fixture(visible, seed + 4, -0.01, 0.01),
    hiddenBiasVelocity: fixture(hidden, seed + 5, -0.01, 0.01),
  };
}

/** The CPU reference and a GPU backend holding the same parameters. */
export async function backendPair(visible: number, hidden: number, parameters: Parameters, options: GpuOptions = {}) {
  const cpu = new CpuBackend(visible, hidden);
  const gpu = await gpuBackend(visible, hidden, options);
  await cpu.setParameters(parameters);
  await gpu.setParameters(parameters);
  return { cpu, gpu };
}

/** 0/1 data with roughly `density` ones. */
export function binaryData(rows: number, cols: number, seed: number, density = 0.3) {
  return { data: fixture(rows * cols, seed).map((u) => (u < density ? 1 : 0)), rows, cols };
}

/** Training rules every fast backend is checked against the CPU reference with. */
export const RULES: TrainingRule[] = [
  { learningRate: 0.05, momentum: 0.9, statistics: 'samples', gradient: 'sum', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.5, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 1, persistent: false, weightDecay: 0 },
  { learningRate: 0.05, momentum: 0.5, statistics: 'samples', gradient: 'sum', cdSteps: 3, persistent: false, weightDecay: 0.01 },
  { learningRate: 0.2, momentum: 0.5, statistics: 'samples', gradient: 'mean', cdSteps: 1, persistent: true, weightDecay: 0 },
  { learningRate: 0.2, momentum: 0, statistics: 'probabilities', gradient: 'mean', cdSteps: 2, persistent: true, weightDecay: 0.001 },
];

/** The rows of the largest batch of an epoch: how many persistent chains it keeps. */
export function largestBatch(starts: Uint32Array): number {
  return Math.max(...Array.from(starts.subarray(1), (end, i) => end - starts[i]));
}

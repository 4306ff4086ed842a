import { BackendUnavailableError } from '../errors.js';
import type { DeviceChoice } from '../options.js';
import type { Backend } from './backend.js';
import { CpuBackend } from './cpu/cpu-backend.js';

/** The one place that chooses a backend. */
export async function createBackend(useGPU: DeviceChoice, visible: number, hidden: number): Promise<Backend> {
  if (useGPU === false || useGPU === 'auto') return new CpuBackend(visible, hidden);
  throw new BackendUnavailableError(
    'useGPU: true needs the WebGPU backend, which this version does not include yet; use useGPU: false.',
  );
}

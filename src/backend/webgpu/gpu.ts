/**
 * Finding a WebGPU device: an adapter through the platform's provider opened with the largest
 * limits it offers, or a device the caller shares; what the backend learns of it.
 */
import { BackendUnavailableError } from '../../errors.js';
import type { GpuOptions } from '../../gpu-options.js';
import type { GpuProvider } from '../../platform/platform.js';

export type { GpuOptions };

const HOW_TO_GET_ONE =
  'Install a GPU driver with Vulkan, Metal or D3D12 support; on a machine without a GPU, ' +
  "Mesa's lavapipe (Debian: apt-get install -t bookworm-backports mesa-vulkan-drivers) " +
  'provides a CPU implementation. Or use useGPU: false (or "auto").';

export interface AcquiredDevice {
  readonly device: GPUDevice;
  /** Whether the model opened the device (and so destroys it on dispose). */
  readonly owned: boolean;
  readonly adapterName: string;
  /** The largest storage binding this model will use, in bytes. */
  readonly maxBindingBytes: number;
  readonly timestamps: boolean;
}

function describe(info: GPUAdapterInfo): string {
  const name = info.description || info.device || 'unnamed adapter';
  const kind = [info.vendor, info.architecture].filter((s) => s && s.length > 0).join(', ');
  return kind ? `${name} (${kind})` : name;
}

/** Finds an adapter through `provider` and opens a device with the largest limits it offers (or uses options.device). */
export async function acquireDevice(provider: GpuProvider, options: GpuOptions = {}): Promise<AcquiredDevice> {
  if (options.device) return shared(options.device, options);
  // Whatever the platform throws while starting WebGPU (Dawn with flags it does not know, a
  // browser that refuses) means the same to the caller: no GPU here.
  const unavailable = (step: string) => (error: unknown): never => {
    if (error instanceof BackendUnavailableError) throw error;
    throw new BackendUnavailableError(`WebGPU could not ${step} (${(error as Error)?.message ?? String(error)}). ${HOW_TO_GET_ONE}`, { cause: error });
  };
  const gpu = await Promise.resolve()
    .then(() => provider(options.flags ?? []))
    .catch(unavailable('be started'));
  if (!gpu) throw new BackendUnavailableError(`WebGPU is not available here. ${HOW_TO_GET_ONE}`);
  const adapter = await Promise.resolve()
    .then(() => gpu.requestAdapter({ powerPreference: options.powerPreference }))
    .catch(unavailable('find an adapter'));
  if (!adapter) throw new BackendUnavailableError(`No WebGPU adapter was found. ${HOW_TO_GET_ONE}`);
  const limits = adapter.limits;
  const timestamps = adapter.features.has('timestamp-query');
  const device = await Promise.resolve()
    .then(() =>
      adapter.requestDevice({
        requiredFeatures: timestamps ? ['timestamp-query'] : [],
        requiredLimits: {
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
          maxBufferSize: limits.maxBufferSize,
          maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
          maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        },
      }),
    )
    .catch(unavailable('open a device'));
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  return {
    device,
    owned: true,
    adapterName: describe(adapter.info),
    maxBindingBytes: Math.min(cap, options.maxBindingBytes ?? cap),
    timestamps,
  };
}

function shared(device: GPUDevice, options: GpuOptions): AcquiredDevice {
  const cap = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return {
    device,
    owned: false,
    adapterName: info ? describe(info) : 'shared device',
    maxBindingBytes: Math.min(cap, options.maxBindingBytes ?? cap),
    timestamps: device.features.has('timestamp-query'),
  };
}

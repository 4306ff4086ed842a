/** How the WebGPU backend finds its device. */
export interface GpuOptions {
  /**
   * Options for Dawn's `create()` in Node, such as `'backend=vulkan'` or `'adapter=llvmpipe'`
   * (ignored in browsers).
   */
  readonly flags?: readonly string[];
  readonly powerPreference?: GPUPowerPreference;
  /**
   * Caps the size of one storage binding below the adapter's limit; data sets larger than a
   * binding are split into chunks. Mainly for tests.
   */
  readonly maxBindingBytes?: number;
  /**
   * A device to use instead of opening one, so that several models can share it. The model
   * then leaves it open on dispose(); whoever created it destroys it.
   */
  readonly device?: GPUDevice;
}

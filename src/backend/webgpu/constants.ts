/**
 * The WebGPU flag values this library uses, as the specification fixes them. Browsers also
 * define them as globals (GPUBufferUsage, …); Node does not, and a device handed in by the
 * user comes with no guarantee that anyone installed them.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const ShaderStage = { COMPUTE: 0x4 } as const;

export const MapMode = { READ: 0x1 } as const;

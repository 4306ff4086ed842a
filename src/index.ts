/** webgpu-rbm: the parts that run anywhere (Node and browsers). */
export { RBM, type DaydreamOptions, type LoadOptions, type LogPartitionOptions, type PartitionEstimate } from './rbm.js';
export type { BatchReport, EpochMetrics, EpochReport, FitHistory, FitOptions, MetricName } from './fit-options.js';
export type { ReconstructionError } from './evaluation/metrics.js';
export { MAX_EXACT_UNITS } from './backend/exact-partition.js';
export { DEFAULTS, type DeviceChoice, type MomentumStep, type Objective, type RbmOptions, type ResolvedOptions, type HiddenType, type VisibleType } from './options.js';
export { matrix, row, toArrays, type Matrix, type MatrixInput } from './matrix.js';
export type { DeviceInfo, Parameters, TrainingRule } from './backend/backend.js';
export {
  BackendUnavailableError,
  DataFormatError,
  DivergenceError,
  FileAccessError,
  GpuError,
  InvalidArgumentError,
  NonFiniteError,
  NonNormalisableError,
  RbmError,
  TrainingInterruptedError,
} from './errors.js';
export type { EpochProgress, History, ModelConfig, ModelState, RunInfo } from './state.js';
export { decodeModel, decodeStack, encodeModel, encodeStack } from './io/model-file.js';
export { DBN, type DbnFitOptions, type DbnOptions, type LayerOptions } from './dbn.js';
export type { GpuOptions } from './gpu-options.js';
export { browserPlatform, currentPlatform, installPlatform, setGpuProvider, type GpuProvider, type Platform } from './platform/platform.js';
export { hideMask, masked, type HiddenRegion } from './masks.js';
export { idxToMatrix, parseIdx, type IdxArray, type IdxData } from './data/idx.js';
export { encodeNpy, npyToMatrix, parseNpy, type NpyArray, type NpyData } from './data/npy.js';
export { isRowSource, type RowSource } from './data/row-source.js';
export type { RowsInMemory, RowsInput } from './data/rows.js';
export { isPixelMatrix, PIXEL_VALUES, type PixelMatrix } from './pixels.js';
export { formatTextMatrix, parseTextMatrix } from './data/text.js';
export { formatLossFile } from './io/loss-file.js';

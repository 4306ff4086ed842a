/** Base class of every error this library throws on purpose; `code` is stable for programs. */
export class RbmError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument or option has the wrong type, shape or value; `argument` names it. */
export class InvalidArgumentError extends RbmError {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super('INVALID_ARGUMENT', `${argument}: ${message}`);
    this.argument = argument;
  }
}

/** A file or byte buffer is not in the format it claims; `source` names it. */
export class DataFormatError extends RbmError {
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super('DATA_FORMAT', `${source}: ${message}`, options);
    this.source = source;
  }
}

/** The requested compute backend cannot be used here; the message says how to get one. */
export class BackendUnavailableError extends RbmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/** A file could not be read or written; `path` names it and `cause` holds the system error. */
export class FileAccessError extends RbmError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('FILE_ACCESS', `${path}: ${message}`, options);
    this.path = path;
  }
}

/**
 * The GPU reported a failure: `kind` says which ('validation', 'out-of-memory', 'internal' or
 * 'device-lost'). The model keeps the parameters of its last completed epoch.
 */
export class GpuError extends RbmError {
  readonly kind: 'validation' | 'out-of-memory' | 'internal' | 'device-lost';
  constructor(kind: GpuError['kind'], message: string, options?: { cause?: unknown }) {
    super(`GPU_${kind.toUpperCase().replace(/-/g, '_')}`, message, options);
    this.kind = kind;
  }
}

/**
 * Training produced a non-finite KL divergence or parameter (usually a learning rate that is
 * too high). The model keeps the parameters it had before the epoch (`epoch`, 1-based) began.
 */
export class NonFiniteError extends RbmError {
  readonly epoch: number;
  readonly batch: number;
  constructor(epoch: number, batch: number, message: string) {
    super('NON_FINITE', message);
    this.epoch = epoch;
    this.batch = batch;
  }
}

/**
 * Training exploded without leaving the finite numbers: an epoch's KL divergence is beyond
 * what any model that is still learning gives (usually a learning rate far too high). The
 * model keeps the parameters it had before the epoch (`epoch`, 1-based) began.
 */
export class DivergenceError extends RbmError {
  readonly epoch: number;
  readonly klDivergence: number;
  constructor(epoch: number, klDivergence: number, message: string) {
    super('DIVERGED', message);
    this.epoch = epoch;
    this.klDivergence = klDivergence;
  }
}

/**
 * The model has no finite normaliser: its Gibbs chains run off to infinity and its log Z is
 * infinite. Gaussian visible units with Gaussian or ReLU hidden units need the hidden units'
 * precisions to outweigh the coupling (docs/layers.md, "Gaussian visible units with real-valued
 * hidden units"); every other pair of unit types is normalisable.
 */
export class NonNormalisableError extends RbmError {
  constructor(message: string) {
    super('NON_NORMALISABLE', message);
  }
}

/** `fit` was stopped through its AbortSignal; the model is consistent and can continue training. */
export class TrainingInterruptedError extends RbmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERRUPTED', message, options);
  }
}

/** A value's type, for a message about a wrong argument. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return typeof value;
}

import { ShaderStage } from './constants.js';
import gather from '../../../shaders/gather.wgsl';
import gatherPixels from '../../../shaders/gather-pixels.wgsl';
import gradient from '../../../shaders/gradient.wgsl';
import lossReduce from '../../../shaders/loss-reduce.wgsl';
import matmul from '../../../shaders/matmul.wgsl';
import philox from '../../../shaders/philox.wgsl';
import tile from '../../../shaders/tile.wgsl';
import update from '../../../shaders/update.wgsl';
import finite from '../../../shaders/finite.wgsl';
import centredBiases from '../../../shaders/centred-biases.wgsl';
import hiddenOffset from '../../../shaders/hidden-offset.wgsl';
import partition from '../../../shaders/partition.wgsl';
import logistic from '../../../shaders/logistic.wgsl';
import annealProduct from '../../../shaders/anneal-product.wgsl';
import annealWeights from '../../../shaders/anneal-weights.wgsl';
import temperedEnergy from '../../../shaders/tempered-energy.wgsl';
import temperedSwap from '../../../shaders/tempered-swap.wgsl';
import temperedStatistics from '../../../shaders/tempered-statistics.wgsl';
import gaussian from '../../../shaders/gaussian.wgsl';
import gaussianVisible from '../../../shaders/gaussian-visible.wgsl';
import logVariance from '../../../shaders/log-variance.wgsl';
import partials from '../../../shaders/partials.wgsl';
import labelGather from '../../../shaders/label-gather.wgsl';
import classScores from '../../../shaders/class-scores.wgsl';
import labelTerm from '../../../shaders/label-term.wgsl';
import labelUpdate from '../../../shaders/label-update.wgsl';
import labelDraw from '../../../shaders/label-draw.wgsl';
import softmaxGroups from '../../../shaders/softmax-groups.wgsl';
import softmaxLoss from '../../../shaders/softmax-loss.wgsl';
import clamp from '../../../shaders/clamp.wgsl';
import { GpuError } from '../../errors.js';
import { ANNEAL_WG, CHAIN_WG, ELEMENTWISE, Epilogue, MATMUL, type MatmulShape, prelude, REDUCE_WG, UNITS_WG, WIDE } from './params.js';
import { structDeclarations } from './uniforms.js';

type Slot = 'read' | 'write' | 'uniform';

function bindGroupLayout(device: GPUDevice, label: string, slots: readonly Slot[], dynamic = false): GPUBindGroupLayout {
  const kinds: Record<Slot, GPUBufferBindingType> = { read: 'read-only-storage', write: 'storage', uniform: 'uniform' };
  return device.createBindGroupLayout({
    label,
    entries: slots.map((slot, binding) => ({
      binding,
      visibility: ShaderStage.COMPUTE,
      buffer: { type: kinds[slot], hasDynamicOffset: dynamic },
    })),
  });
}

/**
 * How a kernel's group 1 holds its Step: at a dynamic offset into one buffer (a batch's steps),
 * or `fixed`, one bind group per step (the Gibbs loop's half steps: lavapipe copies a descriptor
 * set at every dynamic-offset bind, about 0.14 ms, more than a narrow matmul takes).
 */
export type StepBinding = 'dynamic' | 'fixed';

/** The bind group layouts of every kernel: group 0 per kernel, group 1 the per-batch Step (AIS's: the per-step AnnealStep). */
export interface Layouts {
  readonly step: GPUBindGroupLayout;
  /** The Step without a dynamic offset (StepBinding 'fixed'). */
  readonly fixedStep: GPUBindGroupLayout;
  readonly annealStep: GPUBindGroupLayout;
  readonly matmul: GPUBindGroupLayout;
  readonly gradient: GPUBindGroupLayout;
  readonly update: GPUBindGroupLayout;
  readonly centredBiases: GPUBindGroupLayout;
  readonly hiddenOffset: GPUBindGroupLayout;
  readonly lossReduce: GPUBindGroupLayout;
  readonly gather: GPUBindGroupLayout;
  readonly gatherPixels: GPUBindGroupLayout;
  readonly partition: GPUBindGroupLayout;
  readonly annealProduct: GPUBindGroupLayout;
  readonly annealWeights: GPUBindGroupLayout;
  readonly temperedEnergy: GPUBindGroupLayout;
  readonly temperedSwap: GPUBindGroupLayout;
  readonly temperedStatistics: GPUBindGroupLayout;
  readonly gaussianVisible: GPUBindGroupLayout;
  readonly logVariance: GPUBindGroupLayout;
  readonly labelGather: GPUBindGroupLayout;
  readonly classScores: GPUBindGroupLayout;
  readonly labelTerm: GPUBindGroupLayout;
  readonly labelUpdate: GPUBindGroupLayout;
  readonly labelDraw: GPUBindGroupLayout;
  readonly softmaxGroups: GPUBindGroupLayout;
  readonly softmaxLoss: GPUBindGroupLayout;
  readonly clamp: GPUBindGroupLayout;
}

/** One matmul variant: whether B is Wᵀ, what its epilogue computes, and whether it runs parallel tempering's chains. */
export interface MatmulVariant {
  readonly transposeB: boolean;
  readonly epilogue: Epilogue;
  readonly tempered?: boolean;
  /** With a label layer's rows U_y added to the hidden input (from the aux binding). */
  readonly labelled?: boolean;
  /** The workgroup's shape (matmulShape); WIDE when absent. */
  readonly shape?: MatmulShape;
  readonly step?: StepBinding;
  /** With inpainting's clamp in the sample and probability epilogues (the known flags and values in aux). */
  readonly clamped?: boolean;
}

/**
 * Compiles the shaders and creates each pipeline once, on first use; later requests for the
 * same kernel get the same pipeline.
 */
export class Kernels {
  readonly layouts: Layouts;
  private readonly cache = new Map<string, Promise<GPUComputePipeline>>();
  private readonly modules = new Map<string, GPUShaderModule>();

  constructor(private readonly device: GPUDevice) {
    this.layouts = {
      step: bindGroupLayout(device, 'step', ['uniform'], true),
      fixedStep: bindGroupLayout(device, 'fixed step', ['uniform']),
      annealStep: bindGroupLayout(device, 'anneal step', ['uniform'], true),
      matmul: bindGroupLayout(device, 'matmul', ['read', 'read', 'read', 'write', 'write', 'read', 'write', 'uniform', 'uniform']),
      gradient: bindGroupLayout(device, 'gradient', ['read', 'read', 'write', 'uniform']),
      update: bindGroupLayout(device, 'update', ['read', 'write', 'write', 'write', 'uniform', 'uniform']),
      centredBiases: bindGroupLayout(device, 'centred biases', ['write', 'read', 'write', 'uniform']),
      hiddenOffset: bindGroupLayout(device, 'hidden offset', ['read', 'write', 'write', 'uniform', 'uniform']),
      lossReduce: bindGroupLayout(device, 'loss reduce', ['read', 'write', 'uniform']),
      gather: bindGroupLayout(device, 'gather', ['read', 'read', 'write', 'uniform']),
      gatherPixels: bindGroupLayout(device, 'gather pixels', ['read', 'read', 'write', 'uniform', 'read']),
      partition: bindGroupLayout(device, 'partition', ['read', 'read', 'read', 'read', 'write', 'uniform']),
      annealProduct: bindGroupLayout(device, 'anneal product', ['read', 'read', 'read', 'read', 'read', 'write', 'write', 'uniform']),
      annealWeights: bindGroupLayout(device, 'anneal weights', ['read', 'read', 'read', 'read', 'write', 'write', 'uniform']),
      temperedEnergy: bindGroupLayout(device, 'tempered energy', ['read', 'read', 'read', 'read', 'write', 'uniform']),
      temperedSwap: bindGroupLayout(device, 'tempered swap', ['read', 'read', 'write', 'write', 'write', 'write', 'uniform', 'uniform']),
      temperedStatistics: bindGroupLayout(device, 'tempered statistics', ['read', 'read', 'read', 'write', 'write', 'uniform', 'uniform']),
      gaussianVisible: bindGroupLayout(device, 'gaussian visible', ['read', 'write', 'write', 'uniform', 'uniform']),
      logVariance: bindGroupLayout(device, 'log-variance', ['read', 'read', 'write', 'write', 'write', 'uniform', 'uniform']),
      labelGather: bindGroupLayout(device, 'label gather', ['read', 'read', 'read', 'write', 'write', 'uniform']),
      classScores: bindGroupLayout(device, 'class scores', ['read', 'read', 'read', 'write', 'write', 'uniform']),
      labelTerm: bindGroupLayout(device, 'label term', ['read', 'read', 'read', 'read', 'write', 'write', 'uniform']),
      labelUpdate: bindGroupLayout(device, 'label update', ['read', 'write', 'write', 'read', 'read', 'read', 'write', 'uniform', 'uniform']),
      labelDraw: bindGroupLayout(device, 'label draw', ['read', 'read', 'write', 'write', 'uniform', 'uniform']),
      softmaxGroups: bindGroupLayout(device, 'softmax groups', ['write', 'uniform', 'uniform']),
      softmaxLoss: bindGroupLayout(device, 'softmax loss', ['read', 'read', 'write', 'uniform']),
      clamp: bindGroupLayout(device, 'clamp', ['write', 'read', 'uniform']),
    };
  }

  matmul(v: MatmulVariant): Promise<GPUComputePipeline> {
    const { wgX, wgY, direct } = v.shape ?? WIDE;
    const label = `matmul ${v.transposeB ? 'NT' : 'NN'} ${v.epilogue}${v.tempered ? ' tempered' : ''}${v.labelled ? ' labelled' : ''}${v.clamped ? ' clamped' : ''} ${wgX}×${wgY}${direct ? ' direct' : ''}`;
    return this.stepPipeline(label, v.step, this.layouts.matmul, [philox, tile, matmul], {
      WG_X: wgX,
      WG_Y: wgY,
      TRANSPOSE_B: v.transposeB ? 1 : 0,
      B_CONTIGUOUS_IN_K: v.transposeB ? 1 : 0,
      EPILOGUE: v.epilogue,
      TEMPERED: v.tempered ? 1 : 0,
      LABELLED: v.labelled ? 1 : 0,
      DIRECT: direct ? 1 : 0,
      CLAMPED: v.clamped ? 1 : 0,
    });
  }

  gradient(): Promise<GPUComputePipeline> {
    return this.pipeline('gradient', this.layouts.gradient, [tile, gradient], {
      WG_X: MATMUL.wgX,
      WG_Y: MATMUL.wgY,
      A_CONTIGUOUS_IN_M: 1,
    });
  }

  /** The momentum update; `centred`: with the centred weight gradient, leaving the plain biases to centredBiases. */
  update(centred = false): Promise<GPUComputePipeline> {
    return this.pipeline(centred ? 'update centred' : 'update', this.layouts.update, [finite, partials, update], {
      WG_X: ELEMENTWISE.wgX,
      WG_Y: ELEMENTWISE.wgY,
      CENTRED: centred ? 1 : 0,
    });
  }

  centredBiases(): Promise<GPUComputePipeline> {
    return this.pipeline('centred biases', this.layouts.centredBiases, [finite, centredBiases], { WG_SIZE: UNITS_WG });
  }

  hiddenOffset(): Promise<GPUComputePipeline> {
    return this.pipeline('hidden offset', this.layouts.hiddenOffset, [finite, hiddenOffset], { WG_SIZE: UNITS_WG });
  }

  /** The batch's loss from the loss epilogue's partial sums: the KL, or with `squaredError` the mean squared error. */
  lossReduce(squaredError = false): Promise<GPUComputePipeline> {
    return this.pipeline(squaredError ? 'loss reduce squared error' : 'loss reduce', this.layouts.lossReduce, [lossReduce], { WG_SIZE: REDUCE_WG, SQUARED_ERROR: squaredError ? 1 : 0 });
  }

  /** Gaussian visible units: the noise σ ⊙ n on a block of visible means, and the block divided by σ². */
  gaussianVisible(step?: StepBinding): Promise<GPUComputePipeline> {
    return this.stepPipeline('gaussian visible', step, this.layouts.gaussianVisible, [philox, logistic, gaussian, gaussianVisible], {
      WG_X: ELEMENTWISE.wgX,
      WG_Y: ELEMENTWISE.wgY,
    });
  }

  /** Gaussian visible units: the log-variances' gradient and momentum step, before the update. */
  logVariance(): Promise<GPUComputePipeline> {
    return this.pipeline('log-variance', this.layouts.logVariance, [finite, philox, logistic, gaussian, partials, logVariance], { WG_SIZE: UNITS_WG });
  }

  gather(): Promise<GPUComputePipeline> {
    return this.pipeline('gather', this.layouts.gather, [gather], { WG_X: ELEMENTWISE.wgX, WG_Y: ELEMENTWISE.wgY });
  }

  /** gather for 8-bit data (gather-pixels.wgsl). */
  gatherPixels(): Promise<GPUComputePipeline> {
    return this.pipeline('gather pixels', this.layouts.gatherPixels, [gatherPixels], { WG_X: ELEMENTWISE.wgX, WG_Y: ELEMENTWISE.wgY });
  }

  /** A label layer's batch: its classes and their rows U_y (label-gather.wgsl). */
  labelGather(): Promise<GPUComputePipeline> {
    return this.pipeline('label gather', this.layouts.labelGather, [labelGather], { WG_X: ELEMENTWISE.wgX, WG_Y: ELEMENTWISE.wgY });
  }

  /** Class scores, one workgroup per row; `posterior`: as p(y | x) with each row's loss (training). */
  classScores(posterior: boolean): Promise<GPUComputePipeline> {
    const label = posterior ? 'class posterior' : 'class scores';
    return this.pipeline(label, this.layouts.classScores, [logistic, classScores], { WG_SIZE: CHAIN_WG, POSTERIOR: posterior ? 1 : 0 });
  }

  /** The discriminative hidden term, or with `combine` its sum with the weighted generative statistics. */
  labelTerm(combine: boolean): Promise<GPUComputePipeline> {
    const label = combine ? 'label combine' : 'label term';
    return this.pipeline(label, this.layouts.labelTerm, [logistic, labelTerm], { WG_X: ELEMENTWISE.wgX, WG_Y: ELEMENTWISE.wgY, COMBINE: combine ? 1 : 0 });
  }

  /** A label layer's gradient and momentum step. */
  labelUpdate(): Promise<GPUComputePipeline> {
    return this.pipeline('label update', this.layouts.labelUpdate, [finite, logistic, labelUpdate], { WG_X: ELEMENTWISE.wgX, WG_Y: ELEMENTWISE.wgY });
  }

  /** The generative chain's label draws, one thread per row. */
  labelDraw(): Promise<GPUComputePipeline> {
    return this.pipeline('label draw', this.layouts.labelDraw, [philox, labelDraw], { WG_SIZE: UNITS_WG });
  }

  /** Softmax visible groups: probabilities, one-hot draws, missing groups zeroed (softmax-groups.wgsl). */
  softmaxGroups(step?: StepBinding): Promise<GPUComputePipeline> {
    return this.stepPipeline('softmax groups', step, this.layouts.softmaxGroups, [philox, softmaxGroups], { WG_X: ELEMENTWISE.wgX, WG_Y: ELEMENTWISE.wgY });
  }

  /** The batch's softmax cross-entropy, one workgroup. */
  softmaxLoss(): Promise<GPUComputePipeline> {
    return this.pipeline('softmax loss', this.layouts.softmaxLoss, [softmaxLoss], { WG_SIZE: REDUCE_WG });
  }

  /** Inpainting: the known units take their values again after a visible half step. */
  clamp(step?: StepBinding): Promise<GPUComputePipeline> {
    return this.stepPipeline('clamp', step, this.layouts.clamp, [clamp], { WG_X: ELEMENTWISE.wgX, WG_Y: ELEMENTWISE.wgY });
  }

  /** Forgets the pipelines and modules (their GPU objects go with the device or the garbage collector). */
  destroy(): void {
    this.cache.clear();
    this.modules.clear();
  }

  /** The exact log Z's terms; `gaussianUnits`: over the hidden states with Gaussian visible units integrated out. */
  partition(gaussianUnits = false): Promise<GPUComputePipeline> {
    const label = gaussianUnits ? 'partition gaussian' : 'partition';
    return this.pipeline(label, this.layouts.partition, [philox, logistic, gaussian, partition], { WG_SIZE: REDUCE_WG, GAUSSIAN: gaussianUnits ? 1 : 0 }, null);
  }

  /**
   * AIS's product over all chains: `up`, the hidden inputs c + v·W; down, the visible draws at β.
   * `gaussianUnits`: with Gaussian visible units (their base model N(b, σ²)).
   */
  annealProduct(up: boolean, gaussianUnits = false): Promise<GPUComputePipeline> {
    const constants = { WG_X: MATMUL.wgX, WG_Y: MATMUL.wgY, UP: up ? 1 : 0, B_CONTIGUOUS_IN_K: up ? 0 : 1, GAUSSIAN: gaussianUnits ? 1 : 0 };
    const label = `anneal ${up ? 'up' : 'down'}${gaussianUnits ? ' gaussian' : ''}`;
    return this.pipeline(label, this.layouts.annealProduct, [philox, logistic, tile, gaussian, annealProduct], constants, this.layouts.annealStep);
  }

  /** AIS's weight increments and hidden draws, one workgroup per chain (`gaussianUnits`: without a visible term). */
  annealWeights(gaussianUnits = false): Promise<GPUComputePipeline> {
    const label = `anneal weights${gaussianUnits ? ' gaussian' : ''}`;
    return this.pipeline(label, this.layouts.annealWeights, [philox, logistic, annealWeights], { WG_SIZE: ANNEAL_WG, GAUSSIAN: gaussianUnits ? 1 : 0 }, this.layouts.annealStep);
  }

  /** Parallel tempering: each chain's energy E = −(h·(c + v·W) + b·v), one workgroup per chain. */
  temperedEnergy(): Promise<GPUComputePipeline> {
    return this.pipeline('tempered energy', this.layouts.temperedEnergy, [temperedEnergy], { WG_SIZE: CHAIN_WG });
  }

  /** Parallel tempering: the swaps a sweep offers neighbouring temperatures, one thread per batch row. */
  temperedSwap(): Promise<GPUComputePipeline> {
    return this.pipeline('tempered swap', this.layouts.temperedSwap, [philox, temperedSwap], { WG_SIZE: UNITS_WG });
  }

  /** Parallel tempering: the β = 1 chains' statistics into the stacked batch's lower halves. */
  temperedStatistics(): Promise<GPUComputePipeline> {
    return this.pipeline('tempered statistics', this.layouts.temperedStatistics, [logistic, temperedStatistics], {
      WG_X: ELEMENTWISE.wgX,
      WG_Y: ELEMENTWISE.wgY,
    });
  }

  /** A kernel whose group 1 is the Step, bound as `step` says (dynamic when absent). */
  private stepPipeline(label: string, step: StepBinding | undefined, layout: GPUBindGroupLayout, sources: readonly string[], constants: Record<string, number>): Promise<GPUComputePipeline> {
    return step === 'fixed' ? this.pipeline(`${label} (fixed step)`, layout, sources, constants, this.layouts.fixedStep) : this.pipeline(label, layout, sources, constants);
  }

  /** `perStep`: group 1's layout, null for a kernel with group 0 alone. */
  private pipeline(
    label: string,
    layout: GPUBindGroupLayout,
    sources: readonly string[],
    constants: Record<string, number>,
    perStep: GPUBindGroupLayout | null = this.layouts.step,
  ): Promise<GPUComputePipeline> {
    let pipeline = this.cache.get(label);
    if (!pipeline) {
      // Callers run inside an error scope (guarded); a failed pipeline rejects on its own too.
      pipeline = this.device
        .createComputePipelineAsync({
          label,
          layout: this.device.createPipelineLayout({ bindGroupLayouts: perStep ? [layout, perStep] : [layout] }),
          compute: { module: this.module(sources), entryPoint: 'main', constants },
        })
        .catch((error: unknown) => {
          throw new GpuError('validation', `creating the ${label} pipeline: ${(error as Error).message}`, { cause: error });
        });
      this.cache.set(label, pipeline);
    }
    return pipeline;
  }

  private module(sources: readonly string[]): GPUShaderModule {
    const code = prelude() + structDeclarations() + sources.join('\n');
    let module = this.modules.get(code);
    if (!module) {
      module = this.device.createShaderModule({ code });
      this.modules.set(code, module);
    }
    return module;
  }
}

import { ShaderStage } from './constants.js';
import gather from '../../../shaders/gather.wgsl';
import gradient from '../../../shaders/gradient.wgsl';
import kl from '../../../shaders/kl.wgsl';
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
import { GpuError } from '../../errors.js';
import { ANNEAL_WG, CHAIN_WG, ELEMENTWISE, Epilogue, MATMUL, prelude, REDUCE_WG, UNITS_WG } from './params.js';
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

/** The bind group layouts of every kernel: group 0 per kernel, group 1 the per-batch Step (AIS's: the per-step AnnealStep). */
export interface Layouts {
  readonly step: GPUBindGroupLayout;
  readonly annealStep: GPUBindGroupLayout;
  readonly matmul: GPUBindGroupLayout;
  readonly gradient: GPUBindGroupLayout;
  readonly update: GPUBindGroupLayout;
  readonly centredBiases: GPUBindGroupLayout;
  readonly hiddenOffset: GPUBindGroupLayout;
  readonly kl: GPUBindGroupLayout;
  readonly gather: GPUBindGroupLayout;
  readonly partition: GPUBindGroupLayout;
  readonly annealProduct: GPUBindGroupLayout;
  readonly annealWeights: GPUBindGroupLayout;
  readonly temperedEnergy: GPUBindGroupLayout;
  readonly temperedSwap: GPUBindGroupLayout;
  readonly temperedStatistics: GPUBindGroupLayout;
}

/** One matmul variant: whether B is Wᵀ, what its epilogue computes, and whether it runs parallel tempering's chains. */
export interface MatmulVariant {
  readonly transposeB: boolean;
  readonly epilogue: Epilogue;
  readonly tempered?: boolean;
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
      annealStep: bindGroupLayout(device, 'anneal step', ['uniform'], true),
      matmul: bindGroupLayout(device, 'matmul', ['read', 'read', 'read', 'write', 'write', 'read', 'write', 'uniform', 'uniform']),
      gradient: bindGroupLayout(device, 'gradient', ['read', 'read', 'write', 'uniform']),
      update: bindGroupLayout(device, 'update', ['read', 'write', 'write', 'write', 'uniform', 'uniform']),
      centredBiases: bindGroupLayout(device, 'centred biases', ['write', 'read', 'write', 'uniform']),
      hiddenOffset: bindGroupLayout(device, 'hidden offset', ['read', 'write', 'write', 'uniform', 'uniform']),
      kl: bindGroupLayout(device, 'kl', ['read', 'write', 'uniform']),
      gather: bindGroupLayout(device, 'gather', ['read', 'read', 'write', 'uniform']),
      partition: bindGroupLayout(device, 'partition', ['read', 'read', 'read', 'write', 'uniform']),
      annealProduct: bindGroupLayout(device, 'anneal product', ['read', 'read', 'read', 'read', 'read', 'write', 'write', 'uniform']),
      annealWeights: bindGroupLayout(device, 'anneal weights', ['read', 'read', 'read', 'read', 'write', 'write', 'uniform']),
      temperedEnergy: bindGroupLayout(device, 'tempered energy', ['read', 'read', 'read', 'read', 'write', 'uniform']),
      temperedSwap: bindGroupLayout(device, 'tempered swap', ['read', 'read', 'write', 'write', 'write', 'write', 'uniform', 'uniform']),
      temperedStatistics: bindGroupLayout(device, 'tempered statistics', ['read', 'read', 'read', 'write', 'write', 'uniform', 'uniform']),
    };
  }

  matmul(v: MatmulVariant): Promise<GPUComputePipeline> {
    const label = `matmul ${v.transposeB ? 'NT' : 'NN'} ${v.epilogue}${v.tempered ? ' tempered' : ''}`;
    return this.pipeline(label, this.layouts.matmul, [philox, tile, matmul], {
      WG_X: MATMUL.wgX,
      WG_Y: MATMUL.wgY,
      TRANSPOSE_B: v.transposeB ? 1 : 0,
      B_CONTIGUOUS_IN_K: v.transposeB ? 1 : 0,
      EPILOGUE: v.epilogue,
      TEMPERED: v.tempered ? 1 : 0,
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
    return this.pipeline(centred ? 'update centred' : 'update', this.layouts.update, [finite, update], {
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

  kl(): Promise<GPUComputePipeline> {
    return this.pipeline('kl', this.layouts.kl, [kl], { WG_SIZE: REDUCE_WG });
  }

  gather(): Promise<GPUComputePipeline> {
    return this.pipeline('gather', this.layouts.gather, [gather], { WG_X: ELEMENTWISE.wgX, WG_Y: ELEMENTWISE.wgY });
  }

  /** Forgets the pipelines and modules (their GPU objects go with the device or the garbage collector). */
  destroy(): void {
    this.cache.clear();
    this.modules.clear();
  }

  partition(): Promise<GPUComputePipeline> {
    return this.pipeline('partition', this.layouts.partition, [partition], { WG_SIZE: REDUCE_WG }, null);
  }

  /** AIS's product over all chains: `up`, the hidden inputs c + v·W; down, the visible draws at β. */
  annealProduct(up: boolean): Promise<GPUComputePipeline> {
    const constants = { WG_X: MATMUL.wgX, WG_Y: MATMUL.wgY, UP: up ? 1 : 0, B_CONTIGUOUS_IN_K: up ? 0 : 1 };
    return this.pipeline(`anneal ${up ? 'up' : 'down'}`, this.layouts.annealProduct, [philox, logistic, tile, annealProduct], constants, this.layouts.annealStep);
  }

  /** AIS's weight increments and hidden draws, one workgroup per chain. */
  annealWeights(): Promise<GPUComputePipeline> {
    return this.pipeline('anneal weights', this.layouts.annealWeights, [philox, logistic, annealWeights], { WG_SIZE: ANNEAL_WG }, this.layouts.annealStep);
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

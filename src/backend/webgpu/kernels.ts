/**
 * The pipeline cache: each program variant (programs.ts) is compiled once per device, on first
 * use, with the WGSL constants, the uniform structs and its bindings' declarations prepended;
 * later requests for it get the same pipeline. A Kernel binds its program's group 0 by name.
 */
import { GpuError } from '../../errors.js';
import type { Dispatch } from './dispatch.js';
import { prelude } from './params.js';
import { bindGroupEntries, bindingDeclarations, layoutEntries, type Bindings, type Program, type ProgramShape, type Resources, type StepBinding } from './program.js';
import { ShaderStage } from './constants.js';
import { structDeclarations } from './uniforms.js';

/** A compiled program variant: its pipeline, and bind groups of its group 0 made by name. */
export class Kernel<B extends Bindings> {
  constructor(
    private readonly device: GPUDevice,
    readonly program: ProgramShape<B>,
    /** Group 0's layout, shared by every variant of the program. */
    readonly layout: GPUBindGroupLayout,
    readonly pipeline: GPUComputePipeline,
  ) {}

  /** A group 0 bind group with a buffer for each binding, by name (any variant of the program takes it). */
  bind(label: string, resources: Resources<B>): GPUBindGroup {
    return this.device.createBindGroup({ label, layout: this.layout, entries: bindGroupEntries(this.program, resources) });
  }

  /** This pipeline over x × y × z workgroups with a new bind group of `resources`. */
  dispatch(label: string, resources: Resources<B>, x: number, y = 1, z?: number): Dispatch {
    return [this.pipeline, this.bind(label, resources), x, y, z];
  }
}

/** The Kernel of a program family: `KernelOf<typeof matmul>`. */
export type KernelOf<P> = P extends ProgramShape<infer B> ? Kernel<B> : never;

/** A program's options, with how its group 1 is bound (dynamic when absent; a program without one ignores it). */
type KernelOptions<O extends object> = O & { readonly step?: StepBinding };
/** The options may be left out where every one is optional. */
type OptionsArgument<O extends object> = Record<never, never> extends O ? [options?: KernelOptions<O>] : [options: KernelOptions<O>];

/**
 * Compiles each program variant once, on first use (keyed by the program, its constants, its
 * snippets and how its group 1 is bound), and keeps one group 0 layout per program and the two
 * group 1 layouts.
 */
export class Kernels {
  private readonly pipelines = new Map<string, Promise<Kernel<Bindings>>>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly layouts = new Map<ProgramShape, GPUBindGroupLayout>();
  private readonly stepLayouts: Readonly<Record<StepBinding, GPUBindGroupLayout>>;

  constructor(private readonly device: GPUDevice) {
    const stepLayout = (binding: StepBinding) =>
      device.createBindGroupLayout({
        label: `${binding} step`,
        entries: [{ binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: binding === 'dynamic' } }],
      });
    this.stepLayouts = { dynamic: stepLayout('dynamic'), fixed: stepLayout('fixed') };
  }

  /** `program`'s pipeline for `options` (compiled on the first request). */
  get<B extends Bindings, O extends object>(program: Program<B, O>, ...[options]: OptionsArgument<O>): Promise<Kernel<B>> {
    const chosen = (options ?? {}) as KernelOptions<O>;
    const variant = program.variant(chosen);
    const step = program.step ? (chosen.step ?? 'dynamic') : undefined;
    const snippets = variant.snippets ?? [];
    const key = [program.name, step ?? 'none', JSON.stringify(variant.constants), ...snippets.map((s) => s.wgsl)].join('\u0000');
    let kernel = this.pipelines.get(key);
    if (!kernel) {
      const words = [program.name, variant.label, ...snippets.map((s) => s.name), step === 'fixed' ? '(fixed step)' : undefined];
      const label = words.filter((w) => w).join(' ');
      const layout = this.layout(program);
      const code = prelude() + structDeclarations() + bindingDeclarations(program) + [...program.sources, ...snippets.map((s) => s.wgsl)].join('\n');
      // Callers run inside an error scope (guarded); a failed pipeline rejects on its own too.
      kernel = this.device
        .createComputePipelineAsync({
          label,
          layout: this.device.createPipelineLayout({ label, bindGroupLayouts: step ? [layout, this.stepLayouts[step]] : [layout] }),
          compute: { module: this.module(code), entryPoint: 'main', constants: variant.constants },
        })
        .then((pipeline) => new Kernel<Bindings>(this.device, program, layout, pipeline))
        .catch((error: unknown) => {
          throw new GpuError('validation', `creating the ${label} pipeline: ${(error as Error).message}`, { cause: error });
        });
      this.pipelines.set(key, kernel);
    }
    return kernel as Promise<Kernel<B>>;
  }

  /** Group 1: the per-step struct at `offset` of `buffer` (`size` bytes), bound as `binding` says. */
  stepGroup(label: string, buffer: GPUBuffer, size: number, binding: StepBinding = 'dynamic', offset = 0): GPUBindGroup {
    return this.device.createBindGroup({ label, layout: this.stepLayouts[binding], entries: [{ binding: 0, resource: { buffer, offset, size } }] });
  }

  /** Forgets the pipelines, modules and layouts (their GPU objects go with the device or the garbage collector). */
  destroy(): void {
    this.pipelines.clear();
    this.modules.clear();
    this.layouts.clear();
  }

  private layout(program: ProgramShape): GPUBindGroupLayout {
    let layout = this.layouts.get(program);
    if (!layout) {
      layout = this.device.createBindGroupLayout({ label: program.name, entries: layoutEntries(program) });
      this.layouts.set(program, layout);
    }
    return layout;
  }

  private module(code: string): GPUShaderModule {
    let module = this.modules.get(code);
    if (!module) {
      module = this.device.createShaderModule({ code });
      this.modules.set(code, module);
    }
    return module;
  }
}

/**
 * What a GPU program is, described once: its WGSL sources, its bindings by name in the order of
 * their `@binding` numbers, its override constants per variant, and what its group 1 holds. The
 * bindings' WGSL declarations (prepended to the module, as uniforms.ts does for the structs),
 * the bind group layout and the bind groups all come from the one description, so the host and
 * the shader cannot disagree on a binding's place, and a call site names what it binds.
 */
import { ShaderStage } from './constants.js';

/** How a kernel reads a binding: a read-only or read-write storage buffer, or a uniform struct. */
export type Access = 'read' | 'write' | 'uniform';

export interface BindingSpec {
  readonly access: Access;
  /** Its WGSL type: `array<f32>`, `atomic<u32>`, … for storage, the struct's name for a uniform. */
  readonly type: string;
}

/** A read-only storage binding (`array<f32>` unless told). */
export const read = (type = 'array<f32>'): BindingSpec => ({ access: 'read', type });
/** A read-write storage binding (`array<f32>` unless told). */
export const write = (type = 'array<f32>'): BindingSpec => ({ access: 'write', type });
/** A uniform binding holding one struct of uniforms.ts. */
export const uniform = (struct: { readonly name: string }): BindingSpec => ({ access: 'uniform', type: struct.name });

/** A program's group 0, binding name → spec, in binding order. */
export type Bindings = Readonly<Record<string, BindingSpec>>;

/** A buffer (or a range of one) for every binding of `B`, by name. */
export type Resources<B extends Bindings> = { readonly [K in keyof B]: GPUBuffer | GPUBufferBinding };

/**
 * How a kernel's group 1 holds its per-step struct: at a dynamic offset into one buffer (a
 * batch's steps), or `fixed`, one bind group per step (the Gibbs loop's half steps: lavapipe
 * copies a descriptor set at every dynamic-offset bind, about 0.14 ms, more than a narrow matmul
 * takes).
 */
export type StepBinding = 'dynamic' | 'fixed';

/** A named piece of WGSL spliced into a program's module (a unit type's functions, say). */
export interface Snippet {
  /** Goes into the pipeline's label. */
  readonly name: string;
  /** Goes into the module and the pipeline's cache key. */
  readonly wgsl: string;
}

/** What one variant of a program family compiles with. */
export interface Variant {
  /** Words that tell this variant from the family's others, for the pipeline's label. */
  readonly label?: string;
  /** The WGSL `override` constants. */
  readonly constants: Readonly<Record<string, number>>;
  /** WGSL appended to the family's sources; part of the pipeline's cache key. */
  readonly snippets?: readonly Snippet[];
}

/** A program family apart from its variants: enough to declare its bindings and bind them. */
export interface ProgramShape<B extends Bindings = Bindings> {
  /** The family's name: labels, error messages, the cache key. */
  readonly name: string;
  readonly sources: readonly string[];
  readonly bindings: B;
  /** Group 1's struct (Step, AIS's AnnealStep), bound per step as the pipeline's StepBinding says; null: group 0 alone. */
  readonly step: { readonly name: string; readonly size: number } | null;
}

/** A program family: its shape, and the constants and snippets each variant (`O`) compiles with. */
export interface Program<B extends Bindings = Bindings, O extends object = NoOptions> extends ProgramShape<B> {
  variant(options: O): Variant;
}

/** The options of a program with a single variant. */
export type NoOptions = Record<never, never>;

/** Declares a program family (the binding names keep their literal types for Resources). */
export function program<const B extends Bindings, O extends object = NoOptions>(description: Program<B, O>): Program<B, O> {
  return description;
}

const declared: Record<Access, string> = { read: 'storage, read', write: 'storage, read_write', uniform: 'uniform' };

/** The WGSL declarations of `program`'s bindings: group 0 in description order, then group 1's `step`. */
export function bindingDeclarations(program: ProgramShape): string {
  const lines = Object.entries(program.bindings).map(([name, spec], binding) => `@group(0) @binding(${binding}) var<${declared[spec.access]}> ${name}: ${spec.type};`);
  if (program.step) lines.push(`@group(1) @binding(0) var<uniform> step: ${program.step.name};`);
  return lines.join('\n') + '\n';
}

const bufferTypes: Record<Access, GPUBufferBindingType> = { read: 'read-only-storage', write: 'storage', uniform: 'uniform' };

/** The entries of `program`'s group 0 layout. */
export function layoutEntries(program: ProgramShape): GPUBindGroupLayoutEntry[] {
  return Object.values(program.bindings).map((spec, binding) => ({
    binding,
    visibility: ShaderStage.COMPUTE,
    buffer: { type: bufferTypes[spec.access] },
  }));
}

/** The entries of a group 0 bind group, each resource at its binding's place; throws naming a binding missing or unknown. */
export function bindGroupEntries<B extends Bindings>(program: ProgramShape<B>, resources: Resources<B>): GPUBindGroupEntry[] {
  const given = resources as Readonly<Record<string, GPUBuffer | GPUBufferBinding | undefined>>;
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(program.bindings, name));
  if (unknown.length > 0) throw new TypeError(`the ${program.name} program has no binding ${unknown.join(', ')}`);
  return Object.keys(program.bindings).map((name, binding) => {
    const resource = given[name];
    if (!resource) throw new TypeError(`the ${program.name} program's binding ${name} is missing`);
    return { binding, resource: 'buffer' in resource ? resource : { buffer: resource } };
  });
}

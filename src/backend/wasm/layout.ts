import control from './control.json';

/** Byte offset of each slot of the control block (control.json, shared with the kernels). */
export const Slot = Object.fromEntries(control.slots.map((name, i) => [name, i * 4])) as Record<
  (typeof control.slots)[number],
  number
>;
export const FLOAT_SLOTS: ReadonlySet<string> = new Set(control.floatSlots);
export const Command = control.commands;

/** Where the control block lives; the kernels keep their own data below 64 KiB (--memoryBase). */
export const CONTROL_ADDRESS = 4096;
/** The first byte the host hands out. */
export const HEAP_START = 131072;
const PAGE = 65536;
const ALIGN = 64;

/**
 * Hands out 64-byte-aligned regions of the shared memory, growing it as needed. `reset`
 * returns to a mark, so that the regions of a finished fit are reused by the next.
 */
export class MemoryPlan {
  private top = HEAP_START;

  constructor(readonly memory: WebAssembly.Memory) {}

  allocate(bytes: number): number {
    const at = this.top;
    this.top = Math.ceil((at + Math.max(bytes, 4)) / ALIGN) * ALIGN;
    const needed = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) this.memory.grow(needed);
    return at;
  }

  mark(): number {
    return this.top;
  }

  reset(mark: number): void {
    this.top = mark;
  }
}

import { afterAll, expect } from 'vitest';
import { modelShape, type Backend, type ModelShape } from '../src/backend/backend.js';
import { WasmBackend, wasmSupported } from '../src/backend/wasm/wasm-backend.js';
import { nodeWorkerFactory } from '../src/platform/node-workers.js';

/**
 * A test file's maker of WebAssembly backends (V × H, `threads` workers, softmax groups of
 * `softmax` units when given), each disposed after the file's tests. Fails, never skips, where
 * the engine lacks WebAssembly SIMD, shared memory or workers.
 */
export function wasmBackends(): (V: number, H: number, threads: number, kind?: Partial<ModelShape>) => Promise<WasmBackend> {
  const open: Backend[] = [];
  afterAll(async () => {
    for (const b of open) await b.dispose();
  });
  return async (V, H, threads, kind = {}) => {
    expect(wasmSupported(nodeWorkerFactory), 'this engine runs WebAssembly SIMD with shared memory and workers').toBe(true);
    const b = await WasmBackend.create(modelShape({ ...kind, visible: V, hidden: H }), nodeWorkerFactory, threads);
    open.push(b);
    return b;
  };
}

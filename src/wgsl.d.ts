/** WGSL sources are imported as text (esbuild's text loader; a plugin in vitest.config.ts). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}

/** The compiled WebAssembly kernels are imported as bytes (esbuild's binary loader; vitest.config.ts). */
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

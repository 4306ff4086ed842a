/** WGSL sources are imported as text (esbuild's text loader; a plugin in vitest.config.ts). */
declare module '*.wgsl' {
  const source: string;
  export default source;
}

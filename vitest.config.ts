import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      // WGSL files are imported as text, as esbuild's text loader does for the build.
      name: 'wgsl-as-text-wasm-as-bytes',
      enforce: 'pre',
      load(id) {
        if (id.endsWith('.wgsl')) return `export default ${JSON.stringify(readFileSync(id, 'utf8'))};`;
        // WebAssembly as bytes, as esbuild's binary loader gives them.
        if (id.endsWith('.wasm')) return `export default new Uint8Array(Buffer.from(${JSON.stringify(readFileSync(id).toString('base64'))}, 'base64'));`;
        return null;
      },
    },
  ],
  test: {
    // The suite runs once as it is, and its CPU tests once more on the plain TypeScript
    // kernels (the reference, and the path for engines without WebAssembly SIMD).
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'plain-cpu',
          include: ['test/{rbm,bad-input,resume,model-file,mnist,cd-step,training-options,class-model,softmax}.test.ts'],
          env: { WEBGPU_RBM_WASM: '0' },
        },
      },
    ],
    globalSetup: ['test/global-setup.ts'],
    // dawn.node is not safe inside worker threads; each file gets its own process.
    pool: 'forks',
    testTimeout: 120_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});

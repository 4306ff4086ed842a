import { execFileSync } from 'node:child_process';

/**
 * The command tests run the built binaries (dist/src/cli), as a user does, so the suite builds
 * them from the current sources first.
 */
export default function setup(): void {
  for (const script of ['scripts/build-wasm.mjs', 'scripts/build.mjs']) execFileSync(process.execPath, [script, '--quiet'], { stdio: 'inherit' });
}

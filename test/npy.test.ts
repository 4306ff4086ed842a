import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  currentPlatform,
  DataFormatError,
  encodeNpy,
  installPlatform,
  InvalidArgumentError,
  npyToMatrix,
  parseNpy,
  readMatrixFile,
  readNpyFile,
  writeNpyFile,
  type RbmError,
} from '../src/node.js';
import { readTrainingFile } from '../src/data/files.js';
import { openIdxSource } from '../src/data/idx-source.js';
import { fixture } from './helpers.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rbm-npy-'));
});

/** Runs a Python program with NumPy as np, in `dir`; returns its standard output. */
function python(program: string): string {
  return execFileSync('python3', ['-c', `import numpy as np\n${program}`], { cwd: dir, encoding: 'utf8' });
}

/** A .npy header (format 1.0, or `version`) holding `dict`, followed by `body`. */
function npy(dict: string, body: Uint8Array = new Uint8Array(0), version = 1): Uint8Array {
  const start = version === 1 ? 10 : 12;
  const text = dict.padEnd(Math.ceil((start + dict.length + 1) / 64) * 64 - start - 1) + '\n';
  const out = new Uint8Array(start + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[start + i] = text.charCodeAt(i);
  out.set(body, start + text.length);
  return out;
}

const header = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

function expectError(run: () => unknown, type: new (...args: never[]) => RbmError, message: string | RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toMatch(message);
}

describe('encodeNpy and parseNpy', () => {
  it('round-trip float32, float64 and uint8 arrays of any shape', () => {
    const f32 = { shape: [3, 4], data: fixture(12, 1, -2, 2) };
    const f64 = { shape: [2, 3, 2], data: Float64Array.from(fixture(12, 2), (v) => v / 3) };
    const u8 = { shape: [5], data: Uint8Array.from({ length: 5 }, (_, k) => k * 60) };
    for (const a of [f32, f64, u8]) {
      const bytes = encodeNpy(a);
      expect(bytes.length % 64).toBe(a.data.byteLength % 64);
      const back = parseNpy(bytes);
      expect(back.shape).toEqual(a.shape);
      expect(back.data).toBeInstanceOf(a.data.constructor);
      expect(Array.from(back.data)).toEqual(Array.from(a.data));
    }
  });

  it('write a Matrix as float32 (rows, cols) and a PixelMatrix as uint8', () => {
    const m = { data: Float32Array.of(1, 2, 3, 4, 5, 6), rows: 2, cols: 3 };
    expect(parseNpy(encodeNpy(m))).toEqual({ shape: [2, 3], data: m.data });
    const p = { pixels: Uint8Array.of(0, 255, 51, 102), rows: 2, cols: 2 };
    expect(parseNpy(encodeNpy(p))).toEqual({ shape: [2, 2], data: p.pixels });
    expect(Array.from(npyToMatrix(parseNpy(encodeNpy(p))).data)).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    // A Node Buffer is uint8 too.
    expect(parseNpy(encodeNpy({ pixels: Buffer.from([1, 2, 3]), rows: 1, cols: 3 })).data).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('refuse what they cannot encode', () => {
    expectError(() => encodeNpy({ shape: [2, 2], data: new Int32Array(4) } as never), InvalidArgumentError, 'expected a Float32Array, Float64Array or Uint8Array');
    expectError(() => encodeNpy({ data: new Float32Array(5), rows: 2, cols: 3 }), InvalidArgumentError, 'data has 5 values; shape (2, 3) needs 6');
    expectError(() => encodeNpy(null as never), InvalidArgumentError, 'expected a Matrix');
  });
});

describe('files NumPy wrote', () => {
  it('read to the exact values: every dtype and byte order, N-D shapes and a format 2.0 header', async () => {
    python(`
a = (np.arange(12, dtype=np.float64).reshape(3, 4) - 5.5) / 7
np.save('f8.npy', a)
np.save('f4.npy', a.astype(np.float32))
np.save('f4be.npy', a.astype('>f4'))
np.save('f8be.npy', a.astype('>f8'))
np.save('u1.npy', np.arange(24, dtype=np.uint8).reshape(2, 3, 4) * 10)
np.save('v1.npy', np.float32([7, 8, 9]))
with open('v2.npy', 'wb') as f:
    np.lib.format.write_array(f, a.astype(np.float32), version=(2, 0))
with open('v3.npy', 'wb') as f:
    np.lib.format.write_array(f, a, version=(3, 0))
`);
    const want = Array.from({ length: 12 }, (_, k) => (k - 5.5) / 7);
    const f32 = want.map(Math.fround);
    for (const [name, values, Type] of [
      ['f8.npy', want, Float64Array],
      ['f8be.npy', want, Float64Array],
      ['v3.npy', want, Float64Array],
      ['f4.npy', f32, Float32Array],
      ['f4be.npy', f32, Float32Array],
      ['v2.npy', f32, Float32Array],
    ] as const) {
      const a = await readNpyFile(join(dir, name));
      expect(a.shape, name).toEqual([3, 4]);
      expect(a.data, name).toBeInstanceOf(Type);
      expect(Array.from(a.data), name).toEqual(values);
    }
    expect(readFileSync(join(dir, 'v2.npy'))[6]).toBe(2);
    const u1 = await readNpyFile(join(dir, 'u1.npy'));
    expect(u1.shape).toEqual([2, 3, 4]);
    expect(Array.from(u1.data)).toEqual(Array.from({ length: 24 }, (_, k) => k * 10));
    // As a matrix: the first dimension gives the rows, bytes are scaled by 1/255 (as for IDX).
    const m = await readMatrixFile(join(dir, 'u1.npy'));
    expect([m.rows, m.cols]).toEqual([2, 12]);
    expect(m.data[5]).toBe(Math.fround(50 * (1 / 255)));
    const column = await readMatrixFile(join(dir, 'v1.npy'));
    expect([column.rows, column.cols, ...column.data]).toEqual([3, 1, 7, 8, 9]);
    expect(Array.from((await readMatrixFile(join(dir, 'f8be.npy'))).data)).toEqual(f32);
    // For training, bytes stay 8-bit; floats become a matrix.
    expect(await readTrainingFile(join(dir, 'u1.npy'))).toEqual({ pixels: u1.data, rows: 2, cols: 12 });
    expect(await readTrainingFile(join(dir, 'f4.npy'))).toEqual({ data: Float32Array.from(f32), rows: 3, cols: 4 });
  });

  it('NumPy loads what we write, to the same values', async () => {
    const m = { data: fixture(6 * 5, 7, -1, 1), rows: 6, cols: 5 };
    await writeNpyFile(join(dir, 'ours.npy'), m);
    await writeNpyFile(join(dir, 'ours8.npy'), { pixels: Uint8Array.from({ length: 6 }, (_, k) => 40 * k), rows: 2, cols: 3 });
    const out = python(`
a = np.load('ours.npy')
b = np.load('ours8.npy')
print(a.dtype, a.shape, b.dtype, b.shape, b.ravel().tolist())
print(' '.join(repr(float(v)) for v in a.ravel()))
`).split('\n');
    expect(out[0]).toBe('float32 (6, 5) uint8 (2, 3) [0, 40, 80, 120, 160, 200]');
    expect(out[1].split(' ').map(Number)).toEqual(Array.from(m.data));
  });
});

describe('hostile .npy bytes', () => {
  const f4 = (shape: string, values: number) => npy(header('<f4', shape), new Uint8Array(4 * values));
  const cases: [string, () => unknown, new (...args: never[]) => RbmError, string | RegExp][] = [
    ['bad magic', () => parseNpy(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x58, 1, 0, 0, 0), 'x.npy'), DataFormatError, 'x.npy: is not a .npy file'],
    ['empty', () => parseNpy(new Uint8Array(0), 'x.npy'), DataFormatError, 'is not a .npy file'],
    ['only the magic', () => parseNpy(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59), 'x.npy'), DataFormatError, 'is truncated'],
    ['unknown version', () => parseNpy(npy(header('<f4', '(1,)'), new Uint8Array(4), 4), 'x.npy'), DataFormatError, 'version 4.0'],
    ['header longer than the file', () => parseNpy(npy(header('<f4', '(1,)')).subarray(0, 40), 'x.npy'), DataFormatError, 'is truncated: its .npy header needs 128 bytes, found 40'],
    ['huge declared header', () => parseNpy(Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0xff, 0xff, 0xff, 0xff), 'x.npy'), DataFormatError, 'declares a .npy header of 4294967295 bytes'],
    ['fortran_order True', () => parseNpy(npy(header('<f4', '(2, 2)', 'True'), new Uint8Array(16)), 'x.npy'), DataFormatError, 'x.npy: is stored in Fortran (column-major) order'],
    ['fortran_order not a boolean', () => parseNpy(npy(header('<f4', '(1,)', '0'), new Uint8Array(4)), 'x.npy'), DataFormatError, "'fortran_order' is not True or False"],
    ['unknown dtype', () => parseNpy(npy(header('<i8', '(1,)'), new Uint8Array(8)), 'x.npy'), DataFormatError, 'has dtype "<i8"; only float32'],
    ['structured dtype', () => parseNpy(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), 'x.npy'), DataFormatError, 'structured'],
    ['missing shape', () => parseNpy(npy("{'descr': '<f4', 'fortran_order': False}")), DataFormatError, "without 'shape'"],
    ['an extra key', () => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", new Uint8Array(4))), DataFormatError, 'keys other than'],
    ['a negative dimension', () => parseNpy(f4('(-1, 2)', 0), 'x.npy'), DataFormatError, 'not a Python dict literal: an unexpected value'],
    ['a shape that is a string', () => parseNpy(f4("'(1,)'", 1), 'x.npy'), DataFormatError, "'shape' is not a tuple of integers"],
    ['header dict garbage', () => parseNpy(npy("__import__('os').system('rm -rf /')"), 'x.npy'), DataFormatError, "expected '{'"],
    ['an unterminated string', () => parseNpy(npy("{'descr: '<f4'}"), 'x.npy'), DataFormatError, "expected ':'"],
    ['text after the dict', () => parseNpy(npy(`${header('<f4', '(1,)')} x`, new Uint8Array(4)), 'x.npy'), DataFormatError, 'text after the dict'],
    ['a repeated key', () => parseNpy(npy("{'descr': '<f4', 'descr': '<f8'}"), 'x.npy'), DataFormatError, "the key 'descr' twice"],
    ['deep nesting', () => parseNpy(npy(`{'descr': ${'['.repeat(500)}}`), 'x.npy'), DataFormatError, 'too deep a nesting'],
    ['an integer beyond 2^53', () => parseNpy(f4('(99999999999999999999,)', 0), 'x.npy'), DataFormatError, 'too large'],
    ['truncated data', () => parseNpy(f4('(2, 3)', 6).subarray(0, 128 + 23), 'x.npy'), DataFormatError, 'x.npy: is truncated: shape (2, 3) of float32 needs 24 bytes of data, found 23'],
    ['trailing bytes', () => parseNpy(npy(header('<f4', '(2, 3)'), new Uint8Array(25)), 'x.npy'), DataFormatError, 'x.npy: is longer than its header says: shape (2, 3) of float32 needs 24 bytes of data, found 25'],
    ['huge declared shape', () => parseNpy(f4('(4294967296, 4294967296, 4294967296)', 1), 'x.npy'), DataFormatError, 'is truncated: shape (4294967296, 4294967296, 4294967296) of float32 needs about 3.17e+29 bytes of data, found 4'],
    ['a matrix of no rows', () => npyToMatrix(parseNpy(f4('(0, 3)', 0)), 'x.npy'), DataFormatError, 'x.npy: holds no values (shape (0, 3))'],
    ['a matrix of a scalar', () => npyToMatrix(parseNpy(f4('()', 1)), 'x.npy'), DataFormatError, 'holds a single value (shape ())'],
    ['not bytes', () => parseNpy('abc' as never), InvalidArgumentError, 'bytes: expected a Uint8Array'],
  ];
  for (const [name, run, type, message] of cases) it(name, () => expectError(run, type, message));

  it('above the memory limit, refused before the values are allocated', async () => {
    const previous = currentPlatform();
    const path = join(dir, 'big.npy');
    writeFileSync(path, f4('(10, 10)', 100));
    installPlatform({ ...previous, memoryBytes: 800 });
    try {
      await expect(readMatrixFile(path)).rejects.toThrow(/big\.npy: its \(10, 10\) float32 values would need [\d.]+ kB of memory, above the limit of 800 B/);
      expectError(() => parseNpy(f4('(10, 10)', 100), 'x.npy'), InvalidArgumentError, 'above the limit of 800 B');
    } finally {
      installPlatform(previous);
    }
  });

  it('training from disk refuses a .npy file, saying so', async () => {
    const path = join(dir, 'stream.npy');
    writeFileSync(path, encodeNpy({ data: new Float32Array(6), rows: 2, cols: 3 }));
    await expect(openIdxSource(path)).rejects.toThrow(new DataFormatError(path, 'is a NumPy .npy file; training from disk reads a plain IDX file (read it into memory instead: no --stream)'));
  });

  it('a file that is not .npy is refused by readNpyFile before it is read', async () => {
    const path = join(dir, 'text.npy');
    writeFileSync(path, '1 2 3\n');
    await expect(readNpyFile(path)).rejects.toThrow(new DataFormatError(path, 'is not a .npy file (it does not start with \\x93NUMPY)'));
    const truncated = join(dir, 'truncated.npy');
    writeFileSync(truncated, f4('(1000, 1000)', 10));
    await expect(readMatrixFile(truncated)).rejects.toThrow(/truncated\.npy: is truncated: shape \(1000, 1000\) of float32 needs 4000000 bytes of data, found 40/);
  });
});

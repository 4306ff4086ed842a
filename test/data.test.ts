import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DataFormatError,
  FileAccessError,
  formatLossFile,
  formatTextMatrix,
  idxToMatrix,
  parseIdx,
  parseTextMatrix,
  readIdxFile,
  readMatrixFile,
  writeLossFile,
} from '../src/node.js';

/** Builds IDX bytes: magic (0, 0, type, ndims), big-endian uint32 dimensions, then `body`. */
function idx(type: number, dims: number[], body: number[]): Uint8Array {
  const header = [0, 0, type, dims.length];
  for (const d of dims) header.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...header, ...body]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbm-data-'));
});

describe('IDX', () => {
  it('reads unsigned bytes and scales images to [0, 1]', () => {
    const parsed = parseIdx(idx(0x08, [2, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4]));
    expect(parsed.dims).toEqual([2, 2, 2]);
    const m = idxToMatrix(parsed);
    expect([m.rows, m.cols]).toEqual([2, 4]);
    expect(Array.from(m.data.subarray(0, 4))).toEqual([0, 1, Math.fround(0.2), Math.fround(0.4)]);
  });

  it('reads big-endian ints and floats', () => {
    expect(Array.from(parseIdx(idx(0x0c, [2], [0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe])).data)).toEqual([258, -2]);
    expect(Array.from(parseIdx(idx(0x0d, [1], [0x3f, 0xc0, 0, 0])).data)).toEqual([1.5]);
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['a short file', Uint8Array.of(0, 0), /needs at least 4/],
    ['a bad magic number', idx(0x08, [1], [0]).map((b, i) => (i === 0 ? 1 : b)), /not an IDX file/],
    ['an unknown type', idx(0x07, [1], [0]), /unknown IDX type code 0x7/],
    ['zero dimensions', Uint8Array.of(0, 0, 8, 0), /zero dimensions/],
    ['a truncated header', Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1), /truncated: 3 dimensions need a 16-byte header/],
    ['truncated data', idx(0x08, [2, 3], [1, 2, 3, 4, 5]), /truncated: dimensions 2 × 3 of unsigned byte need 6 bytes of data, found 5/],
    ['trailing bytes', idx(0x08, [2], [1, 2, 3]), /longer than its header says/],
    ['a header that lies about a huge size', idx(0x08, [0xffffffff, 0xffffffff], [1]), /truncated/],
  ])('rejects %s with a DataFormatError', (_, bytes, message) => {
    expect(() => parseIdx(bytes, 'x.idx')).toThrow(DataFormatError);
    expect(() => parseIdx(bytes, 'x.idx')).toThrow(message);
  });

  it('reads gzip-compressed files, told apart by content', async () => {
    const bytes = idx(0x08, [3], [7, 8, 9]);
    const path = join(dir, 'small.idx.gz');
    await writeFile(path, gzipSync(bytes));
    expect(Array.from((await readIdxFile(path)).data)).toEqual([7, 8, 9]);
  });

  it('names the file when it is missing or broken', async () => {
    const missing = join(dir, 'nope.idx');
    await expect(readIdxFile(missing)).rejects.toThrow(FileAccessError);
    await expect(readIdxFile(missing)).rejects.toThrow(`${missing}: no such file`);
    const broken = join(dir, 'broken.gz');
    await writeFile(broken, Uint8Array.of(0x1f, 0x8b, 1, 2, 3));
    await expect(readIdxFile(broken)).rejects.toThrow(DataFormatError);
  });
});

describe('text matrices', () => {
  it('reads whitespace and comma separated rows, skipping comments and blank lines', () => {
    const m = parseTextMatrix('# users\n1 1 0\n\n0,1, 1\r\n1\t0 0\n');
    expect([m.rows, m.cols]).toEqual([3, 3]);
    expect(Array.from(m.data)).toEqual([1, 1, 0, 0, 1, 1, 1, 0, 0]);
  });

  it('round-trips through formatTextMatrix', () => {
    const m = parseTextMatrix('0.5 1\n0 0.25\n');
    expect(formatTextMatrix(m)).toBe('0.5 1\n0 0.25\n');
  });

  it.each([
    ['1 2\n3\n', /line 2 has 1 values; earlier lines have 2/],
    ['1 2\n3 x\n', /line 2, column 2: 'x' is not a finite number/],
    ['a,b\n1,2\n', /line 1, column 1: 'a' is not a finite number/],
    ['# nothing\n\n', /contains no rows/],
  ])('rejects %j', (text, message) => {
    expect(() => parseTextMatrix(text, 'users.txt')).toThrow(DataFormatError);
    expect(() => parseTextMatrix(text, 'users.txt')).toThrow(message);
  });

  it('reads a file as text or as IDX, by content', async () => {
    const text = join(dir, 'rows.csv');
    await writeFile(text, '1,0\n0,1\n');
    expect(Array.from((await readMatrixFile(text)).data)).toEqual([1, 0, 0, 1]);
    const binary = join(dir, 'rows.idx');
    await writeFile(binary, idx(0x08, [1, 2], [255, 0]));
    expect(Array.from((await readMatrixFile(binary)).data)).toEqual([1, 0]);
  });
});

describe('loss.dat', () => {
  const history = { epoch: [1, 2], klDivergence: [0.3689, 0.2504] };

  it("is written in simple_rbm's format", () => {
    expect(formatLossFile(history)).toBe('# epoch KL_divergence\n1 0.3689\n2 0.2504\n');
  });

  it('is replaced atomically, leaving no temporary files', async () => {
    const path = join(dir, 'loss.dat');
    await writeFile(path, 'old');
    await writeLossFile(path, history);
    expect(await readFile(path, 'utf8')).toBe(formatLossFile(history));
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with a FileAccessError naming the path when the folder does not exist', async () => {
    const path = join(dir, 'missing', 'loss.dat');
    await expect(writeLossFile(path, history)).rejects.toThrow(FileAccessError);
    await expect(writeLossFile(path, history)).rejects.toThrow(path);
  });
});

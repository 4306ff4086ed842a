import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../src/io/safetensors.js';
import { DataFormatError, decodeModel, encodeModel, FileAccessError, InvalidArgumentError, RBM, type ModelState } from '../src/node.js';
import { binaryData } from './helpers.js';

let dir: string;
let trained: RBM;
let state: ModelState;
let bytes: Uint8Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rbm-model-'));
  trained = new RBM({ visible: 6, hidden: 3, learningRate: 0.05, seed: 5 });
  await trained.fit(binaryData(40, 6, 1), { epochs: 3, batchSize: 8, verbose: false });
  await trained.sampleHidden([[1, 0, 1, 0, 1, 0]]);
  state = await trained.getState();
  bytes = encodeModel(state);
});

describe('save and load', () => {
  it('round-trips every part of the state exactly', async () => {
    const path = join(dir, 'model.safetensors');
    await trained.save(path);
    const loaded = await RBM.load(path);
    expect(await loaded.getState()).toEqual(state);
    expect(loaded.options.learningRate).toBe(0.05);
    expect(loaded.history.klDivergence).toEqual(trained.history.klDivergence);
  });

  it('continues the random stream: a loaded model samples what the original would', async () => {
    const path = join(dir, 'stream.safetensors');
    const a = await RBM.fromState(state);
    await a.save(path);
    const b = await RBM.load(path);
    const x = Array.from({ length: 20 }, () => [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(Array.from((await b.sampleHidden(x)).data)).toEqual(Array.from((await a.sampleHidden(x)).data));
  });

  it('loads onto the GPU as well', async () => {
    const path = join(dir, 'gpu.safetensors');
    await trained.save(path);
    const gpu = await RBM.load(path, { useGPU: true });
    try {
      expect((await gpu.device()).backend).toBe('webgpu');
      const x = [[1, 0, 1, 0, 1, 0]];
      const [a, b] = [await trained.expectHidden(x), await gpu.expectHidden(x)];
      for (let j = 0; j < 3; j++) expect(b.data[j]).toBeCloseTo(a.data[j], 6);
    } finally {
      await gpu.dispose();
    }
  });

  it('is readable from Python with NumPy alone, with identical arrays', async () => {
    const path = join(dir, 'python.safetensors');
    await trained.save(path);
    const script = [
      'import json, sys',
      "sys.path.insert(0, 'examples')",
      'from read_model import read_model',
      'arrays, info = read_model(sys.argv[1])',
      'print(json.dumps({"arrays": {k: v.ravel().tolist() for k, v in arrays.items()}, "shapes": {k: list(v.shape) for k, v in arrays.items()}, "info": info}))',
    ].join('\n');
    const python = ['python3', '/usr/bin/python3'].find((p) => {
      try {
        execFileSync(p, ['-c', 'import numpy'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    if (!python) throw new Error('this test needs python3 with NumPy (CI installs python3-numpy)');
    const output = execFileSync(python, ['-c', script, path], { encoding: 'utf8' });
    const { arrays, shapes, info } = JSON.parse(output);
    // data_mean: the visible means of the data the model first trained on.
    expect(shapes).toEqual({ w: [6, 3], visible_bias: [6], hidden_bias: [3], delta_w: [6, 3], delta_visible_bias: [6], delta_hidden_bias: [3], data_mean: [6] });
    expect(arrays.data_mean).toEqual(Array.from(state.dataMean!));
    expect(arrays.w).toEqual(Array.from(state.parameters.weights));
    expect(arrays.delta_hidden_bias).toEqual(Array.from(state.parameters.hiddenBiasVelocity));
    expect(info.config).toEqual(state.config);
    expect(info.history).toEqual(state.history);
  });

  it('writes atomically: a failed save leaves the old file as it was', async () => {
    const path = join(dir, 'keep.safetensors');
    await writeFile(path, 'old contents');
    await expect(trained.save(join(dir, 'missing-folder', 'x.safetensors'))).rejects.toThrow(FileAccessError);
    expect(await readFile(path, 'utf8')).toBe('old contents');
  });
});

/** Re-encodes a model file with its JSON header changed by `edit`. */
function withHeader(edit: (header: Record<string, Record<string, unknown>>) => void): Uint8Array {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + length), 8 + json.length);
  return out;
}

function withMetadata(key: string, value: string | undefined): Uint8Array {
  return withHeader((h) => {
    if (value === undefined) delete h.__metadata__[key];
    else h.__metadata__[key] = value;
  });
}

describe('loading refuses a broken or hostile file, naming it and the defect', () => {
  const lengthBytes = (n: bigint) => {
    const b = bytes.slice();
    new DataView(b.buffer).setBigUint64(0, n, true);
    return b;
  };
  const lastValueNaN = () => {
    const b = bytes.slice();
    new DataView(b.buffer).setUint32(b.length - 4, 0x7fc00000, true);
    return b;
  };

  it.each<[string, () => Uint8Array, RegExp]>([
    ['a file shorter than the length field', () => bytes.slice(0, 5), /8-byte header length/],
    ['a truncated file', () => bytes.slice(0, bytes.length - 10), /outside the \d+ bytes of data|belong to no tensor/],
    ['a header length beyond the file', () => lengthBytes(BigInt(bytes.length)), /declares a \d+-byte header but only/],
    ['a huge header length', () => lengthBytes(2n ** 63n), /declares a \d+-byte header/],
    ['a header that is not JSON', () => withHeader(() => {}).map((b, i) => (i === 9 ? 0x7b : i === 10 ? 0x7b : b)), /not valid JSON/],
    ['an unknown dtype', () => withHeader((h) => (h.w.dtype = 'F33')), /tensor 'w' has unknown dtype "F33"/],
    ['a dtype the model cannot use', () => withHeader((h) => ((h.w.dtype = 'F16'), (h.w.shape = [6, 6]))), /dtype F16; expected F32/],
    ['a shape that disagrees with the byte range', () => withHeader((h) => (h.w.shape = [6, 4])), /but data_offsets span/],
    ['a negative dimension', () => withHeader((h) => (h.w.shape = [-6, -3])), /non-negative integers/],
    ['a huge dimension', () => withHeader((h) => (h.w.shape = [2 ** 40, 2 ** 40])), /larger than the file/],
    ['overlapping ranges', () => withHeader((h) => (h.visible_bias.data_offsets = (h.w.data_offsets as number[]).map((o) => o))), /overlaps|data_offsets span/],
    ['ranges past the end', () => withHeader((h) => (h.delta_hidden_bias.data_offsets = [1000, 1012])), /outside the \d+ bytes of data/],
    ['a non-finite value', lastValueNaN, /element \d+ is NaN/],
    ['a missing tensor', () => withHeader((h) => delete h.delta_w), /overlaps|belong to no tensor|has no tensor 'delta_w'/],
    ['another format', () => withMetadata('format', 'pickle'), /not a webgpu-rbm model file/],
    ['a newer version', () => withMetadata('version', '9'), /version "9"/],
    ['metadata that is not JSON', () => withMetadata('history', '{epoch: [1'), /metadata 'history' that is not valid JSON/],
    ['a config that disagrees with the arrays', () => withMetadata('config', JSON.stringify({ ...state.config, hidden: 4 })), /implies \[6, 4\]/],
    ['a config with a bad option', () => withMetadata('config', JSON.stringify({ ...state.config, momentum: 2 })), /config.momentum/],
    ['a history that does not count up', () => withMetadata('history', JSON.stringify({ epoch: [1, 3, 2], klDivergence: [1, 1, 1] })), /history.epoch: entry 1 is 3/],
    ['missing metadata', () => withMetadata('inferenceDraws', undefined), /no 'inferenceDraws'/],
  ])('%s', (_, make, message) => {
    const error = (() => {
      try {
        decodeModel(make(), 'bad.safetensors');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as Error).message).toMatch(/^bad\.safetensors: /);
    expect((error as Error).message).toMatch(message);
  });

  it('reads back a file written by the safetensors layout without our metadata as "not a model"', () => {
    const plain = encodeSafetensors({ x: { shape: [2], data: Float32Array.of(1, 2) } }, {});
    expect(() => decodeModel(plain, 'plain.safetensors')).toThrow(/not a webgpu-rbm model file/);
  });

  it('reports a missing file as a FileAccessError', async () => {
    await expect(RBM.load(join(dir, 'nope.safetensors'))).rejects.toThrow(FileAccessError);
  });
});

describe('getState and setState', () => {
  it('copy a model into another exactly, options included', async () => {
    const copy = new RBM({ visible: 6, hidden: 3 });
    await copy.setState(state);
    expect(await copy.getState()).toEqual(state);
    expect(copy.options.seed).toBe(5);
  });

  it('refuse a state of another size, leaving the model as it was', async () => {
    const other = new RBM({ visible: 6, hidden: 4 });
    const before = await other.getState();
    await expect(other.setState(state)).rejects.toThrow(InvalidArgumentError);
    await expect(other.setState(state)).rejects.toThrow(/state.config.hidden: is 3 but this model has 4/);
    expect(await other.getState()).toEqual(before);
  });
});

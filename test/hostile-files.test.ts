// Hostile and careless input to the library's files and readers: model files (safetensors), IDX
// (plain and .gz), CSV and whitespace text, loss.dat, and the writers. Every case either parses
// to the right value or is refused with the exact RbmError subclass and a message naming the
// problem (and short, whatever the file held). Families of cases are generated from small valid
// files: every truncation point, every header field set to hostile values, and so on.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { chmod, lstat, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeIdxBytes, decodeText, readFileBytes } from '../src/data/files.js';
import { parseTextPieces } from '../src/data/text.js';
import { parseLossFile } from '../src/io/loss-file.js';
import {
  currentPlatform,
  DataFormatError,
  decodeModel,
  encodeModel,
  encodeNpy,
  FileAccessError,
  formatLossFile,
  idxToMatrix,
  installPlatform,
  InvalidArgumentError,
  parseIdx,
  parseNpy,
  parseTextMatrix,
  RbmError,
  readIdxFile,
  readMatrixFile,
  writeFileAtomic,
  writeLossFile,
  type Matrix,
  type ModelState,
} from '../src/node.js';
import { resolveOptions } from '../src/options.js';
import { configOf } from '../src/state.js';
import { fixture, handParameters } from './helpers.js';

type ErrorClass = abstract new (...args: never[]) => RbmError;

interface Case {
  readonly name: string;
  readonly run: () => unknown;
  /** A refusal: the exact class and a fragment the message contains (a string) or matches. */
  readonly error?: ErrorClass;
  readonly message?: string | RegExp;
  /** A success: checks what `run` returned. */
  readonly check?: (value: never) => void | Promise<void>;
}

const refuse = (name: string, run: () => unknown, error: ErrorClass, message: string | RegExp): Case => ({ name, run, error, message });
// A check takes the value's type in its own annotation (never accepts any annotated parameter).
const accept = (name: string, run: () => unknown, check: (value: never) => void | Promise<void>): Case => ({ name, run, check });

/** No message may echo a hostile file's long strings back. */
const LONGEST_MESSAGE = 600;

function cases(list: readonly Case[]): void {
  const names = new Set<string>();
  for (const c of list) {
    if (names.has(c.name)) throw new Error(`two cases are named '${c.name}'`);
    names.add(c.name);
    it(c.name, async () => {
      let value: unknown;
      let error: unknown;
      try {
        value = await c.run();
      } catch (e) {
        error = e;
      }
      if (c.check) {
        expect(error, 'should have parsed').toBeUndefined();
        await c.check(value as never);
        return;
      }
      expect(error, `should have thrown ${c.error!.name}`).toBeInstanceOf(RbmError);
      expect((error as Error).constructor.name).toBe(c.error!.name);
      const message = (error as Error).message;
      if (typeof c.message === 'string') expect(message).toContain(c.message);
      else expect(message).toMatch(c.message!);
      expect(message.length).toBeLessThan(LONGEST_MESSAGE);
    });
  }
}

/** Runs `run` with the platform's memory limit set to `bytes`. */
function withLimit<T>(bytes: number, run: () => T | Promise<T>): () => Promise<T> {
  return async () => {
    const saved = currentPlatform();
    installPlatform({ ...saved, memoryBytes: bytes });
    try {
      return await run();
    } finally {
      installPlatform(saved);
    }
  };
}

/** `run`, failing if it takes longer than `ms` (a regex gone quadratic on a long line). */
function quickly<T>(ms: number, run: () => T): () => T {
  const check = (started: number) => {
    const took = performance.now() - started;
    if (took > ms) throw new Error(`took ${took.toFixed(0)} ms; at most ${ms} expected`);
  };
  return () => {
    const started = performance.now();
    let value: T;
    try {
      value = run();
    } catch (error) {
      check(started);
      throw error;
    }
    check(started);
    return value;
  };
}

const dir = mkdtempSync(join(tmpdir(), 'rbm-hostile-files-'));
let files = 0;
/** A fresh file holding `content`, for the readers. */
async function file(content: string | Uint8Array, name = 'data'): Promise<string> {
  const path = join(dir, `${++files}-${name}`);
  await writeFile(path, content);
  return path;
}
/** A fresh empty folder. */
function folder(): string {
  const path = join(dir, `folder-${++files}`);
  mkdirSync(path);
  return path;
}

const ascii = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Model files (safetensors)

const state: ModelState = {
  config: configOf(resolveOptions({ visible: 3, hidden: 2, seed: 9 })),
  parameters: handParameters(),
  history: { epoch: [1, 2], klDivergence: [0.5, 0.25] },
  inferenceDraws: 4,
};
const model = encodeModel(state);
const headerLength = Number(new DataView(model.buffer).getBigUint64(0, true));
const modelData = model.subarray(8 + headerLength);
const TENSORS = ['w', 'visible_bias', 'hidden_bias', 'delta_w', 'delta_visible_bias', 'delta_hidden_bias'];

type Header = Record<string, Record<string, unknown>>;
const parsedHeader = (): Header => JSON.parse(new TextDecoder().decode(model.subarray(8, 8 + headerLength)));

/** A model file with header text `text` (and the valid file's data unless given). */
function modelWith(text: string, data: Uint8Array = modelData, lengthField?: bigint): Uint8Array {
  const json = ascii(text);
  const out = concat(new Uint8Array(8), json, data);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(json.length), true);
  return out;
}
const edited = (edit: (h: Header) => void) => () => {
  const h = parsedHeader();
  edit(h);
  return modelWith(JSON.stringify(h));
};
const lengthField = (n: bigint) => () => {
  const out = model.slice();
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
};
const decode = (make: () => Uint8Array) => () => decodeModel(make(), 'bad.safetensors');

function truncationCases(): Case[] {
  const points = new Set<number>();
  for (let n = 0; n <= 9; n++) points.add(n);
  for (let k = 1; k < 12; k++) points.add(8 + Math.floor((headerLength * k) / 12));
  for (let n = 8 + headerLength; n < model.length; n += 8) points.add(n);
  points.add(model.length - 1);
  return [...points].sort((a, b) => a - b).map((n) => {
    const expected =
      n < 8
        ? `is ${n} bytes long; a safetensors file starts with an 8-byte header length`
        : n < 8 + headerLength
          ? `declares a ${headerLength}-byte header but only ${n - 8} bytes follow`
          : `outside the ${n - 8 - headerLength} bytes of data`;
    return refuse(`model file cut to ${n} of ${model.length} bytes`, decode(() => model.slice(0, n)), DataFormatError, expected);
  });
}

const HOSTILE_DTYPES: [string, unknown, string][] = [
  ['an unknown name', 'F33', 'unknown dtype "F33"'],
  ['"toString" (inherited by every object)', 'toString', 'unknown dtype "toString"'],
  ['"__proto__"', '__proto__', 'unknown dtype "__proto__"'],
  ['a number', 5, 'unknown dtype 5'],
  ['null', null, 'unknown dtype null'],
  ['an object', { F32: 1 }, 'unknown dtype Object'],
  ['a megabyte-long string', 'F'.repeat(1_000_000), 'unknown dtype "FFFF'],
];

const HOSTILE_SHAPES: [string, unknown, string][] = [
  ['a negative dimension', [-3, -2], 'non-negative integers'],
  ['a fractional dimension', [1.5, 4], 'non-negative integers'],
  ['a string', 'x', 'non-negative integers'],
  ['an unsafe integer', [2 ** 53, 1], 'non-negative integers'],
  ['2^40 × 2^40', [2 ** 40, 2 ** 40], 'larger than the file'],
  ['2^32 × 2^32 × 2^32', [2 ** 32, 2 ** 32, 2 ** 32], 'larger than the file'],
  ['zero then huge', [0, 2 ** 52], '(0 bytes) but data_offsets span'],
  ['a scalar', [], '(4 bytes) but data_offsets span'],
  ['a hundred thousand dimensions of 1', Array(100_000).fill(1), '(100000 dimensions)'],
];

function tensorFieldCases(): Case[] {
  const out: Case[] = [];
  for (const name of TENSORS) {
    for (const [what, dtype, message] of HOSTILE_DTYPES) {
      out.push(refuse(`model file: tensor '${name}' with dtype ${what}`, decode(edited((h) => (h[name].dtype = dtype))), DataFormatError, message));
    }
  }
  for (const name of ['w', 'hidden_bias']) {
    for (const [what, shape, message] of HOSTILE_SHAPES) {
      out.push(refuse(`model file: tensor '${name}' with shape ${what}`, decode(edited((h) => (h[name].shape = shape))), DataFormatError, message));
    }
  }
  const offsets = (h: Header, name: string) => h[name].data_offsets as number[];
  const ranges: [string, string, (h: Header) => unknown, string][] = [
    ['w', 'one number', () => [0], 'data_offsets that are not two non-negative integers'],
    ['w', 'a string', () => 'x', 'data_offsets that are not two non-negative integers'],
    ['w', 'a negative offset', () => [-4, 20], 'data_offsets that are not two non-negative integers'],
    ['w', 'unsafe integers', () => [2 ** 53, 2 ** 53 + 24], 'data_offsets that are not two non-negative integers'],
    ['w', 'reversed', (h) => [offsets(h, 'w')[1], offsets(h, 'w')[0]], 'outside the 88 bytes of data'],
    ['w', 'past the end', () => [80, 104], 'outside the 88 bytes of data'],
    ['delta_w', "w's range", (h) => offsets(h, 'w'), "tensor 'delta_w' overlaps another tensor's bytes"],
    ['visible_bias', 'moved 4 bytes back (into w)', (h) => offsets(h, 'visible_bias').map((o) => o - 4), "tensor 'visible_bias' overlaps another tensor's bytes"],
    ['w', 'moved 4 bytes on (a gap before it)', (h) => offsets(h, 'w').map((o) => o + 4), "has 4 bytes before tensor 'w' that belong to no tensor"],
  ];
  for (const [name, what, value, message] of ranges) {
    out.push(refuse(`model file: tensor '${name}' with data_offsets ${what}`, decode(edited((h) => (h[name].data_offsets = value(h)))), DataFormatError, message));
  }
  for (const [what, entry] of [['a number', 5], ['null', null], ['an array', [1, 2]], ['a string', 'F32']] as const) {
    out.push(refuse(`model file: tensor 'w' that is ${what}`, decode(edited((h) => ((h as Record<string, unknown>).w = entry))), DataFormatError, "tensor 'w' is not an object"));
  }
  out.push(
    refuse('model file: tensor w missing (its bytes belong to no tensor)', decode(edited((h) => delete h.w)), DataFormatError, "has 24 bytes before tensor 'visible_bias' that belong to no tensor"),
    refuse('model file: the last tensor missing', decode(edited((h) => delete h.delta_hidden_bias)), DataFormatError, 'has 8 bytes after the last tensor that belong to no tensor'),
    refuse(
      'model file: a megabyte-long tensor name with a bad dtype',
      decode(edited((h) => (h['n'.repeat(1_000_000)] = { dtype: 'X', shape: [0], data_offsets: [0, 0] }))),
      DataFormatError,
      /tensor 'n{64}…' has unknown dtype "X"/,
    ),
    refuse('model file: a tensor of the wrong dtype for a model', decode(edited((h) => ((h.w.dtype = 'I32'), (h.w.shape = [3, 2])))), DataFormatError, "has tensor 'w' of dtype I32; expected F32"),
    refuse('model file: a tensor of the wrong shape for its config', decode(edited((h) => (h.w.shape = [2, 3]))), DataFormatError, "has tensor 'w' of shape [2, 3]; its config implies [3, 2]"),
    accept('model file: an extra empty tensor is ignored', decode(edited((h) => (h.extra = { dtype: 'F32', shape: [0], data_offsets: [0, 0] }))), (s: ModelState) => expect(s.history).toEqual(state.history)),
    accept('model file: a tensor named __proto__ is an ordinary tensor', decode(edited((h) => Object.defineProperty(h, '__proto__', { value: { dtype: 'U8', shape: [0], data_offsets: [0, 0] }, enumerable: true }))), (s: ModelState) =>
      expect(s.config.visible).toBe(3),
    ),
  );
  return out;
}

function metadataCases(): Case[] {
  const meta = (edit: (m: Record<string, unknown>) => void) => decode(edited((h) => edit(h.__metadata__)));
  const set = (key: string, value: unknown) => meta((m) => (m[key] = value));
  return [
    ...([['null', null], ['an array', ['format']], ['a string', 'webgpu-rbm'], ['a number', 1]] as const).map(([what, value]) =>
      refuse(`model file: __metadata__ that is ${what}`, decode(edited((h) => ((h as Record<string, unknown>).__metadata__ = value))), DataFormatError, 'has __metadata__ that is not an object'),
    ),
    refuse('model file: a metadata value that is a number', set('format', 5), DataFormatError, 'has __metadata__.format that is not a string'),
    refuse('model file: a metadata value that is an object', set('config', { visible: 3 }), DataFormatError, 'has __metadata__.config that is not a string'),
    refuse('model file: a megabyte-long metadata key with a bad value', set('k'.repeat(1_000_000), 1), DataFormatError, /__metadata__\.k{64}… that is not a string/),
    refuse('model file: another format', set('format', 'pickle'), DataFormatError, 'not a webgpu-rbm model file (metadata format is "pickle")'),
    refuse('model file: a megabyte-long format', set('format', 'p'.repeat(1_000_000)), DataFormatError, /metadata format is "p{64}…"/),
    refuse('model file: no format', meta((m) => delete m.format), DataFormatError, 'metadata format is undefined'),
    refuse('model file: a newer version', set('version', '2'), DataFormatError, 'has model format version "2"'),
    refuse('model file: config that is not JSON', set('config', '{"visible": 3,'), DataFormatError, "has metadata 'config' that is not valid JSON"),
    refuse('model file: config that is null', set('config', 'null'), DataFormatError, 'has a config without integer visible and hidden sizes'),
    refuse('model file: config nested a hundred thousand deep', set('config', '['.repeat(100_000) + ']'.repeat(100_000)), DataFormatError, 'has a config without integer visible and hidden sizes'),
    refuse('model file: config with a bad option', set('config', JSON.stringify({ ...state.config, momentum: 7 })), DataFormatError, 'config.momentum'),
    refuse('model file: history that is not JSON', set('history', '[1, 2'), DataFormatError, "has metadata 'history' that is not valid JSON"),
    refuse('model file: history that is an array', set('history', '[]'), DataFormatError, 'history: expected { epoch, klDivergence }'),
    refuse('model file: history with an infinite value', set('history', '{"epoch":[1,2],"klDivergence":[1,1e999]}'), DataFormatError, 'history.klDivergence: expected an array of finite numbers'),
    refuse('model file: no history', meta((m) => delete m.history), DataFormatError, "has no 'history' in its metadata"),
    refuse('model file: inferenceDraws of 1e999', set('inferenceDraws', '1e999'), DataFormatError, 'inferenceDraws: expected a non-negative integer'),
    refuse('model file: a long inferenceDraws', set('inferenceDraws', `[${'0,'.repeat(1000)}0]`), DataFormatError, "has metadata 'inferenceDraws' of 2003 characters; at most 64 are expected"),
    refuse('model file: a long run', set('run', `[${'0,'.repeat(100_000)}0]`), DataFormatError, "has metadata 'run' of 200003 characters; at most 1024 are expected"),
    accept('model file: a metadata key __proto__ is stored, not inherited', meta((m) => Object.defineProperty(m, '__proto__', { value: 'x', enumerable: true })), () => {}),
    accept('model file: metadata keys named like Object methods are ignored', meta((m) => Object.assign(m, { constructor: 'x', toString: 'y' })), () => {}),
  ];
}

function modelHeaderCases(): Case[] {
  const bytesOf = (make: () => Uint8Array) => decode(make);
  return [
    refuse('model file: header length 0', bytesOf(lengthField(0n)), DataFormatError, 'has a header that is not a JSON object'),
    refuse('model file: header length 1', bytesOf(lengthField(1n)), DataFormatError, 'has a header that is not valid JSON'),
    refuse('model file: header length 2^63', bytesOf(lengthField(2n ** 63n)), DataFormatError, 'declares a 9223372036854775808-byte header but only'),
    refuse('model file: header length 2^64 − 1', bytesOf(lengthField(2n ** 64n - 1n)), DataFormatError, 'declares a 18446744073709551615-byte header'),
    refuse('model file: header length one past the file', bytesOf(lengthField(BigInt(model.length - 7))), DataFormatError, `declares a ${model.length - 7}-byte header but only ${model.length - 8} bytes follow`),
    refuse('model file: header length reaching into the data', bytesOf(lengthField(BigInt(headerLength + 5))), DataFormatError, /has a header that is not valid (JSON|UTF-8)/),
    refuse('model file: a header of 100,000,001 bytes (above the limit)', () => decodeModel(modelWith('', new Uint8Array(100_000_001), 100_000_001n), 'big.safetensors'), DataFormatError, 'above the 100000000-byte limit'),
    refuse('model file: a header that is not UTF-8', bytesOf(() => modelWith('{"a":"xx"}', new Uint8Array()).map((b, i) => (i === 8 + 6 ? 0xff : b))), DataFormatError, 'has a header that is not valid UTF-8'),
    refuse('model file: a header that is a JSON array', bytesOf(() => modelWith('[]', new Uint8Array())), DataFormatError, 'has a header that is not a JSON object'),
    refuse('model file: a header that is null', bytesOf(() => modelWith('null', new Uint8Array())), DataFormatError, 'has a header that is not a JSON object'),
    refuse('model file: a header with a leading space', bytesOf(() => modelWith(' {}', new Uint8Array())), DataFormatError, 'has a header that is not a JSON object'),
    refuse('model file: an empty header object', bytesOf(() => modelWith('{}', new Uint8Array())), DataFormatError, 'is not a webgpu-rbm model file (metadata format is undefined)'),
    refuse('model file: a header nested a hundred thousand deep', bytesOf(() => modelWith(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, new Uint8Array())), DataFormatError, "tensor 'a' is not an object"),
    refuse('model file: a header with trailing garbage', bytesOf(() => modelWith(`${new TextDecoder().decode(model.subarray(8, 8 + headerLength))}x`)), DataFormatError, 'has a header that is not valid JSON'),
  ];
}

function modelValueCases(): Case[] {
  const at = (tensor: string, element: number, value: number) => () => {
    const out = model.slice();
    const h = parsedHeader();
    const begin = (h[tensor].data_offsets as number[])[0];
    new DataView(out.buffer).setFloat32(8 + headerLength + begin + 4 * element, value, true);
    return out;
  };
  return [
    refuse('model file: NaN in w', decode(at('w', 4, NaN)), DataFormatError, 'weights: element 4 is NaN'),
    refuse('model file: Infinity in hidden_bias', decode(at('hidden_bias', 1, Infinity)), DataFormatError, 'hiddenBias: element 1 is Infinity'),
    refuse('model file: −Infinity in delta_visible_bias', decode(at('delta_visible_bias', 0, -Infinity)), DataFormatError, 'visibleBiasVelocity: element 0 is -Infinity'),
    accept('model file: the valid file loads exactly', decode(() => model), (s: ModelState) => {
      expect(s.parameters.weights).toEqual(state.parameters.weights);
      expect(s.history).toEqual(state.history);
      expect(s.inferenceDraws).toBe(4);
    }),
    accept('model file: from a Buffer at an offset in a larger buffer', () => decodeModel(Buffer.concat([Buffer.alloc(3), Buffer.from(model)]).subarray(3), 'x'), (s: ModelState) =>
      expect(s.parameters.hiddenBias).toEqual(state.parameters.hiddenBias),
    ),
  ];
}

/** Values that are not bytes, as careless callers pass them. */
const NOT_BYTES: [string, () => unknown, string][] = [
  ['null', () => null, 'expected a Uint8Array of file bytes, got null'],
  ['undefined', () => undefined, 'expected a Uint8Array of file bytes, got undefined'],
  ['a number', () => 5, 'expected a Uint8Array of file bytes, got number'],
  ['a string', () => 'bytes', 'expected a Uint8Array of file bytes, got string'],
  ['a plain array', () => [0, 0, 8, 1, 0, 0, 0, 1, 5], 'expected a Uint8Array of file bytes, got an array'],
  ['an ArrayBuffer', () => new ArrayBuffer(16), 'expected a Uint8Array of file bytes, got ArrayBuffer'],
  ['a DataView', () => new DataView(new ArrayBuffer(16)), 'expected a Uint8Array of file bytes, got DataView'],
  ['a Uint8ClampedArray', () => new Uint8ClampedArray(16), 'expected a Uint8Array of file bytes, got Uint8ClampedArray'],
  ['an Int8Array', () => new Int8Array(16), 'expected a Uint8Array of file bytes, got Int8Array'],
  ['a SharedArrayBuffer-backed Uint8Array', () => new Uint8Array(new SharedArrayBuffer(16)), 'is backed by a SharedArrayBuffer'],
];

function argumentCases(what: string, call: (bytes: unknown) => unknown): Case[] {
  return NOT_BYTES.map(([name, value, message]) => refuse(`${what} given ${name}`, () => call(value()), InvalidArgumentError, `bytes: ${message}`));
}

describe('model files', () => {
  cases(truncationCases());
  cases(tensorFieldCases());
  cases(metadataCases());
  cases(modelHeaderCases());
  cases(modelValueCases());
  cases([
    ...argumentCases('decodeModel', (b) => decodeModel(b as Uint8Array, 'x')),
    refuse('decodeModel given a source that is not a string', () => decodeModel(model, 5 as never), InvalidArgumentError, 'source: expected a string, got number'),
    refuse('encodeModel given null', () => encodeModel(null as never), InvalidArgumentError, 'state: expected an object'),
    refuse('encodeModel given a state with NaN weights', () => encodeModel({ ...state, parameters: { ...state.parameters, weights: Float32Array.of(1, 2, NaN, 4, 5, 6) } }), InvalidArgumentError, 'state.weights: element 2 is NaN'),
    refuse('encodeModel given a history of unequal lengths', () => encodeModel({ ...state, history: { epoch: [1, 2], klDivergence: [1] } }), InvalidArgumentError, 'state.history: has 2 epochs but 1 KL values'),
  ]);
});

// ---------------------------------------------------------------------------------------------
// IDX, plain

/** IDX bytes: magic (0, 0, type, ndims), big-endian uint32 dimensions, then `body`. */
function idx(type: number, dims: number[], body: number[] | Uint8Array): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => new DataView(head.buffer).setUint32(4 + 4 * i, d));
  return concat(head, Uint8Array.from(body));
}
const sample = idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
const parse = (make: () => Uint8Array) => () => parseIdx(make(), 'x.idx');

function idxCases(): Case[] {
  const out: Case[] = [];
  for (let n = 0; n < sample.length; n++) {
    const expected =
      n < 4 ? `is ${n} bytes long; an IDX header needs at least 4` : n < 12 ? `is truncated: 2 dimensions need a 12-byte header, file has ${n} bytes` : `is truncated: dimensions 2 × 3 of unsigned byte need 6 bytes of data, found ${n - 12}`;
    out.push(refuse(`IDX cut to ${n} of ${sample.length} bytes`, parse(() => sample.slice(0, n)), DataFormatError, expected));
  }
  const typed: [number, number[], number[]][] = [
    [0x08, [0, 127, 255], [0, 127, 255]],
    [0x09, [0, 127, 255], [0, 127, -1]],
    [0x0b, [1, 2, 0xff, 0xfe], [258, -2]],
    [0x0c, [0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe], [258, -2]],
    [0x0d, [0x3f, 0xc0, 0, 0], [1.5]],
    [0x0e, [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], [1.5]],
  ];
  for (const [type, body, values] of typed) {
    out.push(accept(`IDX of type 0x${type.toString(16)} parses`, parse(() => idx(type, [values.length], body)), (a: { data: ArrayLike<number> }) => expect(Array.from(a.data)).toEqual(values)));
  }
  for (const code of [0x00, 0x01, 0x07, 0x0a, 0x0f, 0xff]) {
    out.push(refuse(`IDX of type code 0x${code.toString(16)}`, parse(() => idx(code, [1], [0])), DataFormatError, `has unknown IDX type code 0x${code.toString(16)}`));
  }
  for (const [position, value] of [[0, 1], [1, 1], [0, 0xff], [1, 0x8b]]) {
    out.push(refuse(`IDX with byte ${position} of the magic number ${value}`, parse(() => sample.map((b, i) => (i === position ? value : b))), DataFormatError, 'is not an IDX file (its first two bytes are not zero)'));
  }
  out.push(
    refuse('IDX declaring zero dimensions', parse(() => Uint8Array.of(0, 0, 8, 0, 1, 2)), DataFormatError, 'declares zero dimensions'),
    refuse('IDX declaring 255 dimensions in 20 bytes', parse(() => concat(Uint8Array.of(0, 0, 8, 255), new Uint8Array(16))), DataFormatError, 'is truncated: 255 dimensions need a 1024-byte header, file has 20 bytes'),
  );
  for (const d of [0, 1]) {
    for (const size of [0xffffffff, 0x80000000, 0x10000, 7]) {
      out.push(
        refuse(`IDX with dimension ${d} set to ${size}`, parse(() => { const b = sample.slice(); new DataView(b.buffer).setUint32(4 + 4 * d, size); return b; }), DataFormatError, /is truncated: dimensions \d+ × \d+ of unsigned byte need \d+ bytes of data, found 6/),
      );
    }
    out.push(refuse(`IDX with dimension ${d} set to 0 (and 6 bytes of data)`, parse(() => { const b = sample.slice(); new DataView(b.buffer).setUint32(4 + 4 * d, 0); return b; }), DataFormatError, 'is longer than its header says: dimensions'));
  }
  out.push(
    refuse('IDX of 2^32−1 cubed doubles', parse(() => idx(0x0e, [0xffffffff, 0xffffffff, 0xffffffff], [])), DataFormatError, 'need about 6.34e+29 bytes of data, found 0'),
    refuse('IDX with a byte after its data', parse(() => concat(sample, Uint8Array.of(9))), DataFormatError, 'is longer than its header says: dimensions 2 × 3 of unsigned byte need 6 bytes of data, found 7'),
    accept('IDX of 0 × 3 values parses as empty', parse(() => idx(0x08, [0, 3], [])), (a: { dims: number[]; data: Uint8Array }) => expect([a.dims, a.data.length]).toEqual([[0, 3], 0])),
    refuse('IDX of 0 × 3 values as a matrix', () => idxToMatrix(parseIdx(idx(0x08, [0, 3], [])), 'x.idx'), DataFormatError, 'holds no values (dimensions 0 × 3)'),
    accept('IDX parsed from a Buffer at an offset', () => parseIdx(Buffer.concat([Buffer.alloc(5), Buffer.from(sample)]).subarray(5)), (a: { data: Uint8Array }) => expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6])),
    ...argumentCases('parseIdx', (b) => parseIdx(b as Uint8Array)),
    ...argumentCases('decodeIdxBytes', (b) => decodeIdxBytes(b as Uint8Array, 'x')),
    refuse('parseIdx given a source that is not a string', () => parseIdx(sample, {} as never), InvalidArgumentError, 'source: expected a string, got Object'),
    refuse('idxToMatrix given null', () => idxToMatrix(null as never), InvalidArgumentError, 'idx: expected { dims, data }, got null'),
    refuse('idxToMatrix given plain-array data', () => idxToMatrix({ dims: [2], data: [1, 2] as never }), InvalidArgumentError, 'idx: data: expected a typed array of an IDX type, got an array'),
    refuse('idxToMatrix given dims that do not match the data', () => idxToMatrix({ dims: [2, 2], data: new Uint8Array(3) }), InvalidArgumentError, 'idx: data: has 3 values; dims 2 × 2 need 4'),
    refuse('idxToMatrix given negative dims', () => idxToMatrix({ dims: [-1, 2], data: new Uint8Array(2) }), InvalidArgumentError, 'idx: dims: expected a non-empty array of non-negative integers'),
    refuse('idxToMatrix given no dims', () => idxToMatrix({ dims: [], data: new Uint8Array(1) }), InvalidArgumentError, 'idx: dims: expected a non-empty array'),
    refuse('idxToMatrix above the memory limit', withLimit(20, () => idxToMatrix(parseIdx(sample), 'x.idx')), InvalidArgumentError, 'x.idx: a 2 × 3 float32 matrix would need 24 B of memory, above the limit of 20 B'),
  );
  return out;
}

describe('IDX files', () => {
  cases(idxCases());
});

// ---------------------------------------------------------------------------------------------
// IDX, gzip-compressed

const gz = (bytes: Uint8Array, level = 6) => new Uint8Array(gzipSync(bytes, { level }));
const gzSample = gz(sample);
const gunzipped = (make: () => Uint8Array) => () => decodeIdxBytes(make(), 'x.idx.gz');

/** A gzip member around raw deflate data (so the deflate stream can be built by hand). */
function gzipMember(deflate: Uint8Array, content: Uint8Array, { flags = 0, extra = new Uint8Array() } = {}): Uint8Array {
  const trailer = new Uint8Array(8);
  new DataView(trailer.buffer).setUint32(0, crc32(content), true);
  new DataView(trailer.buffer).setUint32(4, content.length, true);
  return concat(Uint8Array.of(0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 255), extra, deflate, trailer);
}
/** Deflate blocks that hold nothing (stored, length 0): many of them yield no output at all. */
const emptyBlocks = (count: number) => {
  const out = new Uint8Array(5 * count);
  for (let i = 0; i < count; i++) out.set([0, 0, 0, 0xff, 0xff], 5 * i);
  return out;
};

function gzipCases(): Case[] {
  const out: Case[] = [];
  for (let n = 0; n < gzSample.length; n++) {
    const expected = n < 2 ? `is ${n} bytes long; an IDX header needs at least 4` : 'is not valid gzip data (unexpected end of file)';
    out.push(refuse(`.gz cut to ${n} of ${gzSample.length} bytes`, gunzipped(() => gzSample.slice(0, n)), DataFormatError, expected));
  }
  for (let n = 0; n < sample.length; n++) {
    out.push(refuse(`.gz of an IDX cut to ${n} bytes`, gunzipped(() => gz(sample.slice(0, n))), DataFormatError, n < 4 ? 'an IDX header needs at least 4' : 'is truncated'));
  }
  const declaring = (dims: number[], body: Uint8Array) => gz(idx(0x08, dims, body), 9);
  const bomb = (count: number) => gzipMember(concat(emptyBlocks(count), deflateRawSync(idx(0x08, [1000, 1000], new Uint8Array(1_000_000)), { level: 9 })), idx(0x08, [1000, 1000], new Uint8Array(1_000_000)));
  out.push(
    accept('.gz of a valid IDX parses', gunzipped(() => gzSample), (a: { data: Uint8Array }) => expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6])),
    accept('.gz in two members parses', gunzipped(() => concat(gz(sample.subarray(0, 7)), gz(sample.subarray(7)))), (a: { data: Uint8Array }) => expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6])),
    accept('.gz with trailing zero padding parses', gunzipped(() => concat(gzSample, new Uint8Array(16))), (a: { dims: number[] }) => expect(a.dims).toEqual([2, 3])),
    accept('.gz with a 100 kB file name in its header parses', gunzipped(() => gzipMember(deflateRawSync(sample), sample, { flags: 8, extra: concat(ascii('n'.repeat(100_000)), Uint8Array.of(0)) })), (a: { dims: number[] }) =>
      expect(a.dims).toEqual([2, 3]),
    ),
    accept('.gz whose IDX starts behind 100,000 empty deflate blocks parses', gunzipped(() => bomb(100_000)), (a: { dims: number[] }) => expect(a.dims).toEqual([1000, 1000])),
    refuse('.gz bomb behind 100,000 empty deflate blocks, above the memory limit', withLimit(500_000, gunzipped(() => bomb(100_000))), InvalidArgumentError, 'x.idx.gz: its 1000 × 1000 unsigned byte values would need'),
    refuse(
      'the review\'s gzip bomb: 70000 × 30000 declared, 16 MB of zeros',
      gunzipped(() => declaring([70000, 30000], new Uint8Array(16_000_000))),
      DataFormatError,
      /declares 2100000012 bytes of IDX data \(dimensions 70000 × 30000\), more than \d+ bytes of gzip data can hold/,
    ),
    refuse('.gz declaring 70000 × 30000 with no data', gunzipped(() => declaring([70000, 30000], new Uint8Array())), DataFormatError, 'more than'),
    refuse('.gz declaring 2^32−1 × 2^32−1 doubles', gunzipped(() => gz(idx(0x0e, [0xffffffff, 0xffffffff], []))), DataFormatError, 'declares about 1.48e+20 bytes of IDX data'),
    refuse('.gz above the memory limit', withLimit(100_000, gunzipped(() => declaring([200, 1000], Uint8Array.from(fixture(200_000, 3), (v) => v * 255)))), InvalidArgumentError, /its 200 × 1000 unsigned byte values would need [\d.]+ kB of memory, above the limit of 100 kB/),
    refuse('.gz that decompresses past its declared size', gunzipped(() => gz(concat(sample, new Uint8Array(5000)))), DataFormatError, 'decompresses to more than the 18 bytes its IDX header declares'),
    refuse('.gz whose checksum is wrong', gunzipped(() => gzSample.map((b, i) => (i === gzSample.length - 6 ? b ^ 1 : b))), DataFormatError, 'is not valid gzip data (incorrect data check)'),
    refuse('.gz whose length field is wrong', gunzipped(() => gzSample.map((b, i) => (i === gzSample.length - 4 ? b ^ 1 : b))), DataFormatError, 'is not valid gzip data (incorrect length check)'),
    refuse('.gz followed by garbage', gunzipped(() => concat(gzSample, ascii('garbage'))), DataFormatError, 'is not valid gzip data'),
    refuse('.gz with an unknown compression method', gunzipped(() => gzSample.map((b, i) => (i === 2 ? 7 : b))), DataFormatError, 'is not valid gzip data'),
    refuse('.gz of text', gunzipped(() => gz(ascii('1,2\n3,4\n'))), DataFormatError, 'is not an IDX file'),
    refuse('.gz of nothing', gunzipped(() => gz(new Uint8Array())), DataFormatError, 'is 0 bytes long; an IDX header needs at least 4'),
    refuse('.gz of an unknown type code', gunzipped(() => gz(idx(0x0a, [1], [0]))), DataFormatError, 'has unknown IDX type code 0xa'),
  );
  for (const at of [12, 14, 16]) {
    out.push(refuse(`.gz with a corrupt byte ${at} in its deflate data`, gunzipped(() => gzSample.map((b, i) => (i === at ? b ^ 0xff : b))), DataFormatError, /not valid gzip data|is truncated|longer than its header|type code|not an IDX file/));
  }
  return out;
}

describe('IDX files, gzip-compressed', () => {
  cases(gzipCases());
});

// ---------------------------------------------------------------------------------------------
// NumPy .npy (more cases, against files NumPy wrote, in npy.test.ts)

const npySample = encodeNpy({ data: Float32Array.of(0, 0.5, 1, 0.25, 0.75, 1), rows: 2, cols: 3 });
const npyHeaderEnd = npySample.length - 24;
/** npySample with its header dict replaced by `dict` (format 1.0, the header length set to fit). */
function npyWith(dict: string): Uint8Array {
  const text = new TextEncoder().encode(`${dict}\n`);
  const start = Uint8Array.from(npySample.subarray(0, 10));
  new DataView(start.buffer).setUint16(8, text.length, true);
  return concat(start, text, npySample.subarray(npyHeaderEnd));
}

function npyCases(): Case[] {
  const out: Case[] = [accept('.npy: the sample parses', () => parseNpy(npySample), (a: { shape: number[] }) => expect(a.shape).toEqual([2, 3]))];
  for (let n = 0; n < npySample.length; n++) {
    out.push(refuse(`.npy truncated to ${n} bytes`, () => parseNpy(npySample.subarray(0, n), 'x.npy'), DataFormatError, /^x\.npy: (is not a \.npy file|is truncated)/));
  }
  const dicts: [string, string, RegExp | string][] = [
    ['fortran_order True', "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 'Fortran (column-major) order'],
    ['an int64 dtype', "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", 'has dtype "<i8"'],
    ['a long dtype string', `{'descr': '${'x'.repeat(2000)}', 'fortran_order': False, 'shape': (2, 3), }`, /has dtype "x{20}"; only/],
    ['a call', "{'descr': eval('1'), 'fortran_order': False, 'shape': (2, 3), }", 'not a Python dict literal'],
    ['a shape of 2^60', "{'descr': '<f4', 'fortran_order': False, 'shape': (1152921504606846976, 3), }", 'too large'],
    ['a huge shape', "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 'is truncated: shape (4294967296, 4294967296) of float32 needs about'],
    ['an empty header', '', "expected '{'"],
  ];
  for (const [name, dict, message] of dicts) out.push(refuse(`.npy with ${name}`, () => parseNpy(npyWith(dict), 'x.npy'), DataFormatError, message));
  out.push(refuse('.npy with a trailing byte', () => parseNpy(concat(npySample, Uint8Array.of(0)), 'x.npy'), DataFormatError, 'is longer than its header says'));
  out.push(refuse('.npy above the memory limit', withLimit(60, () => parseNpy(npySample, 'x.npy')), InvalidArgumentError, 'x.npy: its (2, 3) float32 values would need'));
  return out;
}

describe('NumPy .npy files', () => {
  cases(npyCases());
});

// ---------------------------------------------------------------------------------------------
// Text (CSV and whitespace)

const rows = (m: Matrix) => Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
const text = (input: string) => () => parseTextMatrix(input, 'users.csv');
const is = (expected: number[][]) => (m: Matrix) => expect(rows(m)).toEqual(expected);

function textCases(): Case[] {
  const out: Case[] = [
    accept('text with \\n line endings', text('0,1,0\n1,0,1\n'), is([[0, 1, 0], [1, 0, 1]])),
    accept('text with \\r\\n line endings', text('0,1,0\r\n1,0,1\r\n'), is([[0, 1, 0], [1, 0, 1]])),
    accept('text with \\r line endings (classic Mac)', text('0,1,0\r1,0,1\r'), is([[0, 1, 0], [1, 0, 1]])),
    accept('text with mixed line endings', text('1 2\r3 4\n5 6\r\n7 8'), is([[1, 2], [3, 4], [5, 6], [7, 8]])),
    accept('text without a final line break', text('1 2\n3 4'), is([[1, 2], [3, 4]])),
    accept('text with a leading byte-order mark', text('\uFEFF1,2\n3,4\n'), is([[1, 2], [3, 4]])),
    accept('text with blank, whitespace-only and comment lines', text('# users\n\n  \t\n1 2\n   # indented comment\n\n3 4\n'), is([[1, 2], [3, 4]])),
    accept('text with trailing spaces and tabs', text('1 2 \t\n3\t4  \n'), is([[1, 2], [3, 4]])),
    accept('text with commas and spaces mixed', text('1, 2 ,3\n4 ,5,  6\n'), is([[1, 2, 3], [4, 5, 6]])),
    accept('text with signs, exponents and bare points', text('+1 -0 .5 5. 1E3 2.5e-1\n'), is([[1, -0, 0.5, 5, 1000, 0.25]])),
    accept('text with the largest float32', text('3.4028234e38\n'), is([[Math.fround(3.4028234e38)]])),
    refuse('text with a trailing comma', text('1,2,3,\n'), DataFormatError, 'line 1, column 4: is empty'),
    refuse('text with a leading comma', text('1,2\n,3\n'), DataFormatError, 'line 2, column 1: is empty'),
    refuse('text with two commas in a row', text('1,,2\n'), DataFormatError, 'line 1, column 2: is empty'),
    refuse('text with a line of only a comma', text(',\n'), DataFormatError, 'line 1, column 1: is empty'),
    refuse('text with a ragged row', text('1 2\n3\n'), DataFormatError, 'line 2 has 1 values; earlier lines have 2'),
    refuse('text with a long row after comments', text('# c\n1 2\n\n3 4 5\n'), DataFormatError, 'line 4 has 3 values; earlier lines have 2'),
    refuse('text with ragged rows and \\r line endings', text('1 2\r3 4\r5\r'), DataFormatError, 'line 3 has 1 values; earlier lines have 2'),
    refuse('text with a byte-order mark starting line 2', text('1 2\n\uFEFF3 4\n'), DataFormatError, 'line 2, column 1: \'\\ufeff3\' contains a byte-order mark'),
    refuse('text with a byte-order mark inside a field', text('1 2\uFEFF3\n'), DataFormatError, 'line 1, column 2: \'2\\ufeff3\' contains a byte-order mark'),
    refuse('text that is only a byte-order mark twice', text('\uFEFF\uFEFF'), DataFormatError, 'line 1, column 1'),
    refuse('empty text', text(''), DataFormatError, 'contains no rows of numbers'),
    refuse('text of only line breaks', text('\n\r\n\r'), DataFormatError, 'contains no rows of numbers'),
    refuse('text of only comments', text('# a\n# b'), DataFormatError, 'contains no rows of numbers'),
    refuse('text with a megabyte-long field', text(`1 ${'x'.repeat(1_000_000)}\n`), DataFormatError, /line 1, column 2: 'x{32}…' is not a finite number/),
    refuse('text with a field of 200,000 digits and a letter, in linear time', quickly(1000, text(`1 ${'9'.repeat(200_000)}x\n`)), DataFormatError, /line 1, column 2: '9{32}…' is not a finite number/),
    accept('text with 200,000 spaces between two fields, in linear time', quickly(1000, text(`1${' '.repeat(200_000)}2\n`)), is([[1, 2]])),
    accept('text with 200,000 spaces before a comma, in linear time', quickly(1000, text(`1${' '.repeat(200_000)},2\n`)), is([[1, 2]])),
    refuse('text with 200,000 spaces before a stray character, in linear time', quickly(1000, text(`1${' \t'.repeat(100_000)}\u00a0x\n`)), DataFormatError, "line 1, column 2: 'x' is not a finite number"),
    refuse('text with a NUL character', text('1 \u0000\n'), DataFormatError, "line 1, column 2: '\\u0000' is not a finite number"),
    refuse('text above the memory limit', withLimit(20, text('1 2 3\n4 5 6\n')), InvalidArgumentError, 'users.csv: a 2 × 3 float32 matrix would need 24 B of memory, above the limit of 20 B'),
  ];
  const fields: [string, string][] = [
    ['NaN', 'is not a finite number'],
    ['nan', 'is not a finite number'],
    ['-NaN', 'is not a finite number'],
    ['Infinity', 'is not a finite number'],
    ['-Infinity', 'is not a finite number'],
    ['inf', 'is not a finite number'],
    ['1e999', "is outside float32's range"],
    ['1e39', "is outside float32's range"],
    ['-3.5e38', "is outside float32's range"],
    ['0x10', 'is not a decimal number (hexadecimal, octal and binary are not read)'],
    ['0X1F', 'is not a decimal number'],
    ['-0x1', 'is not a decimal number'],
    ['0b101', 'is not a decimal number'],
    ['0o17', 'is not a decimal number'],
    ['1.2.3', 'is not a finite number'],
    ['1e', 'is not a finite number'],
    ['.', 'is not a finite number'],
    ['-', 'is not a finite number'],
    ['1_000', 'is not a finite number'],
    ['٣', 'is not a finite number'],
    ['½', 'is not a finite number'],
    ['true', 'is not a finite number'],
    ['1e5e5', 'is not a finite number'],
  ];
  for (const [field, message] of fields) out.push(refuse(`text with a field '${field}'`, text(`0 1\n1 ${field}\n`), DataFormatError, `line 2, column 2: '${field.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}' ${message}`));
  for (const [name, value, message] of [['null', null, 'got null'], ['undefined', undefined, 'got undefined'], ['a number', 5, 'got number'], ['an array', ['1 2'], 'got an array'], ['a Buffer', Buffer.from('1 2'), 'got Buffer']] as const) {
    out.push(refuse(`parseTextMatrix given ${name}`, () => parseTextMatrix(value as never), InvalidArgumentError, `text: expected a string, ${message}`));
  }
  out.push(refuse('parseTextMatrix given a source that is not a string', () => parseTextMatrix('1', null as never), InvalidArgumentError, 'source: expected a string, got null'));
  return out;
}

function pieceCases(): Case[] {
  const input = '1 2\r\n3 4\r5 6\n7 8';
  const out: Case[] = [];
  for (const size of [4, 5, 6, 8, 13, 100]) {
    out.push(accept(`text read in pieces of ${size} bytes equals the whole`, () => parseTextPieces(decodeText(ascii(input), 'x', size), 'x'), (m: Matrix) => expect(rows(m)).toEqual(rows(parseTextMatrix(input)))));
  }
  out.push(
    refuse('text in pieces: a \\r\\n across a piece boundary counts as one line break', () => parseTextPieces(decodeText(ascii('1 2 3\r\n4 5 6\r\n7\r\n'), 'x', 6), 'x'), DataFormatError, 'line 3 has 1 values'),
    refuse('text in pieces: a line longer than a piece', () => decodeText(ascii('1 2 3 4\n'), 'long.txt', 4), DataFormatError, 'long.txt: has a line longer than 4 B'),
    accept('text in pieces: a byte-order mark is dropped once, at the start', () => decodeText(concat(Uint8Array.of(0xef, 0xbb, 0xbf), ascii('1\n2\n')), 'x', 5), (pieces: string[]) => expect(pieces).toEqual(['1\n', '2\n'])),
    refuse('text in pieces: a byte-order mark later is kept (and refused)', () => parseTextPieces(decodeText(concat(ascii('1\n'), Uint8Array.of(0xef, 0xbb, 0xbf), ascii('2\n')), 'x', 5), 'x'), DataFormatError, "line 2, column 1: '\\ufeff2' contains a byte-order mark"),
  );
  return out;
}

describe('text files', () => {
  cases(textCases());
  cases(pieceCases());
});

// ---------------------------------------------------------------------------------------------
// Reading files from disk

function readerCases(): Case[] {
  const missing = join(dir, 'missing.csv');
  return [
    accept('readMatrixFile: CSV with \\r line endings', async () => readMatrixFile(await file('0,1,0\r1,0,1\r', 'cr.csv')), is([[0, 1, 0], [1, 0, 1]])),
    accept('readMatrixFile: UTF-8 with a byte-order mark', async () => readMatrixFile(await file(concat(Uint8Array.of(0xef, 0xbb, 0xbf), ascii('1 0\n0 1\n')), 'bom.txt')), is([[1, 0], [0, 1]])),
    refuse('readMatrixFile: UTF-16LE text', async () => readMatrixFile(await file(concat(Uint8Array.of(0xff, 0xfe), ascii('1\u00002\u0000')), 'utf16.csv')), DataFormatError, 'is UTF-16 text'),
    refuse('readMatrixFile: UTF-16BE text', async () => readMatrixFile(await file(Uint8Array.of(0xfe, 0xff, 0, 0x31), 'utf16be.csv')), DataFormatError, 'is UTF-16 text'),
    refuse('readMatrixFile: a text file larger than the memory limit', async () => { const path = await file('1 2\n'.repeat(25), 'big.csv'); return withLimit(99, () => readMatrixFile(path))(); }, InvalidArgumentError, 'reading the file would need 100 B of memory, above the limit of 99 B'),
    refuse('readMatrixFile: an IDX whose matrix is above the memory limit', async () => { const path = await file(idx(0x08, [10, 10], new Uint8Array(100)), 'm.idx'); return withLimit(400, () => readMatrixFile(path))(); }, InvalidArgumentError, 'its 10 × 10 unsigned byte values would need 512 B'),
    accept('readMatrixFile: a .gz IDX', async () => readMatrixFile(await file(gz(idx(0x08, [1, 2], [255, 0])), 'm.idx.gz')), is([[1, 0]])),
    refuse('readMatrixFile: a folder', () => readMatrixFile(folder()), FileAccessError, 'is a folder, not a file'),
    refuse('readMatrixFile: a missing file', () => readMatrixFile(missing), FileAccessError, `${missing}: no such file`),
    refuse('readMatrixFile: a path through a file', async () => readMatrixFile(join(await file('1'), 'x.csv')), FileAccessError, 'a part of its path is not a folder'),
    refuse('readMatrixFile: an empty path', () => readMatrixFile(''), InvalidArgumentError, 'path: expected a file name'),
    refuse('readMatrixFile: a path with a NUL byte', () => readMatrixFile('a\0b'), InvalidArgumentError, 'path: expected a file name'),
    refuse('readMatrixFile: a path that is a number', () => readMatrixFile(5 as never), InvalidArgumentError, 'path: expected a file name, got number'),
    refuse('readFileBytes: /dev/zero, endless, stops at the memory limit', withLimit(1_000_000, () => readFileBytes('/dev/zero')), InvalidArgumentError, '/dev/zero: reading it would need'),
    refuse('readIdxFile: a plain IDX shorter than its header declares is refused before reading', async () => readIdxFile(await file(idx(0x08, [70000, 30000], new Uint8Array(10)), 'short.idx')), DataFormatError, 'is truncated: dimensions 70000 × 30000 of unsigned byte need 2100000000 bytes of data, found 10'),
    refuse('readIdxFile: a plain IDX above the memory limit', async () => { const path = await file(idx(0x0d, [10, 10], new Uint8Array(400)), 'f.idx'); return withLimit(500, () => readIdxFile(path))(); }, InvalidArgumentError, 'its 10 × 10 float values would need 812 B'),
    refuse('readIdxFile: the review\'s gzip bomb from disk', async () => readIdxFile(await file(gz(idx(0x08, [70000, 30000], new Uint8Array(4_000_000)), 9), 'bomb.idx.gz')), DataFormatError, 'more than'),
    accept('readIdxFile: a .gz IDX from disk', async () => readIdxFile(await file(gzSample, 's.idx.gz')), (a: { data: Uint8Array }) => expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6])),
  ];
}

describe('reading files', () => {
  cases(readerCases());
});

// ---------------------------------------------------------------------------------------------
// loss.dat

function lossCases(): Case[] {
  const format = (history: unknown) => () => formatLossFile(history as never);
  const parseLoss = (input: string) => () => parseLossFile(input, 'loss.dat');
  return [
    refuse('formatLossFile given null', format(null), InvalidArgumentError, 'history: expected { epoch, klDivergence }'),
    refuse('formatLossFile given a number', format(5), InvalidArgumentError, 'history: expected { epoch, klDivergence }'),
    refuse('formatLossFile given {}', format({}), InvalidArgumentError, 'history.epoch: expected an array'),
    refuse('formatLossFile given KL values that are a string', format({ epoch: [1], klDivergence: '0.5' }), InvalidArgumentError, 'history.klDivergence: expected an array'),
    refuse('formatLossFile given more epochs than values', format({ epoch: [1, 2], klDivergence: [0.5] }), InvalidArgumentError, 'history: has 2 epochs but 1 KL values'),
    refuse('formatLossFile given a hole in the values', format({ epoch: [1, 2], klDivergence: [0.5, undefined] }), InvalidArgumentError, 'history.klDivergence: entry 1 is undefined; expected a finite number'),
    ...([NaN, Infinity, '0.5', null] as const).map((v) =>
      refuse(`formatLossFile given a KL value ${String(v)}`, format({ epoch: [1], klDivergence: [v] }), InvalidArgumentError, `history.klDivergence: entry 0 is ${String(v)}; expected a finite number`),
    ),
    ...([0, -1, 1.5, NaN, '1', 2 ** 53] as const).map((e) => refuse(`formatLossFile given an epoch ${String(e)}`, format({ epoch: [e], klDivergence: [0.5] }), InvalidArgumentError, `history.epoch: entry 0 is ${String(e)}; expected a positive integer`)),
    accept('formatLossFile of an empty history', format({ epoch: [], klDivergence: [] }), (t: string) => expect(t).toBe('# epoch KL_divergence\n')),
    accept('formatLossFile of epochs that do not start at 1', format({ epoch: [3, 7], klDivergence: [0.5, 0.25] }), (t: string) => expect(t).toBe('# epoch KL_divergence\n3 0.5\n7 0.25\n')),
    refuse('writeLossFile of a bad history writes nothing', async () => { const path = join(dir, 'never.dat'); try { return await writeLossFile(path, { epoch: [1, 2], klDivergence: [0.5] }); } finally { expect(existsSync(path)).toBe(false); } }, InvalidArgumentError, 'history: has 2 epochs but 1 KL values'),
    accept('parseLossFile with \\r line endings', parseLoss('# epoch KL\r1 0.5\r2 0.25\r'), (h: unknown) => expect(h).toEqual({ epoch: [1, 2], klDivergence: [0.5, 0.25] })),
    accept('parseLossFile with \\r\\n line endings', parseLoss('# epoch KL\r\n1 0.5\r\n2 0.25\r\n'), (h: unknown) => expect(h).toEqual({ epoch: [1, 2], klDivergence: [0.5, 0.25] })),
    accept('parseLossFile of what formatLossFile wrote', parseLoss(formatLossFile({ epoch: [1, 2], klDivergence: [1e-7, 3] })), (h: unknown) => expect(h).toEqual({ epoch: [1, 2], klDivergence: [1e-7, 3] })),
    ...['1 0.5 extra', '0x1 0.5', '1 0x10', '1 NaN', '1 Infinity', '-1 0.5', '0 0.5', '1.5 0.5', '1', '1e0 0.5'].map((line) => refuse(`parseLossFile of a line '${line}'`, parseLoss(`# h\n${line}\n`), DataFormatError, `line 2 is not "epoch value" (a positive integer and a finite number): '${line}'`)),
    refuse('parseLossFile of a megabyte-long line', parseLoss(`1 ${'9'.repeat(1_000_000)}x\n`), DataFormatError, /line 1 is not "epoch value" .*: '1 9{62}…'/),
    refuse('parseLossFile of a value of 200,000 digits and a letter, in linear time', quickly(1000, parseLoss(`1 ${'9'.repeat(200_000)}x\n`)), DataFormatError, 'line 1 is not "epoch value"'),
    refuse('parseLossFile of only comments', parseLoss('# nothing\n'), DataFormatError, 'holds no "epoch value" lines'),
    refuse('parseLossFile given null', () => parseLossFile(null as never), InvalidArgumentError, 'text: expected a string, got null'),
  ];
}

describe('loss.dat', () => {
  cases(lossCases());
});

// ---------------------------------------------------------------------------------------------
// Writers

const temporaries = async (folderPath: string) => (await readdir(folderPath)).filter((f) => f.endsWith('.tmp'));

function writerCases(): Case[] {
  return [
    accept('save through a relative symlink: the target changes, the link stays', async () => {
      const d = folder();
      await writeFile(join(d, 'target.dat'), 'old');
      await symlink('target.dat', join(d, 'link.dat'));
      await writeFileAtomic(join(d, 'link.dat'), 'new');
      return d;
    }, async (d: string) => {
      expect((await lstat(join(d, 'link.dat'))).isSymbolicLink()).toBe(true);
      expect(await readlink(join(d, 'link.dat'))).toBe('target.dat');
      expect(await readFile(join(d, 'target.dat'), 'utf8')).toBe('new');
      expect(await temporaries(d)).toEqual([]);
    }),
    accept('save through an absolute symlink into another folder', async () => {
      const [a, b] = [folder(), folder()];
      await writeFile(join(b, 'real.dat'), 'old');
      await symlink(join(b, 'real.dat'), join(a, 'link.dat'));
      await writeFileAtomic(join(a, 'link.dat'), 'new');
      return [a, b];
    }, async ([a, b]: string[]) => {
      expect((await lstat(join(a, 'link.dat'))).isSymbolicLink()).toBe(true);
      expect(await readFile(join(b, 'real.dat'), 'utf8')).toBe('new');
      expect(await temporaries(a)).toEqual([]);
    }),
    accept('save through a chain of two symlinks', async () => {
      const d = folder();
      await writeFile(join(d, 'real'), 'old');
      await symlink('real', join(d, 'one'));
      await symlink('one', join(d, 'two'));
      await writeFileAtomic(join(d, 'two'), 'new');
      return d;
    }, async (d: string) => {
      expect((await lstat(join(d, 'two'))).isSymbolicLink()).toBe(true);
      expect((await lstat(join(d, 'one'))).isSymbolicLink()).toBe(true);
      expect(await readFile(join(d, 'real'), 'utf8')).toBe('new');
    }),
    accept('save through a symlink whose target does not exist yet creates the target', async () => {
      const d = folder();
      await symlink('later.dat', join(d, 'link.dat'));
      await writeFileAtomic(join(d, 'link.dat'), 'first');
      return d;
    }, async (d: string) => {
      expect((await lstat(join(d, 'link.dat'))).isSymbolicLink()).toBe(true);
      expect(await readFile(join(d, 'later.dat'), 'utf8')).toBe('first');
    }),
    refuse('save through a loop of symlinks', async () => {
      const d = folder();
      await symlink('b', join(d, 'a'));
      await symlink('a', join(d, 'b'));
      await writeFileAtomic(join(d, 'a'), 'x');
    }, FileAccessError, 'symbolic links (a loop?)'),
    refuse('save through a symlink to itself', async () => {
      const d = folder();
      await symlink('self', join(d, 'self'));
      await writeFileAtomic(join(d, 'self'), 'x');
    }, FileAccessError, 'symbolic links (a loop?)'),
    accept('sixteen concurrent saves to one path all succeed, and one of them wins whole', async () => {
      const d = folder();
      const path = join(d, 'model.bin');
      const contents = Array.from({ length: 16 }, (_, i) => new Uint8Array(50_000).fill(i));
      const results = await Promise.allSettled(contents.map((c) => writeFileAtomic(path, c)));
      return { d, path, results };
    }, async ({ d, path, results }: { d: string; path: string; results: PromiseSettledResult<void>[] }) => {
      expect(results.map((r) => r.status)).toEqual(Array(16).fill('fulfilled'));
      const written = new Uint8Array(await readFile(path));
      expect(written.length).toBe(50_000);
      expect(written.every((b) => b === written[0])).toBe(true);
      expect(await temporaries(d)).toEqual([]);
    }),
    accept('concurrent saves through a symlink and to its target all succeed', async () => {
      const d = folder();
      await writeFile(join(d, 'real'), 'old');
      await symlink('real', join(d, 'link'));
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => writeFileAtomic(join(d, i % 2 ? 'link' : 'real'), `version ${i}`)));
      return { d, results };
    }, async ({ d, results }: { d: string; results: PromiseSettledResult<void>[] }) => {
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      expect((await lstat(join(d, 'link'))).isSymbolicLink()).toBe(true);
      expect(await readFile(join(d, 'real'), 'utf8')).toMatch(/^version [0-7]$/);
    }),
    refuse('save where a folder is', () => writeFileAtomic(folder(), 'x'), FileAccessError, 'could not be written: it is a folder'),
    refuse('save through a symlink to a folder', async () => {
      const d = folder();
      await symlink(folder(), join(d, 'link'));
      await writeFileAtomic(join(d, 'link'), 'x');
    }, FileAccessError, 'could not be written: it is a folder'),
    refuse('save into a missing folder', () => writeFileAtomic(join(dir, 'no', 'such', 'file.dat'), 'x'), FileAccessError, /could not be written: the folder .*no[/\\]such does not exist/),
    refuse('save below a file', async () => writeFileAtomic(join(await file('x', 'plain'), 'child.dat'), 'x'), FileAccessError, /could not be written: .*plain is not a folder/),
    refuse('save with a name of 256 bytes', () => writeFileAtomic(join(folder(), 'n'.repeat(256)), 'x'), FileAccessError, 'could not be written: its name is too long'),
    accept('a failed save leaves no temporary file', async () => {
      const d = folder();
      await writeFileAtomic(join(d, 'n'.repeat(256)), 'x').catch(() => {});
      return d;
    }, async (d: string) => expect(await readdir(d)).toEqual([])),
    accept('save with a name of 250 bytes (the temporary name is shortened)', async () => {
      const path = join(folder(), 'n'.repeat(250));
      await writeFileAtomic(path, 'x');
      return path;
    }, async (path: string) => expect(await readFile(path, 'utf8')).toBe('x')),
    accept('a private file (mode 600) stays private', async () => {
      const path = await file('old', 'private');
      await chmod(path, 0o600);
      await writeFileAtomic(path, 'new');
      return path;
    }, async (path: string) => {
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(await readFile(path, 'utf8')).toBe('new');
    }),
    accept('a read-only file in a writable folder is replaced and stays read-only', async () => {
      const path = await file('old', 'readonly');
      await chmod(path, 0o444);
      await writeFileAtomic(path, 'new');
      return path;
    }, async (path: string) => {
      expect((await stat(path)).mode & 0o777).toBe(0o444);
      expect(await readFile(path, 'utf8')).toBe('new');
    }),
    // Root ignores permission bits, so under root the meaningful check is that nothing refuses
    // the write falsely; under another user the folder's bits must refuse it.
    {
      name: `save into a read-only folder (${process.getuid?.() === 0 ? 'root may write it' : 'refused'})`,
      run: async () => {
        const d = folder();
        await chmod(d, 0o555);
        try {
          await writeFileAtomic(join(d, 'f.dat'), 'x');
          return await readFile(join(d, 'f.dat'), 'utf8');
        } finally {
          await chmod(d, 0o755);
        }
      },
      ...(process.getuid?.() === 0
        ? { check: ((content: string) => expect(content).toBe('x')) as (value: never) => void }
        : { error: FileAccessError, message: 'could not be written: no permission to write in' }),
    },
    ...([['an empty path', ''], ['null', null], ['a number', 5], ['a path with a NUL byte', 'a\0b']] as const).map(([what, path]) =>
      refuse(`writeFileAtomic given ${what} as the path`, () => writeFileAtomic(path as never, 'x'), InvalidArgumentError, 'path: expected a file name'),
    ),
    ...([['null', null, 'null'], ['a number', 5, 'number'], ['an object', {}, 'object'], ['an array', [1, 2], 'object']] as const).map(([what, data, got]) =>
      refuse(`writeFileAtomic given ${what} as the data`, () => writeFileAtomic(join(dir, 'never'), data as never), InvalidArgumentError, `data: expected a string or a Uint8Array, got ${got}`),
    ),
    accept('writeLossFile through a symlink keeps the link', async () => {
      const d = folder();
      await writeFile(join(d, 'real.dat'), 'old');
      await symlink('real.dat', join(d, 'loss.dat'));
      await writeLossFile(join(d, 'loss.dat'), { epoch: [1], klDivergence: [0.5] });
      return d;
    }, async (d: string) => {
      expect((await lstat(join(d, 'loss.dat'))).isSymbolicLink()).toBe(true);
      expect(await readFile(join(d, 'real.dat'), 'utf8')).toBe('# epoch KL_divergence\n1 0.5\n');
    }),
    refuse('writeLossFile into a missing folder', () => writeLossFile(join(dir, 'nowhere', 'loss.dat'), { epoch: [1], klDivergence: [0.5] }), FileAccessError, 'does not exist'),
  ];
}

describe('writers', () => {
  cases(writerCases());
});

// Keeps the corpus from shrinking unnoticed.
it('the corpus holds at least 150 cases', () => {
  const total = [truncationCases(), tensorFieldCases(), metadataCases(), modelHeaderCases(), modelValueCases(), idxCases(), gzipCases(), npyCases(), textCases(), pieceCases(), readerCases(), lossCases(), writerCases()].reduce(
    (n, list) => n + list.length,
    0,
  );
  expect(total).toBeGreaterThanOrEqual(150);
});


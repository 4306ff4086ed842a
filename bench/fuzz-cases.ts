/**
 * Mutations of valid model and IDX files, and a runner that classifies what loading each one
 * does. Used by bench/fuzz.ts (tens of thousands of cases) and test/fuzz.test.ts (hundreds).
 */
import { gzipSync } from 'node:zlib';
import { RbmError } from '../src/errors.js';

/** A small deterministic generator for choosing mutations (xorshift32). */
export class Chooser {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    this.s ^= this.s << 13;
    this.s ^= this.s >>> 17;
    this.s ^= this.s << 5;
    return (this.s >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

export interface FuzzCase {
  readonly mutation: string;
  readonly bytes: Uint8Array;
}

const HUGE_NUMBERS = [0, 1, -1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, 1e300, -(2 ** 40), 0.5, Number.MAX_SAFE_INTEGER];

function truncate(bytes: Uint8Array, c: Chooser): Uint8Array {
  return bytes.slice(0, c.int(bytes.length));
}

function flipBits(bytes: Uint8Array, c: Chooser, from = 0, to = bytes.length): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + c.int(8);
  for (let i = 0; i < flips; i++) out[from + c.int(Math.max(1, to - from))] ^= 1 << c.int(8);
  return out;
}

function append(bytes: Uint8Array, c: Chooser): Uint8Array {
  const extra = Uint8Array.from({ length: 1 + c.int(64) }, () => c.int(256));
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes);
  out.set(extra, bytes.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Model files (safetensors)

interface Split {
  header: Record<string, Record<string, unknown>>;
  data: Uint8Array;
}

function splitModel(bytes: Uint8Array): Split {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

function joinModel(header: unknown, data: Uint8Array, lengthField?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const MODEL_MUTATIONS: Record<string, (bytes: Uint8Array, c: Chooser) => Uint8Array> = {
  truncate,
  append,
  'flip bits': (b, c) => flipBits(b, c),
  'flip header bits': (b, c) => flipBits(b, c, 0, 8 + Number(new DataView(b.buffer).getBigUint64(0, true))),
  'header length lies': (b, c) => {
    const out = b.slice();
    const choices = [0n, 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(b.length), BigInt(b.length - 9), BigInt(c.int(b.length))];
    new DataView(out.buffer).setBigUint64(0, c.pick(choices), true);
    return out;
  },
  'wrong dtype': (b, c) => {
    const { header, data } = splitModel(b);
    header[c.pick(tensorNames(header))].dtype = c.pick(['F16', 'F64', 'I8', 'BOOL', 'U8', 'X', 5, null, '']);
    return joinModel(header, data);
  },
  'huge or negative shape': (b, c) => {
    const { header, data } = splitModel(b);
    const t = header[c.pick(tensorNames(header))];
    t.shape = c.pick([[c.pick(HUGE_NUMBERS)], [c.pick(HUGE_NUMBERS), c.pick(HUGE_NUMBERS)], [], 'x', [1, 2, 3, 4], [-1, -6]]);
    return joinModel(header, data);
  },
  'bad ranges': (b, c) => {
    const { header, data } = splitModel(b);
    const names = tensorNames(header);
    const t = header[c.pick(names)];
    const other = header[c.pick(names)].data_offsets as number[];
    t.data_offsets = c.pick([
      [other[0], other[1]],
      [other[0] + 1, other[1] + 1],
      [(t.data_offsets as number[])[1], (t.data_offsets as number[])[0]],
      [c.pick(HUGE_NUMBERS), c.pick(HUGE_NUMBERS)],
      [0],
      'x',
      [0, data.length + 4],
    ]);
    return joinModel(header, data);
  },
  'missing or extra tensor': (b, c) => {
    const { header, data } = splitModel(b);
    if (c.next() < 0.5) delete header[c.pick(tensorNames(header))];
    else header.extra = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
    return joinModel(header, data);
  },
  'bad metadata': (b, c) => {
    const { header, data } = splitModel(b);
    const meta = header.__metadata__;
    const key = c.pick([...Object.keys(meta), 'format', 'version']);
    const values: unknown[] = ['', '{', 'null', '[]', '{"visible": -1}', JSON.stringify({ epoch: [1e300], klDivergence: [1] }), 7, null, 'NaN', '1e999'];
    if (c.next() < 0.2) delete meta[key];
    else meta[key] = c.pick(values);
    if (c.next() < 0.1) header.__metadata__ = c.pick([null, [], 'x'] as never[]);
    return joinModel(header, data);
  },
  'edit config': (b, c) => {
    const { header, data } = splitModel(b);
    const config = JSON.parse(header.__metadata__.config as string);
    const field = c.pick(Object.keys(config));
    config[field] = c.pick([...HUGE_NUMBERS, 'x', null, true, -0.5]);
    header.__metadata__.config = JSON.stringify(config);
    return joinModel(header, data);
  },
  'non-finite value': (b, c) => {
    const out = b.slice();
    const { data } = splitModel(b);
    const at = out.length - data.length + 4 * c.int(data.length / 4);
    new DataView(out.buffer).setFloat32(at, c.pick([NaN, Infinity, -Infinity]), true);
    return out;
  },
};

function tensorNames(header: Record<string, unknown>): string[] {
  return Object.keys(header).filter((k) => k !== '__metadata__');
}

export function modelCases(valid: Uint8Array, count: number, seed: number): FuzzCase[] {
  const c = new Chooser(seed);
  const names = Object.keys(MODEL_MUTATIONS);
  return Array.from({ length: count }, () => {
    const mutation = c.pick(names);
    return { mutation, bytes: MODEL_MUTATIONS[mutation](valid, c) };
  });
}

// ---------------------------------------------------------------------------------------------
// IDX files

const IDX_MUTATIONS: Record<string, (bytes: Uint8Array, c: Chooser) => Uint8Array> = {
  truncate,
  append,
  'flip bits': (b, c) => flipBits(b, c),
  'flip header bits': (b, c) => flipBits(b, c, 0, 4 + 4 * b[3]),
  'type code': (b, c) => {
    const out = b.slice();
    out[2] = c.int(256);
    return out;
  },
  'dimension count': (b, c) => {
    const out = b.slice();
    out[3] = c.pick([0, 1, 2, 4, 255, c.int(256)]);
    return out;
  },
  'huge or zero dimensions': (b, c) => {
    const out = b.slice();
    const view = new DataView(out.buffer);
    view.setUint32(4 + 4 * c.int(b[3]), c.pick([0, 1, 0xffffffff, 0x80000000, 0x10000, c.int(2 ** 32)]));
    return out;
  },
  'gzip of a mutation': (b, c) => {
    const inner = c.pick(['truncate', 'flip header bits', 'huge or zero dimensions', 'append']);
    return new Uint8Array(gzipSync(IDX_MUTATIONS[inner](b, c)));
  },
  'broken gzip': (b, c) => {
    const packed = new Uint8Array(gzipSync(b));
    return c.next() < 0.5 ? truncate(packed, c) : flipBits(packed, c, 10);
  },
};

export function idxCases(valid: Uint8Array, count: number, seed: number): FuzzCase[] {
  const c = new Chooser(seed);
  const names = Object.keys(IDX_MUTATIONS);
  return Array.from({ length: count }, () => {
    const mutation = c.pick(names);
    return { mutation, bytes: IDX_MUTATIONS[mutation](valid, c) };
  });
}

// ---------------------------------------------------------------------------------------------

export interface FuzzReport {
  readonly cases: number;
  readonly loaded: number;
  readonly rejected: number;
  /** Anything but a load or an RbmError: a crash. */
  readonly crashes: { mutation: string; error: string }[];
  /** Growth of ArrayBuffer memory while a case loaded, as a multiple of its file size. */
  readonly largestAllocationRatio: number;
  readonly largestAllocationBytes: number;
  readonly slowestMs: number;
  readonly byMutation: Record<string, Tally>;
}

export interface Tally {
  loaded: number;
  rejected: number;
  crashed: number;
  /** Largest growth of ArrayBuffer memory as a multiple of the case's file size. */
  allocationRatio: number;
}

/** Loads every case with `decode`, classifying the outcome and watching time and memory. */
export function runCases(cases: readonly FuzzCase[], decode: (bytes: Uint8Array) => unknown): FuzzReport {
  let loaded = 0;
  let rejected = 0;
  let largestAllocationRatio = 0;
  let largestAllocationBytes = 0;
  let slowestMs = 0;
  const crashes: { mutation: string; error: string }[] = [];
  const byMutation: Record<string, Tally> = {};
  for (const { mutation, bytes } of cases) {
    const tally = (byMutation[mutation] ??= { loaded: 0, rejected: 0, crashed: 0, allocationRatio: 0 });
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    let result: unknown;
    try {
      result = decode(bytes);
      loaded++;
      tally.loaded++;
    } catch (error) {
      if (error instanceof RbmError) {
        rejected++;
        tally.rejected++;
      } else {
        crashes.push({ mutation, error: String(error) });
        tally.crashed++;
      }
    }
    slowestMs = Math.max(slowestMs, performance.now() - started);
    const grown = process.memoryUsage().arrayBuffers - before;
    largestAllocationBytes = Math.max(largestAllocationBytes, grown);
    const ratio = grown / Math.max(1, bytes.length);
    largestAllocationRatio = Math.max(largestAllocationRatio, ratio);
    tally.allocationRatio = Math.max(tally.allocationRatio, ratio);
    void result;
  }
  return { cases: cases.length, loaded, rejected, crashes, largestAllocationRatio, largestAllocationBytes, slowestMs, byMutation };
}

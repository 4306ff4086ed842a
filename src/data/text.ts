import { DataFormatError, describe, InvalidArgumentError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { checkMatrixMemory } from './idx.js';

/** A byte-order mark: allowed as the text's first character only. */
const BOM = '\uFEFF';
/** Whitespace (as JavaScript's \s) except the byte-order mark, which must not vanish silently. */
const SPACE = /[^\S\uFEFF]/;
const SEPARATOR = /[^\S\uFEFF]*,[^\S\uFEFF]*|[^\S\uFEFF]+/;
/**
 * A decimal number: no hexadecimal, octal or binary, no NaN or Infinity. Each digit can match
 * one way only, so a long field is checked in linear time.
 */
export const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses rows of numbers separated by whitespace or commas (CSV without a header), one
 * example per line; lines end with \n, \r\n or \r. Blank lines and lines starting with '#'
 * are skipped, and a byte-order mark is allowed at the start. Anything else that is not a
 * decimal number within float32's range is a DataFormatError naming the line and column; a
 * matrix larger than the platform's memory limit is refused before it is allocated.
 */
export function parseTextMatrix(text: string, source = 'text data'): Matrix {
  if (typeof text !== 'string') throw new InvalidArgumentError('text', `expected a string, got ${describe(text)}`);
  if (typeof source !== 'string') throw new InvalidArgumentError('source', `expected a string, got ${describe(source)}`);
  return parseTextPieces([text.startsWith(BOM) ? text.slice(1) : text], source);
}

/**
 * parseTextMatrix for text in pieces that each end with a whole line (a file too large for
 * one JavaScript string): the first pass counts the rows, so the matrix is allocated once,
 * at its final size, after its memory has been checked.
 */
export function parseTextPieces(pieces: readonly string[], source: string): Matrix {
  let rows = 0;
  let cols = -1;
  forEachLine(pieces, (line) => {
    const content = trimSpaces(line);
    if (content === '' || content.startsWith('#')) return;
    if (cols === -1) cols = content.split(SEPARATOR).length;
    rows++;
  });
  if (rows === 0) throw new DataFormatError(source, 'contains no rows of numbers');
  checkMatrixMemory(source, rows, cols);
  const data = new Float32Array(rows * cols);
  let at = 0;
  forEachLine(pieces, (line, number) => {
    const content = trimSpaces(line);
    if (content === '' || content.startsWith('#')) return;
    const fields = content.split(SEPARATOR);
    if (fields.length !== cols) throw new DataFormatError(source, `line ${number} has ${fields.length} values; earlier lines have ${cols}`);
    fields.forEach((field, column) => {
      data[at++] = parseField(field, source, number, column + 1);
    });
  });
  return { data, rows, cols };
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || (code > 127 && SPACE.test(String.fromCharCode(code))) || (code >= 10 && code <= 13);
}

/** `line` without whitespace at either end; a loop, as a regex like /\s+$/ takes quadratic time on a long run of spaces. */
function trimSpaces(line: string): string {
  let start = 0;
  let end = line.length;
  while (start < end && isSpace(line.charCodeAt(start))) start++;
  while (end > start && isSpace(line.charCodeAt(end - 1))) end--;
  return line.slice(start, end);
}

/** Calls `visit` with each line (without its line break) and its 1-based number. */
function forEachLine(pieces: readonly string[], visit: (line: string, number: number) => void): void {
  let number = 0;
  for (const piece of pieces) {
    let start = 0;
    while (start < piece.length) {
      let end = start;
      while (end < piece.length && piece.charCodeAt(end) !== 10 && piece.charCodeAt(end) !== 13) end++;
      visit(piece.slice(start, end), ++number);
      start = end + (piece.charCodeAt(end) === 13 && piece.charCodeAt(end + 1) === 10 ? 2 : 1);
    }
  }
}

function parseField(field: string, source: string, line: number, column: number): number {
  const fail = (problem: string): never => {
    throw new DataFormatError(source, `line ${line}, column ${column}: ${problem}`);
  };
  if (field === '') fail('is empty (a separator with no number before or after it)');
  if (!DECIMAL.test(field)) {
    if (field.includes(BOM)) fail(`${quote(field)} contains a byte-order mark (U+FEFF), allowed only at the start of the text`);
    if (/^[+-]?0[xob]/i.test(field)) fail(`${quote(field)} is not a decimal number (hexadecimal, octal and binary are not read)`);
    fail(`${quote(field)} is not a finite number`);
  }
  const value = Number(field);
  if (!Number.isFinite(Math.fround(value))) fail(`${quote(field)} is outside float32's range (±3.4e38)`);
  return value;
}

/** A field for a message: short, with invisible characters made visible. */
function quote(field: string): string {
  const visible = field.slice(0, 32).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${visible}${field.length > 32 ? '…' : ''}'`;
}

/** Writes a matrix as whitespace-separated rows, the format parseTextMatrix reads. */
export function formatTextMatrix(m: Matrix): string {
  const lines: string[] = [];
  for (let i = 0; i < m.rows; i++) lines.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)).join(' '));
  return lines.join('\n') + '\n';
}

import { DataFormatError } from '../errors.js';
import type { Matrix } from '../matrix.js';

/**
 * Parses rows of numbers separated by whitespace or commas (CSV without a header), one
 * example per line. Blank lines and lines starting with '#' are skipped.
 */
export function parseTextMatrix(text: string, source = 'text data'): Matrix {
  const values: number[] = [];
  let cols = -1;
  let rows = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/\s*,\s*|\s+/);
    if (cols === -1) cols = fields.length;
    else if (fields.length !== cols) {
      throw new DataFormatError(source, `line ${index + 1} has ${fields.length} values; earlier lines have ${cols}`);
    }
    fields.forEach((field, column) => {
      const v = Number(field);
      if (field === '' || !Number.isFinite(v)) {
        throw new DataFormatError(source, `line ${index + 1}, column ${column + 1}: '${field}' is not a finite number`);
      }
      values.push(v);
    });
    rows++;
  });
  if (rows === 0) throw new DataFormatError(source, 'contains no rows of numbers');
  return { data: Float32Array.from(values), rows, cols };
}

/** Writes a matrix as whitespace-separated rows, the format parseTextMatrix reads. */
export function formatTextMatrix(m: Matrix): string {
  const lines: string[] = [];
  for (let i = 0; i < m.rows; i++) lines.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)).join(' '));
  return lines.join('\n') + '\n';
}

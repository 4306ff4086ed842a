import { mkdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../src/node.js';

/** What the figures were measured on. */
export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

/** Formats rows as an aligned text table; the first row is the header. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c]?.length ?? 0)));
  const line = (r: string[]) => r.map((v, c) => v.padStart(widths[c])).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
  console.log(`wrote ${path}`);
}

/** One comparison of measured values with reference values. */
export interface Check {
  what: string;
  passed: boolean;
  /** The largest |ours − reference|; Infinity (null in JSON) where a value was not finite. */
  worst: number;
  /** The label of the pair with that difference. */
  worstAt: string;
  compared: number;
}

/**
 * A bench's validation: checks against a reference at one tolerance. It goes into the bench's
 * JSON as `validation: { passed, tolerance, reference, worst, worstAt, checks }`.
 */
export class Validation {
  readonly checks: Check[] = [];
  constructor(
    readonly tolerance: number,
    /** What is compared with what, for the JSON and the failure message. */
    readonly reference: string,
  ) {}

  /**
   * Compares `[label, ours, reference]` pairs; passes when every |ours − reference| is at most
   * the tolerance (a value that is not finite, or no pairs at all, fails). Prints one line.
   */
  check(what: string, pairs: [label: string, ours: number, reference: number][]): Check {
    let worst = 0;
    let worstAt = '';
    pairs.forEach(([label, ours, reference], i) => {
      const d = Number.isFinite(ours) && Number.isFinite(reference) ? Math.abs(ours - reference) : Infinity;
      if (i === 0 || d > worst) [worst, worstAt] = [d, label];
    });
    const passed = pairs.length > 0 && worst <= this.tolerance;
    const check = { what, passed, worst, worstAt, compared: pairs.length };
    this.checks.push(check);
    console.log(`validation, ${what}: ${describe(check)}, tolerance ${this.tolerance}: ${passed ? 'passed' : 'FAILED'}`);
    return check;
  }

  get passed(): boolean {
    return this.checks.length > 0 && this.checks.every((c) => c.passed);
  }

  /** The check with the largest difference. */
  get worst(): Check | undefined {
    return this.checks.reduce<Check | undefined>((w, c) => (w === undefined || c.worst > w.worst ? c : w), undefined);
  }

  /** A table cell: the largest difference of a check and whether it passed. */
  cell(check: Check | undefined): string {
    return check ? `${check.worst.toExponential(1)} ${check.passed ? 'ok' : 'FAIL'}` : '-';
  }

  toJSON() {
    const w = this.worst;
    return { passed: this.passed, tolerance: this.tolerance, reference: this.reference, worst: w?.worst ?? null, worstAt: w && `${w.what}: ${w.worstAt}`, checks: this.checks };
  }
}

function describe(c: Check): string {
  return c.compared === 0 ? 'nothing compared' : `largest difference ${c.worst.toExponential(1)} (${c.worstAt}) among ${c.compared} pair${c.compared === 1 ? '' : 's'}`;
}

/**
 * Writes a bench's results with its validation, then, when the validation failed, gives one
 * line on stderr and exit code 1: nothing measured is lost, and a failed bench cannot pass.
 */
export async function writeResults(path: string, value: { validation: Validation } & Record<string, unknown>): Promise<void> {
  await writeJson(path, value);
  const v = value.validation;
  if (v.passed) return;
  const failed = v.checks.find((c) => !c.passed);
  const reason = failed ? `${failed.what}: ${describe(failed)}${failed.compared ? `, above the tolerance ${v.tolerance}` : ''}` : 'nothing was validated';
  console.error(`validation failed: ${reason} (${v.reference})`);
  process.exitCode = 1;
}

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RbmError } from '../errors.js';

/** A command line that does not parse: the usage is printed and the exit status is 2. */
export class UsageError extends Error {}

/** Exit status when training was stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode, with its errors turned into UsageErrors; an option given twice is one. */
export function parse<O extends Options>(args: string[], options: O, positionals = false) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, debug: { type: 'boolean' } }, allowPositionals: positionals, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(oneLine((error as Error).message));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    // parseArgs keeps the last of repeated values; which one the user meant is a guess.
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once`);
    seen.add(token.name);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** A value as error messages show it: at most 60 characters, on one line. */
export function shorten(value: string): string {
  const line = oneLine(value);
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** A value as error messages quote it (shortened). */
export function quote(value: string): string {
  return `'${shorten(value)}'`;
}

/** Text on one line, its control characters escaped (a file name or data could hold a terminal's escape sequences). */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** How a message names an argument: `--name` for an option, the name itself for a positional argument. */
export function argumentName(name: string, positional = false): string {
  return positional ? name : `--${name}`;
}

export interface NumberRules {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** A positional argument (named as is), not an option (named --name). */
  readonly positional?: boolean;
}

/** A numeric option or argument: finite, optionally an integer, within [min, max]. */
export function numberOption(name: string, value: string | undefined, fallback: number, o: NumberRules = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(n) && (!o.integer || Number.isInteger(n)) && n >= (o.min ?? -Infinity) && n <= (o.max ?? Infinity);
  if (!ok) throw new UsageError(`${argumentName(name, o.positional)} expects ${describeNumber(o)}, got ${quote(value)}`);
  return n;
}

function describeNumber(o: NumberRules): string {
  if (o.integer && o.min === 1 && o.max === undefined) return 'a positive integer';
  const what = o.integer ? 'an integer' : 'a number';
  if (o.min !== undefined && o.max !== undefined) return `${what} from ${o.min} to ${o.max}`;
  if (o.min !== undefined) return `${what} of at least ${o.min}`;
  if (o.max !== undefined) return `${what} of at most ${o.max}`;
  return what;
}

/** An option that takes one of `choices`. */
export function choiceOption<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} expects ${[choices.slice(0, -1).join(', '), choices.at(-1)].filter(Boolean).join(' or ')}, got ${quote(value)}`);
  return value as T;
}

/** A required option's value; missing or empty is a UsageError. */
export function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/**
 * Runs a command's main function and turns failures into exit statuses: 2 with the usage for
 * a bad command line, 1 with one line naming the problem for anything else (the stack only
 * with --debug).
 */
export async function run(program: string, usage: string, args: string[], main: (args: string[]) => Promise<number | void>): Promise<void> {
  const debug = args.includes('--debug');
  try {
    process.exitCode = (await main(args)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${program}: ${oneLine(error.message)}\n\n${usage}\n`);
      process.exitCode = 2;
      return;
    }
    const message = error instanceof RbmError ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    process.stderr.write(`${program}: ${oneLine(message)}\n`);
    if (debug) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    else if (!(error instanceof RbmError)) process.stderr.write(`(run again with --debug for the stack trace)\n`);
    process.exitCode = 1;
  }
}

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RbmError } from '../errors.js';

/** A command line that does not parse: the usage is printed and the exit status is 2. */
export class UsageError extends Error {}

/** Exit status when training was stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs in strict mode, with its errors turned into UsageErrors. */
export function parse<O extends Options>(args: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args, options: { ...options, debug: { type: 'boolean' } }, allowPositionals: positionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A numeric option: finite, optionally an integer, at least `min`. */
export function numberOption(name: string, value: string | undefined, fallback: number, o: { integer?: boolean; min?: number } = {}): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(n) && (!o.integer || Number.isInteger(n)) && n >= (o.min ?? -Infinity);
  if (!ok) {
    const what = o.integer ? 'an integer' : 'a number';
    throw new UsageError(`--${name} expects ${what}${o.min !== undefined ? ` of at least ${o.min}` : ''}, got '${value}'`);
  }
  return n;
}

/** An option that takes one of `choices`. */
export function choiceOption<T extends string>(name: string, value: string | undefined, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} expects ${choices.join(' or ')}, got '${value}'`);
  return value as T;
}

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
      process.stderr.write(`${program}: ${error.message}\n\n${usage}\n`);
      process.exitCode = 2;
      return;
    }
    const message = error instanceof RbmError ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`;
    process.stderr.write(`${program}: ${message}\n`);
    if (debug) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    else if (!(error instanceof RbmError)) process.stderr.write(`(run again with --debug for the stack trace)\n`);
    process.exitCode = 1;
  }
}

import { InvalidArgumentError } from '../errors.js';
import { resolveOptions, type RbmOptions } from '../options.js';
import { UsageError } from './cli.js';

/** How a command line names each option of the library: RbmOptions key → flag or argument. */
export type ArgumentNames = Readonly<Record<string, string>>;

/** An InvalidArgumentError's message without the argument's name in front. */
const detail = (error: InvalidArgumentError) => error.message.slice(error.argument.length + 2);

/** The library's message about `argument`, as it reads naming what the user typed instead. */
function reworded(error: InvalidArgumentError, name: string): string {
  const text = detail(error);
  return text.startsWith('expected ') ? `${name} expects ${text.slice('expected '.length)}` : `${name}: ${text}`;
}

/**
 * Checks model options with the library's own rules (resolveOptions) before any data is read,
 * and turns its InvalidArgumentError into a UsageError naming the flag. `visible` may be a
 * placeholder where the data, and so its width, is not known yet.
 */
export function checkModelOptions(options: RbmOptions, names: ArgumentNames): void {
  try {
    resolveOptions(options);
  } catch (error) {
    if (error instanceof InvalidArgumentError && Object.hasOwn(names, error.argument)) throw new UsageError(reworded(error, names[error.argument]));
    throw error;
  }
}

/**
 * An InvalidArgumentError about a library argument that the command line names otherwise
 * (batchSize is --batch-size), re-thrown with that name; anything else unchanged.
 */
export function renamed(error: unknown, names: ArgumentNames): unknown {
  if (!(error instanceof InvalidArgumentError) || !Object.hasOwn(names, error.argument)) return error;
  return new InvalidArgumentError(names[error.argument], detail(error));
}

/** Runs `work`, re-throwing its errors through renamed(). */
export async function naming<T>(names: ArgumentNames, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw renamed(error, names);
  }
}

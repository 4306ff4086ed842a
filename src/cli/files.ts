import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileAccessError } from '../errors.js';
import { checkFolderWritable, checkOutputFile, sameFile } from '../io/paths.js';
import { argumentName, shorten, UsageError } from './cli.js';

/** A file a command reads or writes, as its command line names it. */
export interface FileArgument {
  /** The option (--out) or positional argument (STATE) that names it. */
  readonly flag: string;
  readonly path: string;
  /** What writing over it would destroy: 'the data', 'the model', … */
  readonly what: string;
  /** The path is the option's default, not typed by the user. */
  readonly defaulted?: boolean;
}

/**
 * A path option's value, or `fallback` when it is not given: an empty path, and '-' (which
 * other tools read as standard input or output), are refused.
 */
export function pathOption(name: string, value: string | undefined, fallback: string, positional = false): string {
  if (value === undefined) return fallback;
  if (value === '') throw new UsageError(`${argumentName(name, positional)} expects a path, got ''`);
  if (value === '-') throw new UsageError(`${argumentName(name, positional)} expects a path, got '-' (standard input and output are not supported; give a file)`);
  return value;
}

/** A FileArgument for an option, marked as defaulted when the user did not give it. */
export function fileArgument(name: string, value: string | undefined, fallback: string, what: string): FileArgument {
  return { flag: `--${name}`, path: pathOption(name, value, fallback), what, defaulted: value === undefined };
}

const named = (f: FileArgument) => `${f.flag} ${shorten(f.path)}${f.defaulted ? ' (the default)' : ''}`;

/**
 * Refuses, before any work, a command line whose outputs include one of its inputs or the
 * same file twice (sameFile: after symlinks, hard links included): a UsageError naming both.
 */
export async function checkCollisions(inputs: readonly FileArgument[], outputs: readonly FileArgument[]): Promise<void> {
  for (const [i, output] of outputs.entries()) {
    for (const other of [...inputs, ...outputs.slice(0, i)]) {
      if (await sameFile(output.path, other.path)) {
        throw new UsageError(`${named(output)} is also ${other.flag}: writing it would destroy ${other.what}`);
      }
    }
  }
}

/**
 * Checks, before any data is read, that every output collides with nothing (checkCollisions)
 * and can be written (its folder exists and is writable).
 */
export async function checkFiles(inputs: readonly FileArgument[], outputs: readonly FileArgument[]): Promise<void> {
  await checkCollisions(inputs, outputs);
  for (const output of outputs) await checkOutputFile(output.path);
}

/**
 * The same checks for an output folder, whose files are those `ours` accepts by name: the
 * folder must not be an input, none of its files the command would write may be an input, and
 * it must be writable or creatable. Creates nothing.
 */
export async function checkOutputFolder(folder: FileArgument, ours: (name: string) => boolean, inputs: readonly FileArgument[]): Promise<void> {
  await checkCollisions(inputs, [folder]);
  const names = await readdir(folder.path).catch(() => [] as string[]);
  const files = names.filter(ours).map((name) => ({ ...folder, path: join(folder.path, name), defaulted: false }));
  for (const file of files) await checkCollisions(inputs, [file]);
  await checkFolderWritable(folder.path);
}

/** Creates an output folder (and its parents) once the work is about to be written. */
export async function createFolder(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw new FileAccessError(path, `could not be created (${(error as Error).message})`, { cause: error });
  }
}

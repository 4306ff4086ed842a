import { constants } from 'node:fs';
import { access, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { FileAccessError } from '../errors.js';

/**
 * The file that writing `path` replaces: a symlink is followed to its target (so the link
 * stays a link), and a path that does not exist yet resolves through its folder.
 */
export async function writeTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    try {
      return join(await realpath(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/**
 * Checks, before any work starts, that `path` can be written: its folder exists and is
 * writable, and it is not itself a folder. Throws a FileAccessError naming the problem.
 */
export async function checkWritable(path: string): Promise<void> {
  const target = await writeTarget(path);
  const folder = dirname(target);
  try {
    if (!(await stat(folder)).isDirectory()) throw new FileAccessError(path, `cannot be written: ${folder} is not a folder`);
  } catch (error) {
    if (error instanceof FileAccessError) throw error;
    throw new FileAccessError(path, `cannot be written: the folder ${folder} does not exist`, { cause: error });
  }
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new FileAccessError(path, `cannot be written: no permission to write in ${folder}`, { cause: error });
  }
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new FileAccessError(path, 'cannot be written: it is a folder');
}

/** Whether two paths name the same file (after symlinks; hard links to one file count as the same). */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [ta, tb] = [await writeTarget(a), await writeTarget(b)];
  if (ta === tb) return true;
  const [sa, sb] = [await stat(ta).catch(() => undefined), await stat(tb).catch(() => undefined)];
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/** The longest file name (in bytes) the usual file systems accept. */
const MAX_NAME_BYTES = 255;
/** What the atomic writer adds around a name for its temporary file beside it (".NAME.PID.TIME.tmp"). */
const TEMPORARY_NAME_EXTRA_BYTES = 32;

/**
 * checkWritable, and also refuses what checkWritable cannot see before the write fails: a path
 * ending in a separator (a folder, not a file) and a name too long to be written beside its
 * temporary file.
 */
export async function checkOutputFile(path: string): Promise<void> {
  if (/[\\/]$/.test(path)) throw new FileAccessError(path, 'cannot be written: it names a folder (it ends in a separator)');
  const bytes = Buffer.byteLength(basename(path));
  if (bytes > MAX_NAME_BYTES - TEMPORARY_NAME_EXTRA_BYTES) {
    throw new FileAccessError(path, `cannot be written: its name is ${bytes} bytes long; at most ${MAX_NAME_BYTES - TEMPORARY_NAME_EXTRA_BYTES} can be`);
  }
  await checkWritable(path);
}

/**
 * Checks, before any work starts, that files can be written in the folder `path`: it is a
 * writable folder, or it does not exist yet and its nearest existing ancestor is a writable
 * folder (so creating it will work). Creates nothing. Throws a FileAccessError naming the problem.
 */
export async function checkFolderWritable(path: string): Promise<void> {
  let folder = resolve(path);
  for (;;) {
    // A missing part, a file in the way or an overlong name: look further up for what is there.
    const found = await stat(folder).catch(() => undefined);
    if (found) {
      if (!found.isDirectory()) throw new FileAccessError(path, `cannot be used as a folder: ${folder} is a file`);
      break;
    }
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  try {
    await access(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new FileAccessError(path, `cannot be written: no permission to write in ${folder}`, { cause: error });
  }
  const bytes = resolve(path).split(/[\\/]/).reduce((most, part) => Math.max(most, Buffer.byteLength(part)), 0);
  if (bytes > MAX_NAME_BYTES) throw new FileAccessError(path, `cannot be created: a name in it is ${bytes} bytes long; at most ${MAX_NAME_BYTES} can be`);
}

/** How many symbolic links a path may pass through, as Linux's limit (ELOOP beyond it). */
const MAX_LINK_HOPS = 40;

/**
 * The file that saving to `path` writes: writeTarget's answer, except that a symlink whose
 * target does not exist yet (which realpath cannot resolve) is followed to where it points,
 * so that saving creates the target and the link stays a link. Throws a FileAccessError for a
 * loop of links.
 */
export async function saveTarget(path: string): Promise<string> {
  let target = await writeTarget(path);
  for (let hops = 0; ; hops++) {
    const link = await readlink(target).catch(() => undefined);
    if (link === undefined) return target;
    if (hops === MAX_LINK_HOPS) throw new FileAccessError(path, `could not be written: it leads through more than ${MAX_LINK_HOPS} symbolic links (a loop?)`);
    target = await writeTarget(resolve(dirname(target), link));
  }
}

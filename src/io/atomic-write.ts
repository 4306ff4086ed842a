import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileAccessError, InvalidArgumentError } from '../errors.js';
import { saveTarget } from './paths.js';

/** Temporary files written by this process so far: with the pid and random bytes, a name no other call uses. */
let temporaries = 0;

/**
 * Writes `data` to `path` so that a crash at any moment leaves either the old file or the
 * new one, never a mixture: a temporary file in the same folder is written, flushed to disk
 * and renamed over the target. A symlink is followed and its target replaced, so the link
 * stays a link; an existing file keeps its permissions. Concurrent calls for one path all
 * succeed, and the file ends up as one of them wrote it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new InvalidArgumentError('path', `expected a file name, got ${typeof path === 'string' ? JSON.stringify(path.slice(0, 80)) : typeof path}`);
  }
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new InvalidArgumentError('data', `expected a string or a Uint8Array, got ${data === null ? 'null' : typeof data}`);
  }
  const target = await saveTarget(path);
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) throw new FileAccessError(path, 'could not be written: it is a folder');
  const temporary = temporaryName(target);
  try {
    const file = await open(temporary, 'wx');
    try {
      // Without this a private file (mode 600) would come back readable by everyone.
      if (existing?.isFile()) await file.chmod(existing.mode & 0o7777);
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, target);
    await syncFolder(dirname(target));
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw new FileAccessError(path, `could not be written: ${reason(error as NodeJS.ErrnoException, dirname(target))}`, { cause: error });
  }
}

/** A name in `target`'s folder unique to this call: pid, a counter and random bytes (the time alone repeats). */
function temporaryName(target: string): string {
  // 48 code points are at most 192 bytes, leaving room under the usual 255-byte name limit.
  const stem = Array.from(basename(target)).slice(0, 48).join('');
  return join(dirname(target), `.${stem}.${process.pid}.${++temporaries}.${randomBytes(6).toString('hex')}.tmp`);
}

/** What a system error means for the person saving the file. */
function reason(error: NodeJS.ErrnoException, folder: string): string {
  switch (error.code) {
    case 'ENOENT':
      return `the folder ${folder} does not exist`;
    case 'ENOTDIR':
      return `${folder} is not a folder`;
    case 'EISDIR':
      return 'it is a folder';
    case 'EACCES':
    case 'EPERM':
      return `no permission to write in ${folder}`;
    case 'EROFS':
      return `${folder} is on a read-only file system`;
    case 'ENAMETOOLONG':
      return 'its name is too long';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full';
    default:
      return error.message;
  }
}

/** Makes the rename itself durable (a power cut could otherwise lose it); not possible everywhere. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const handle = await open(folder, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms (Windows) cannot open or sync a folder; the rename has happened regardless.
  }
}

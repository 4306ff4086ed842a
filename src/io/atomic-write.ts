import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileAccessError } from '../errors.js';

/**
 * Writes `data` to `path` so that a crash at any moment leaves either the old file or the
 * new one, never a mixture: a temporary file in the same folder is written, flushed to disk
 * and renamed over the target.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const file = await open(temporary, 'wx');
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await syncFolder(dirname(path));
  } catch (error) {
    await rm(temporary, { force: true });
    throw new FileAccessError(path, `could not be written (${(error as Error).message})`, { cause: error });
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

/**
 * Crash-safe file replacement, used for every file whose old content must survive a crash
 * (state, records, keys, configs): readers and a restart after kill -9 or power loss see either
 * the old content or the new, never a mix or an empty file.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Permission bits of the new file (default 0o644); applied before any byte is written. */
  mode?: number;
  /** Create the parent folder first when it is missing (default false: a missing folder is an error). */
  mkdir?: boolean;
  /**
   * Refuse (EEXIST) to replace an existing file, for files created once and never rewritten
   * (signing keys): the new file appears complete or not at all, and never over another's.
   */
  exclusive?: boolean;
}

/** File mode of a written file when the caller gives none. */
const DEFAULT_FILE_MODE = 0o644;

/**
 * A temporary name beside `file`, unique per call: same folder so the final rename never
 * crosses file systems, random so two writers of the same file never share a temporary.
 */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Writes `data` to `file` atomically: temporary file in the same folder, fsync, rename over
 * `file`, fsync the folder so the rename itself survives power loss.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: WriteFileAtomicOptions = {}): Promise<void> {
  if (opts.mkdir) await mkdir(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  const handle = await open(tmp, 'wx', opts.mode ?? DEFAULT_FILE_MODE);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (opts.exclusive) {
      // link() fails when `file` exists, where rename() would silently replace it.
      await link(tmp, file);
      await unlink(tmp);
      await fsyncDir(path.dirname(file));
    } else {
      await commitTempFile(tmp, file);
    }
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Moves a finished (already fsync'd) temporary file over its final name and makes the rename
 * durable; for callers that stream into the temporary themselves (uploads, downloads).
 */
export async function commitTempFile(tmp: string, file: string): Promise<void> {
  await rename(tmp, file);
  await fsyncDir(path.dirname(file));
}

/**
 * Flushes a folder's entries so a rename or link inside it survives power loss. Best effort on
 * platforms that cannot open a folder for fsync (EISDIR/EINVAL/EPERM on some file systems): the
 * file's own bytes are already on disk by then.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Syncs one file's bytes to disk (for a temporary written as a stream before {@link commitTempFile}). */
export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Checks the storage folder before the seeder starts, so a wrong folder is one clear line. */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../../shared/errors.ts';

/** Creates the storage folder if needed and checks it is writable; a STORAGE_UNWRITABLE error otherwise. */
export async function ensureStorage(storage: string): Promise<void> {
  const dir = path.resolve(storage);
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new SeedbankError('STORAGE_UNWRITABLE', `cannot use --storage ${dir}: ${describeFsCode(code)} (${code})`, {
      hint: 'pick a folder this user can write, or create it and give this user write access (chown/chmod)',
      context: { storage: dir, code },
      cause: err,
    });
  }
}

function describeFsCode(code: string): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the filesystem is read-only';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file is in the way of the folder';
    case 'ENOSPC':
      return 'no space left to create it';
    default:
      return 'the folder cannot be created or written';
  }
}

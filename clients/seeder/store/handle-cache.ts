/**
 * A bounded cache of open file handles. webtorrent's default store keeps one descriptor per
 * file for the life of a torrent, which runs out of descriptors at a few ten thousand files;
 * here files are opened on demand and the least recently used idle handles are closed.
 */
import { constants, type FileHandle, open } from 'node:fs/promises';
import { SeedbankError } from '../../../shared/errors.ts';

/** Default number of files kept open at once. */
export const DEFAULT_MAX_OPEN_FILES = 64;
const FILE_MODE = 0o644;

interface Entry {
  handle: Promise<FileHandle>;
  writable: boolean;
  users: number;
  /** Replaced by a writable handle or invalidated: close when the last user is done. */
  retired: boolean;
}

/** Opens files on demand and keeps at most `max` idle ones open (LRU). */
export class HandleCache {
  /** Map order is recency: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(private readonly max = DEFAULT_MAX_OPEN_FILES) {}

  /** Number of handles currently open (for tests and status). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `fn` with an open handle on `file`. Writers open with O_CREAT; both refuse to follow a
   * symlink in the last component (O_NOFOLLOW), so a planted link cannot redirect a write.
   */
  async use<T>(file: string, writable: boolean, fn: (h: FileHandle) => Promise<T>): Promise<T> {
    if (this.closed) throw new SeedbankError('STORE_CLOSED', 'the file handle cache is closed', { context: { file } });
    let entry = this.entries.get(file);
    if (entry && writable && !entry.writable) {
      this.retire(file, entry);
      entry = undefined;
    }
    if (!entry) {
      const flags = writable ? constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW : constants.O_RDONLY | constants.O_NOFOLLOW;
      entry = { handle: open(file, flags, FILE_MODE), writable, users: 0, retired: false };
      // A failed open must not stay cached.
      const failed = entry;
      failed.handle.catch(() => {
        if (this.entries.get(file) === failed) this.entries.delete(file);
      });
    } else {
      this.entries.delete(file); // re-inserted below as most recent
    }
    this.entries.set(file, entry);
    entry.users++;
    try {
      return await fn(await entry.handle);
    } finally {
      entry.users--;
      if (entry.retired && entry.users === 0) void closeQuietly(entry.handle);
      this.evict();
    }
  }

  /** Closes the handle of a file that is about to be deleted or replaced. */
  invalidate(file: string): void {
    const entry = this.entries.get(file);
    if (entry) this.retire(file, entry);
  }

  /** Closes every handle; later use fails. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => closeQuietly(e.handle)));
  }

  private retire(file: string, entry: Entry): void {
    this.entries.delete(file);
    entry.retired = true;
    if (entry.users === 0) void closeQuietly(entry.handle);
  }

  private evict(): void {
    if (this.entries.size <= this.max) return;
    for (const [file, entry] of this.entries) {
      if (this.entries.size <= this.max) break;
      if (entry.users > 0) continue;
      this.retire(file, entry);
    }
  }
}

async function closeQuietly(handle: Promise<FileHandle>): Promise<void> {
  try {
    await (await handle).close();
  } catch {
    // Opening failed (already reported to its user) or the handle is already closed.
  }
}

/**
 * The one content store of a seeder: every hosted volume keeps its files in the same Commons
 * tree (STORAGE/commons/a/ab/Name), so a file present in several volumes is stored once.
 * The store tracks which volumes hold each file, so removing a volume deletes only files no
 * other volume needs, and gives each path to one content: a volume whose file has the same
 * path but other bytes (a re-upload in a later set version) keeps its copy apart, under
 * STORAGE/.seedbank/variants/<sha1>/a/ab/Name, instead of the two fighting over one file.
 */
import { readdir, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_OPEN_FILES, HandleCache } from './handle-cache.ts';
import type { LayoutFile } from './piece-layout.ts';
import { StoragePaths } from './storage-paths.ts';

const VARIANTS_DIR = 'variants';

/** Where one file of a volume is kept. */
export interface Placement {
  abs: string;
  /** True when the file lives in the variants folder because another content owns its path. */
  variant: boolean;
}

/** Thrown when fewer bytes are on disk than asked for (a file not yet, or not fully, written). */
export class ShortReadError extends Error {
  readonly code = 'ESHORTREAD';
}

/**
 * Who holds a Commons path and with which content. One per stored file, so kept small: the
 * torrent's own SHA-1 string (not a copy) and a single holder as a plain string, a Set only
 * when several volumes share the file.
 */
interface Claim {
  sha1: string | undefined;
  length: number;
  holders: string | Set<string>;
}

const sameContent = (c: Claim, f: LayoutFile) => c.sha1 === f.sha1Hex && c.length === f.length;

function addHolder(c: Claim, volume: string): void {
  if (typeof c.holders === 'string') {
    if (c.holders !== volume) c.holders = new Set([c.holders, volume]);
  } else c.holders.add(volume);
}

/** Removes a holder; returns how many are left. */
function removeHolder(c: Claim, volume: string): number {
  if (typeof c.holders === 'string') return c.holders === volume ? 0 : 1;
  c.holders.delete(volume);
  return c.holders.size;
}

const holderList = (c: Claim) => (typeof c.holders === 'string' ? [c.holders] : [...c.holders]);

/** The storage folder's files, shared by every hosted volume. */
export class ContentStore {
  private readonly claims = new Map<string, Claim>();
  private readonly variantHolders = new Map<string, Set<string>>();

  private constructor(
    readonly paths: StoragePaths,
    private readonly handles: HandleCache,
  ) {}

  /** Opens (creating if needed) the store in `storage`. */
  static async open(storage: string, options: { maxOpenFiles?: number } = {}): Promise<ContentStore> {
    return new ContentStore(await StoragePaths.open(storage), new HandleCache(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES));
  }

  /** Open file handles right now. */
  get openFiles(): number {
    return this.handles.size;
  }

  /** Registers a volume's files and says where each one lives; paths are checked (throws STORAGE_ESCAPE). */
  place(volume: string, files: readonly LayoutFile[]): Placement[] {
    const placed = files.map((f) => {
      const claim = this.claims.get(f.path);
      if (!claim || sameContent(claim, f)) return { abs: this.paths.file(f.path), variant: false, file: f };
      const key = f.sha1Hex ?? `length-${f.length}`;
      return { abs: this.paths.file(f.path, path.join(this.paths.meta, VARIANTS_DIR, key)), variant: true, file: f };
    });
    // Only register once every path has passed the checks above.
    for (const p of placed) {
      if (p.variant) {
        const set = this.variantHolders.get(p.abs) ?? new Set<string>();
        set.add(volume);
        this.variantHolders.set(p.abs, set);
      } else {
        const claim = this.claims.get(p.file.path);
        if (claim) addHolder(claim, volume);
        else this.claims.set(p.file.path, { sha1: p.file.sha1Hex, length: p.file.length, holders: volume });
      }
    }
    return placed.map(({ abs, variant }) => ({ abs, variant }));
  }

  /** Unregisters a volume; returns the files no other volume holds any more. */
  release(volume: string, placements: readonly Placement[]): string[] {
    const orphans: string[] = [];
    for (const p of placements) {
      if (p.variant) {
        const holders = this.variantHolders.get(p.abs);
        if (!holders) continue;
        holders.delete(volume);
        if (holders.size > 0) continue;
        this.variantHolders.delete(p.abs);
      } else {
        const rel = this.paths.relative(p.abs) ?? '';
        const claim = this.claims.get(rel);
        if (!claim || removeHolder(claim, volume) > 0) continue;
        this.claims.delete(rel);
      }
      orphans.push(p.abs);
    }
    return orphans;
  }

  /** The volumes holding the file at `abs`. */
  holders(abs: string): string[] {
    const rel = this.paths.relative(abs);
    if (rel !== null) {
      const claim = this.claims.get(rel);
      return claim ? holderList(claim) : [];
    }
    const set = this.variantHolders.get(abs);
    return set ? [...set] : [];
  }

  /** Reads exactly `length` bytes at `position`; ShortReadError when the file is shorter. */
  async read(abs: string, position: number, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(length);
    await this.readInto(abs, position, out, 0, length);
    return out;
  }

  /** Reads exactly `length` bytes at `position` into `target` at `targetOffset` (no buffer of its own). */
  async readInto(abs: string, position: number, target: Uint8Array, targetOffset: number, length: number): Promise<void> {
    await this.handles.use(abs, false, async (h) => {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await h.read(target, targetOffset + done, length - done, position + done);
        if (bytesRead === 0) throw new ShortReadError(`${abs} ends before byte ${position + length}`);
        done += bytesRead;
      }
    });
  }

  /** Writes `data` at `position`, creating the file and its folders as needed. */
  async write(abs: string, position: number, data: Uint8Array): Promise<void> {
    await this.paths.ensureParent(abs);
    await this.handles.use(abs, true, async (h) => {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await h.write(data, done, data.length - done, position + done);
        done += bytesWritten;
      }
    });
  }

  /** Truncates a file to `length` (a file longer than the torrent says holds foreign bytes). */
  async truncate(abs: string, length: number): Promise<void> {
    await this.handles.use(abs, true, (h) => h.truncate(length));
  }

  /** Deletes a file and the folders it leaves empty (up to the commons or variants root). */
  async remove(abs: string): Promise<boolean> {
    this.handles.invalidate(abs);
    try {
      await unlink(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    const stop = abs.startsWith(this.paths.commons + path.sep) ? this.paths.commons : path.join(this.paths.meta, VARIANTS_DIR);
    for (let dir = path.dirname(abs); dir.startsWith(stop + path.sep); dir = path.dirname(dir)) {
      if ((await readdir(dir).catch(() => ['?'])).length > 0) break;
      await rmdir(dir).catch(() => undefined);
      this.paths.forgetDir(dir);
    }
    return true;
  }

  /** Closes every open file. */
  async close(): Promise<void> {
    await this.handles.close();
  }
}

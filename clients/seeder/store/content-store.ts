/**
 * The one content store of a seeder: every hosted volume keeps its files in the same Commons
 * tree (STORAGE/commons/a/ab/Name), so a file present in several volumes is stored once.
 * The store tracks which volumes hold each file, so removing a volume deletes only files no
 * other volume needs, and gives each path to one content: a volume whose file has the same
 * path but other bytes (a re-upload in a later set version) keeps its copy apart, under
 * STORAGE/.seedbank/variants/<sha1>/a/ab/Name, instead of the two fighting over one file.
 */
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
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
  /** Bytes the file takes on disk as last measured (st_blocks × 512); UNMEASURED until then. */
  allocated: number;
}

/** A file's allocation not measured yet: its first measurement sets it without counting a change. */
const UNMEASURED = -1;
/** st_blocks counts 512-byte units whatever the filesystem's block size. */
const STAT_BLOCK_BYTES = 512;

/** Options of a content store. */
export interface ContentStoreOptions {
  maxOpenFiles?: number;
  /**
   * Told, as it happens, how many bytes a file's allocation on disk changed by (a write, a
   * truncation, a removal): the seeder keeps its disk use current from these between walks.
   */
  onAllocationChange?: (abs: string, deltaBytes: number) => void;
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
  /** Measured allocation of variant files (rare: a path whose content changed between versions). */
  private readonly variantAllocated = new Map<string, number>();

  private constructor(
    readonly paths: StoragePaths,
    private readonly handles: HandleCache,
    private readonly onAllocationChange: (abs: string, deltaBytes: number) => void,
  ) {}

  /** Opens (creating if needed) the store in `storage`. */
  static async open(storage: string, options: ContentStoreOptions = {}): Promise<ContentStore> {
    return new ContentStore(await StoragePaths.open(storage), new HandleCache(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES), options.onAllocationChange ?? (() => undefined));
  }

  /**
   * Records a file's allocation measured by a stat of the whole tree or volume, if nothing
   * measured it before (a write's own measurement is newer and is kept); no change is counted.
   */
  noteFirstMeasure(abs: string, allocatedBytes: number): void {
    const rel = this.paths.relative(abs);
    const claim = rel === null ? undefined : this.claims.get(rel);
    if (claim) {
      if (claim.allocated === UNMEASURED) claim.allocated = allocatedBytes;
    } else if (this.variantHolders.has(abs) && !this.variantAllocated.has(abs)) {
      this.variantAllocated.set(abs, allocatedBytes);
    }
  }

  /**
   * Records a file's allocation as measured now; returns the change from the last measurement
   * (0 the first time: the disk walk that set the seeder's total saw the file as it was) and
   * tells onAllocationChange. A file no volume holds is not tracked.
   */
  noteAllocated(abs: string, allocatedBytes: number): number {
    const rel = this.paths.relative(abs);
    const claim = rel === null ? undefined : this.claims.get(rel);
    const before = claim ? claim.allocated : this.variantHolders.has(abs) ? (this.variantAllocated.get(abs) ?? UNMEASURED) : null;
    if (before === null) return 0;
    if (claim) claim.allocated = allocatedBytes;
    else this.variantAllocated.set(abs, allocatedBytes);
    const delta = before === UNMEASURED ? 0 : allocatedBytes - before;
    if (delta !== 0) this.onAllocationChange(abs, delta);
    return delta;
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
        else this.claims.set(p.file.path, { sha1: p.file.sha1Hex, length: p.file.length, holders: volume, allocated: UNMEASURED });
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
        this.variantAllocated.delete(p.abs);
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

  /**
   * Writes `data` at `position`, creating the file and its folders as needed, then measures the
   * file's allocation on the open handle (one fstat) so disk use is counted as it is written.
   */
  async write(abs: string, position: number, data: Uint8Array): Promise<void> {
    await this.paths.ensureParent(abs);
    const allocated = await this.handles.use(abs, true, async (h) => {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await h.write(data, done, data.length - done, position + done);
        done += bytesWritten;
      }
      return (await h.stat()).blocks * STAT_BLOCK_BYTES;
    });
    this.noteAllocated(abs, allocated);
  }

  /** Truncates a file to `length` (a file longer than the torrent says holds foreign bytes). */
  async truncate(abs: string, length: number): Promise<void> {
    const allocated = await this.handles.use(abs, true, async (h) => {
      await h.truncate(length);
      return (await h.stat()).blocks * STAT_BLOCK_BYTES;
    });
    this.noteAllocated(abs, allocated);
  }

  /** Deletes a file and the folders it leaves empty (up to the commons or variants root). */
  async remove(abs: string): Promise<boolean> {
    this.handles.invalidate(abs);
    // What the file took, to count as freed: its claim may already be released (removeVolume).
    const st = await lstat(abs).catch(() => null);
    try {
      await unlink(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    if (st?.isFile() && st.nlink === 1 && st.blocks > 0) this.onAllocationChange(abs, -st.blocks * STAT_BLOCK_BYTES);
    const rel = this.paths.relative(abs);
    const claim = rel === null ? undefined : this.claims.get(rel);
    if (claim) claim.allocated = 0;
    else if (this.variantHolders.has(abs)) this.variantAllocated.set(abs, 0);
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

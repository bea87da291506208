/**
 * One volume's view of the content store: reads and writes pieces through the piece layout
 * onto the volume's placed files, and checks a piece on disk against its SHA-1.
 */
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import type { ContentStore, Placement } from './content-store.ts';
import type { PieceLayout } from './piece-layout.ts';

const SHA1_BYTES = 20;
/** Files stat'ed at once when looking at what is on disk. */
const STAT_CONCURRENCY = 64;

/** Sizes and allocations of a volume's files on disk, in two arrays (no object per file: 100,000-file volumes). */
export class FilesOnDisk {
  /** Size in bytes, -1 when the file is missing (or not a regular file). */
  readonly sizes: Float64Array;
  /** Allocated bytes (st_blocks × 512): what the file really takes. */
  readonly allocated: Float64Array;

  constructor(count: number) {
    this.sizes = new Float64Array(count).fill(-1);
    this.allocated = new Float64Array(count);
  }

  /** Size of file `i`, or null when it is missing. */
  size(i: number): number | null {
    const s = this.sizes[i] ?? -1;
    return s < 0 ? null : s;
  }

  /** Allocated bytes of every file. */
  totalAllocated(): number {
    let sum = 0;
    for (const a of this.allocated) sum += a;
    return sum;
  }
}

/** Reads, writes and checks the pieces of one volume. */
export class VolumeFiles {
  /** Called when a verified piece could not be written (full disk, permissions): the piece is not stored. */
  onWriteFailed: (index: number, err: Error) => void = () => undefined;
  /** Pieces that hold taken-down files: never written (see VolumeChunkStore.put). */
  readonly blocked = new Set<number>();

  constructor(
    readonly layout: PieceLayout,
    readonly placements: readonly Placement[],
    private readonly content: ContentStore,
    private readonly hashes: Uint8Array,
  ) {}

  private byAbs: Map<string, number> | null = null;
  private byPath: Map<string, number> | null = null;

  /** Index of the file stored at `abs`, or -1. */
  indexOfAbs(abs: string): number {
    this.byAbs ??= new Map(this.placements.map((p, i) => [p.abs, i]));
    return this.byAbs.get(abs) ?? -1;
  }

  /** Index of the file with torrent path 'a/ab/Name', or -1. */
  indexOfPath(rel: string): number {
    this.byPath ??= new Map(this.layout.files.map((f, i) => [f.path, i]));
    return this.byPath.get(rel) ?? -1;
  }

  /** Absolute path of file `index`. */
  abs(index: number): string {
    return this.placements[index]!.abs;
  }

  /** Reads `length` bytes of piece `index` from `offset` (into `target` when given, else a new buffer). */
  async readPiece(index: number, offset: number, length: number, target?: Buffer): Promise<Buffer> {
    const segments = this.layout.pieceSegments(index, offset, length);
    if (segments.length === 1 && !target) {
      const s = segments[0]!;
      return this.content.read(this.abs(s.file), s.fileOffset, s.length);
    }
    const out = target ? target.subarray(0, length) : Buffer.allocUnsafe(length);
    for (const s of segments) await this.content.readInto(this.abs(s.file), s.fileOffset, out, s.rangeOffset, s.length);
    return out;
  }

  /** Writes a whole verified piece into its files. */
  async writePiece(index: number, data: Uint8Array): Promise<void> {
    for (const s of this.layout.pieceSegments(index, 0, data.length)) {
      await this.content.write(this.abs(s.file), s.fileOffset, data.subarray(s.rangeOffset, s.rangeOffset + s.length));
    }
  }

  /** True when piece `index` is on disk and matches its hash; any read problem counts as false. */
  async checkPiece(index: number): Promise<boolean> {
    let data: Buffer;
    try {
      data = await this.readPiece(index, 0, this.layout.pieceSize(index));
    } catch {
      return false;
    }
    const digest = createHash('sha1').update(data).digest();
    return digest.equals(this.hashes.subarray(index * SHA1_BYTES, (index + 1) * SHA1_BYTES));
  }

  /** Size and allocation of every file, by lstat (a symlink counts as missing). */
  async filesOnDisk(): Promise<FilesOnDisk> {
    const out = new FilesOnDisk(this.placements.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < this.placements.length; i = next++) {
        const st = await this.fileOnDisk(i);
        if (!st) continue;
        out.sizes[i] = st.size;
        out.allocated[i] = st.allocated;
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, this.placements.length) }, worker));
    // The baseline that later writes are counted against (see ContentStore.noteAllocated).
    for (let i = 0; i < this.placements.length; i++) this.content.noteFirstMeasure(this.abs(i), out.allocated[i]!);
    return out;
  }

  /** Size and allocation of file `index`, or null when it is missing (or not a regular file). */
  async fileOnDisk(index: number): Promise<{ size: number; allocated: number } | null> {
    try {
      const st = await lstat(this.abs(index));
      return st.isFile() ? { size: st.size, allocated: st.blocks * 512 } : null;
    } catch {
      return null;
    }
  }

  /** Cuts a file that is longer than the torrent says (foreign bytes at its end). */
  async truncate(index: number): Promise<void> {
    await this.content.truncate(this.abs(index), this.layout.files[index]!.length);
  }
}

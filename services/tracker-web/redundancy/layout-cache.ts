/**
 * Volume layouts (each file's path, offset and length) for the copy figures, kept in a
 * least-recently-used cache bounded in bytes and re-read from the store's torrent when
 * needed: a catalogue of 100 million files cannot keep every parsed torrent in memory. Only
 * volumes with partial holders need a layout at all (see set-figures.ts); a per-file lookup
 * takes its offset from the per-file index. Layouts are read with the light reader
 * (shared/torrent/volume-layout.ts): the store's torrents were fully checked when published.
 */
import { readVolumeExtents, readVolumeLayout, type VolumeLayout } from '../../../shared/torrent/volume-layout.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';

/** Default bound on the layouts kept in memory. */
export const DEFAULT_LAYOUT_CACHE_BYTES = 64 * 2 ** 20; // 64 MiB
/** Bytes a cached entry takes besides its arrays and strings (the entry, the typed array objects, the map slot). */
const BYTES_PER_LAYOUT = 200;
/** A heap string's header, and the array slot that points at it. */
const BYTES_PER_STRING = 16 + 8;
/** Largest length a Uint32Array holds. */
const MAX_UINT32 = 0xffff_ffff;

/** One volume's files in torrent order, with its info hash. */
export type CompactLayout = VolumeLayout & { infoHash: string };

/**
 * Where each of a volume's files lies (no paths): all the set figures read. Four bytes a file
 * for a volume whose files lie end to end (no BEP 47 pads) and are each under 4 GiB: offsets
 * follow from the lengths. At 10,000,000 files the extents of every partly held volume take
 * about 13 MiB this way, against 49 MiB as two doubles a file.
 */
export interface FileExtents {
  infoHash: string;
  pieceLength: number;
  lengths: Uint32Array | Float64Array;
  /** Each file's offset; null when the files lie end to end from offset 0 (file i starts where file i - 1 ends). */
  offsets: Float64Array | null;
}

/** The compact extents of a layout, and the bytes they take. */
export function compactExtents(infoHash: string, layout: Pick<VolumeLayout, 'pieceLength' | 'offsets' | 'lengths'>): { extents: FileExtents; bytes: number } {
  let endToEnd = true;
  let small = true;
  let next = 0;
  for (let i = 0; i < layout.lengths.length; i++) {
    if (layout.offsets[i] !== next) endToEnd = false;
    next = layout.offsets[i]! + layout.lengths[i]!;
    if (layout.lengths[i]! > MAX_UINT32) small = false;
  }
  const lengths = small ? Uint32Array.from(layout.lengths) : layout.lengths.slice();
  const offsets = endToEnd ? null : layout.offsets.slice();
  return { extents: { infoHash, pieceLength: layout.pieceLength, lengths, offsets }, bytes: BYTES_PER_LAYOUT + lengths.byteLength + (offsets?.byteLength ?? 0) };
}

/** Bytes a whole layout takes: its two arrays, and each path string with its slot (rounded up to 8 bytes as V8 allocates). */
function layoutBytes(layout: CompactLayout): number {
  let bytes = BYTES_PER_LAYOUT + layout.offsets.byteLength + layout.lengths.byteLength;
  for (const p of layout.paths) bytes += BYTES_PER_STRING + Math.ceil(p.length / 8) * 8;
  return bytes;
}

/** A cached volume: its extents, and the whole layout when a reader needed the paths. */
interface Entry {
  layout: FileExtents;
  full: CompactLayout | null;
  bytes: number;
}

/**
 * Layouts by info hash, most recently used last, within a byte bound. An entry read for the
 * copy figures keeps only the extents, so at 10,000,000 files every partly held volume's
 * extents fit the bound and a warm-up after a census round reads no torrent again; a reader
 * that needs the paths (the set page) reads the torrent once more and keeps them.
 */
export class LayoutCache {
  private readonly entries = new Map<string, Entry>();
  private used = 0;
  /** Layouts read from the store (misses), for tests and the bench. */
  reads = 0;

  constructor(
    private readonly store: Pick<CatalogueStore, 'volumeTorrent'>,
    private readonly maxBytes = DEFAULT_LAYOUT_CACHE_BYTES,
  ) {}

  /** Bytes the cached layouts take (estimated). */
  get bytes(): number {
    return this.used;
  }

  /** The layout of a volume with its paths, or null when its torrent is not in the store or not readable. */
  get(infoHash: string): CompactLayout | null {
    const hit = this.touch(infoHash);
    if (hit?.full) return hit.full;
    const layout = this.read(infoHash);
    if (!layout) return null;
    this.keep(infoHash, { layout: compactExtents(infoHash, layout).extents, full: layout, bytes: layoutBytes(layout) });
    return layout;
  }

  /** Where a volume's files lie, without their paths (cached as such when not cached already), or null when unreadable. */
  extents(infoHash: string): FileExtents | null {
    const hit = this.touch(infoHash);
    if (hit) return hit.layout;
    // Lengths only: decoding every path was most of what a warm-up allocated (volume-layout.ts).
    const torrent = this.store.volumeTorrent(infoHash);
    if (!torrent) return null;
    let read: ReturnType<typeof readVolumeExtents>;
    try {
      read = readVolumeExtents(torrent);
    } catch {
      return null;
    }
    this.reads++;
    // `read.lengths` is a view the next read reuses: both branches copy it (typed array to typed
    // array, no number boxed on the way, as `every` and `from` with a callback did).
    let small = true;
    for (let i = 0; i < read.lengths.length && small; i++) small = read.lengths[i]! <= MAX_UINT32;
    const lengths = small ? new Uint32Array(read.lengths) : new Float64Array(read.lengths);
    const extents: FileExtents = { infoHash, pieceLength: read.pieceLength, lengths, offsets: null };
    this.keep(infoHash, { layout: extents, full: null, bytes: BYTES_PER_LAYOUT + lengths.byteLength });
    return extents;
  }

  /** A cached entry, marked most recently used. */
  private touch(infoHash: string) {
    const hit = this.entries.get(infoHash);
    if (hit) {
      this.entries.delete(infoHash);
      this.entries.set(infoHash, hit);
    }
    return hit;
  }

  private read(infoHash: string): CompactLayout | null {
    const bytes = this.store.volumeTorrent(infoHash);
    if (!bytes) return null;
    try {
      // Stored torrents were checked in full at publish: the light reader skips the tree and the path checks.
      const layout = { infoHash, ...readVolumeLayout(bytes) };
      this.reads++;
      return layout;
    } catch {
      return null;
    }
  }

  private keep(infoHash: string, entry: Entry): void {
    const old = this.entries.get(infoHash);
    if (old) {
      this.entries.delete(infoHash);
      this.used -= old.bytes;
    }
    this.entries.set(infoHash, entry);
    this.used += entry.bytes;
    for (const [key, e] of this.entries) {
      if (this.used <= this.maxBytes || this.entries.size <= 1) break;
      this.entries.delete(key);
      this.used -= e.bytes;
    }
  }
}

/**
 * Volume layouts (each file's path, offset and length) for the copy figures, kept in a
 * least-recently-used cache bounded in bytes and re-read from the store's torrent when
 * needed: a catalogue of 100 million files cannot keep every parsed torrent in memory. Only
 * volumes with partial holders need a layout at all (see set-figures.ts); a per-file lookup
 * takes its offset from the per-file index. Layouts are read with the light reader
 * (shared/torrent/volume-layout.ts): the store's torrents were fully checked when published.
 */
import { readVolumeLayout, type VolumeLayout } from '../../../shared/torrent/volume-layout.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';

/** Default bound on the layouts kept in memory. */
export const DEFAULT_LAYOUT_CACHE_BYTES = 64 * 2 ** 20; // 64 MiB
/** Rough bytes per file of a compact layout: two doubles and the path string's share. */
const BYTES_PER_FILE = 16 + 64;
/** Rough bytes per file of the extents alone (two doubles): what the copy figures need. */
const BYTES_PER_FILE_EXTENTS = 16;
const BYTES_PER_LAYOUT = 200;

/** One volume's files in torrent order, with its info hash. */
export type CompactLayout = VolumeLayout & { infoHash: string };

/** Where each of a volume's files lies (no paths): all the set figures read, at a fifth of a layout's memory. */
export type FileExtents = Pick<CompactLayout, 'infoHash' | 'pieceLength' | 'offsets' | 'lengths'>;

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
    this.keep(infoHash, { layout, full: layout, bytes: BYTES_PER_LAYOUT + BYTES_PER_FILE * layout.paths.length });
    return layout;
  }

  /** Where a volume's files lie, without their paths (cached as such when not cached already), or null when unreadable. */
  extents(infoHash: string): FileExtents | null {
    const hit = this.touch(infoHash);
    if (hit) return hit.layout;
    const layout = this.read(infoHash);
    if (!layout) return null;
    const extents: FileExtents = { infoHash, pieceLength: layout.pieceLength, offsets: layout.offsets, lengths: layout.lengths };
    this.keep(infoHash, { layout: extents, full: null, bytes: BYTES_PER_LAYOUT + BYTES_PER_FILE_EXTENTS * layout.lengths.length });
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

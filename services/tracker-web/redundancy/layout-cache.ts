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
const BYTES_PER_LAYOUT = 200;

/** One volume's files in torrent order, with its info hash. */
export type CompactLayout = VolumeLayout & { infoHash: string };

/** Layouts by info hash, most recently used last, within a byte bound. */
export class LayoutCache {
  private readonly entries = new Map<string, { layout: CompactLayout; bytes: number }>();
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

  /** The layout of a volume, or null when its torrent is not in the store or not readable. */
  get(infoHash: string): CompactLayout | null {
    const hit = this.entries.get(infoHash);
    if (hit) {
      this.entries.delete(infoHash);
      this.entries.set(infoHash, hit);
      return hit.layout;
    }
    const bytes = this.store.volumeTorrent(infoHash);
    if (!bytes) return null;
    let layout: CompactLayout;
    try {
      // Stored torrents were checked in full at publish: the light reader skips the tree and the path checks.
      layout = { infoHash, ...readVolumeLayout(bytes) };
    } catch {
      return null;
    }
    this.reads++;
    const size = BYTES_PER_LAYOUT + BYTES_PER_FILE * layout.paths.length;
    this.entries.set(infoHash, { layout, bytes: size });
    this.used += size;
    for (const [key, e] of this.entries) {
      if (this.used <= this.maxBytes || this.entries.size <= 1) break;
      this.entries.delete(key);
      this.used -= e.bytes;
    }
    return layout;
  }
}

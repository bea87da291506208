/**
 * Per-set copy figures (least and median copies, histogram, files and bytes under the copy
 * target), computed per volume rather than per file: a volume whose passing holders all hold
 * every piece gives each of its files the same count, so it adds its file count and size in
 * one step; only a volume with a partial holder is walked file by file, from its layout (read
 * on demand, bounded cache). The figures are kept per set (memory grows with sets), written to
 * the store after each computation so a restart shows them at once, and recomputed in the
 * background after every census round and publish (CopyIndex.warm).
 *
 * Pages, /metrics and other readers use {@link readSetFigures}: it never walks a set unless no
 * figures of the set's latest version exist yet.
 */
import { hasAllPieces, pieceRangeForFile, type VolumeHolders } from '../census/index.ts';
import type { CopyMode } from '../operators/copy-figures.ts';
import type { PersistedSetFigures, VolumeRecord } from '../store/records.ts';
import type { CompactLayout } from './layout-cache.ts';

/** Copy figures of one set's latest version. */
export interface SetCopyStats {
  files: number;
  bytes: number;
  min: number;
  median: number;
  /** copies → number of files. */
  histogram: Map<number, number>;
  bytesUnderTarget: number;
  filesUnderTarget: number;
  /** The least copies of any file as the other mode counts them (the headline's `min` is in `copiesMode`). */
  otherMin: number;
  copiesMode: CopyMode;
}

/** What computing a set's figures needs from the copy index. */
export interface SetFigureSources {
  holders(infoHash: string): VolumeHolders;
  layout(infoHash: string): CompactLayout | null;
  /** The copy count of a holder set (sorted hosts) of a volume, as `mode` counts. */
  headline(infoHash: string, hosts: string[], operatorKeys: VolumeHolders['operatorKeys'], mode: CopyMode): number;
  mode: CopyMode;
}

/**
 * Computes a set's figures from its latest version's volumes; `onVolume` gets each volume's
 * own copy count (its least-copied file's, as the headline counts) from the same walk.
 */
export function computeSetFigures(volumes: readonly VolumeRecord[], copyTarget: number, src: SetFigureSources, onVolume?: (infoHash: string, copies: number) => void): SetCopyStats {
  const other: CopyMode = src.mode === 'any' ? 'approved' : 'any';
  const histogram = new Map<number, number>();
  let files = 0;
  let bytes = 0;
  let bytesUnderTarget = 0;
  let filesUnderTarget = 0;
  let otherMin = Infinity;
  let volumeMin = Infinity;
  const add = (n: number, m: number, count: number, size: number) => {
    if (count === 0) return;
    volumeMin = Math.min(volumeMin, n);
    histogram.set(n, (histogram.get(n) ?? 0) + count);
    otherMin = Math.min(otherMin, m);
    files += count;
    bytes += size;
    if (n < copyTarget) {
      filesUnderTarget += count;
      bytesUnderTarget += size;
    }
  };
  /** Adds one volume's files, in one step when every passing holder is whole. */
  function figuresOfVolume(vol: VolumeRecord): void {
    const h = src.holders(vol.infoHash);
    const full: string[] = [];
    const partial: Array<[string, Uint8Array]> = [];
    for (const [host, bits] of h.passing) (hasAllPieces(bits, vol.pieces) ? full.push(host) : partial.push([host, bits]));
    full.sort();
    const layout = partial.length > 0 ? src.layout(vol.infoHash) : null;
    if (!layout) {
      // Every passing holder is whole (or the layout is unreadable: the whole holders are a lower bound).
      add(src.headline(vol.infoHash, full, h.operatorKeys, src.mode), src.headline(vol.infoHash, full, h.operatorKeys, other), vol.files, vol.size);
      return;
    }
    for (let i = 0; i < layout.paths.length; i++) {
      const range = pieceRangeForFile({ offset: layout.offsets[i]!, length: layout.lengths[i]! }, layout.pieceLength);
      let hosts = full;
      for (const [host, bits] of partial) {
        let covered = true;
        for (let p = range.first; p <= range.last && covered; p++) covered = ((bits[p >> 3] ?? 0) & (0x80 >> (p & 7))) !== 0;
        if (covered) hosts = hosts === full ? [...full, host] : (hosts.push(host), hosts);
      }
      if (hosts !== full) hosts.sort();
      add(src.headline(vol.infoHash, hosts, h.operatorKeys, src.mode), src.headline(vol.infoHash, hosts, h.operatorKeys, other), 1, layout.lengths[i]!);
    }
  }
  for (const vol of volumes) {
    volumeMin = Infinity;
    figuresOfVolume(vol);
    onVolume?.(vol.infoHash, Number.isFinite(volumeMin) ? volumeMin : 0);
  }
  const counts = [...histogram].sort((a, b) => a[0] - b[0]);
  const middle = Math.floor((files - 1) / 2);
  let median = 0;
  for (let seen = 0, i = 0; i < counts.length; i++) {
    seen += counts[i]![1];
    if (seen > middle) {
      median = counts[i]![0];
      break;
    }
  }
  return {
    files,
    bytes,
    min: counts[0]?.[0] ?? 0,
    median,
    histogram,
    bytesUnderTarget,
    filesUnderTarget,
    otherMin: Number.isFinite(otherMin) ? otherMin : 0,
    copiesMode: src.mode,
  };
}

/** The on-disk form of a set's figures, with its volumes' copy counts (so a restart's first pages need no recompute). */
export function persistedFigures(stats: SetCopyStats, version: number, computedAt: number, volumeCopies: Array<[string, number]> = []): PersistedSetFigures {
  return { ...stats, histogram: [...stats.histogram], version, computedAt, volumeCopies };
}

/** Figures read back from the store (without the volume copy counts, which the copy index keeps apart). */
export function figuresFromDisk(p: PersistedSetFigures): SetCopyStats & { version: number } {
  const { volumeCopies: _volumes, ...figures } = p;
  return { ...figures, histogram: new Map(p.histogram) };
}

/**
 * A set's precomputed copy figures (its latest version; null for an unknown set): the
 * figures of the last census round or publish, computed at that moment only when none exist
 * for this version yet. The one reader for pages, /metrics and per-set gauges.
 */
export function readSetFigures(copies: { setFigures(setId: string): SetCopyStats | null }, setId: string): SetCopyStats | null {
  return copies.setFigures(setId);
}

/**
 * The per-file index rows of one published version: a file row and a title row per file, a
 * category row per category a file is directly in. Offsets come from the volume torrents (read
 * once here, at publish), so a copy lookup later needs no torrent at all.
 */
import { parseVolumeTorrent } from '../../../shared/torrent/index.ts';
import { categoryKey, EMPTY_VALUE, encodeFileRow, titleKey, UNKNOWN_OFFSET } from './file-index.ts';
import type { FileLocation } from './records.ts';

/** The numbers file rows use, handed out by the store inside the publish transaction. */
export interface IndexNumbers {
  versionNo: number;
  volumeNo(infoHash: string): number;
  categoryNo(name: string): number;
}

/** Where rows go: straight into the tables, or into a sorted bulk load. */
export interface IndexSink {
  file(key: Buffer, value: Buffer): void;
  title(key: Buffer, value: Buffer): void;
  category(key: Buffer, value: Buffer): void;
}

/** Path → offset of each file of a volume torrent; empty when the bytes are not a readable volume torrent. */
function offsetsOf(torrent: Uint8Array | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (!torrent) return out;
  try {
    for (const f of parseVolumeTorrent(torrent).files) out.set(f.path, f.offset);
  } catch {
    // Stand-in torrents of tests; a real publish checked every torrent before it got here.
  }
  return out;
}

/** Writes the index rows of a version's files into `sink`. */
export function indexVersionFiles(files: readonly FileLocation[], torrents: ReadonlyMap<string, Uint8Array | undefined>, n: IndexNumbers, sink: IndexSink): void {
  const offsets = new Map<string, Map<string, number>>();
  for (const f of files) {
    let perVolume = offsets.get(f.volume);
    if (!perVolume) offsets.set(f.volume, (perVolume = offsetsOf(torrents.get(f.volume))));
    const row = encodeFileRow({
      sha1: f.sha1,
      versionNo: n.versionNo,
      title: f.title,
      volumeNo: n.volumeNo(f.volume),
      size: f.size,
      offset: perVolume.get(f.path) ?? UNKNOWN_OFFSET,
      path: f.path,
    });
    sink.file(row.key, row.value);
    sink.title(titleKey(f.title, f.sha1), EMPTY_VALUE);
    for (const c of new Set(f.categories ?? [])) sink.category(categoryKey(n.categoryNo(c), f.sha1, n.versionNo), EMPTY_VALUE);
  }
}

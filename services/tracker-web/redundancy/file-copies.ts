/**
 * One file's copies across every location that holds its bytes (every set and version), as the
 * file page and the copy lookup API show them: each location's holders of the pieces the file
 * spans, added up host by host, then counted as the headline counts.
 */
import { addOperatorKeys, fileCopies, networkOf, type VolumeHolders } from '../census/index.ts';
import { copyFigures, type CopyFigures, type CopyMode } from '../operators/copy-figures.ts';
import type { ApprovedOperators } from '../operators/operator-list.ts';
import type { IndexedFile } from '../store/catalogue-store.ts';
import type { VolumeRecord } from '../store/records.ts';
import type { CompactLayout } from './layout-cache.ts';

/** Copies of one file's bytes, added up over every set and version that holds them. */
export interface FileCopyCount extends CopyFigures {
  sha1: string;
  /** Every audited holder's address (relays included: see `notIndependent`). */
  hosts: string[];
  networks: string[];
  flagged: string[];
}

/** What a file's copies are read from. */
export interface FileCopySources {
  volume(infoHash: string): VolumeRecord | undefined;
  /** The volume's layout with paths (for a location that does not carry its offset). */
  layout(infoHash: string): CompactLayout | null;
  holders(infoHash: string): VolumeHolders;
  approved: ApprovedOperators;
  mode: CopyMode;
}

/** Copies of a file by SHA-1 over its locations. */
export function fileCopyCount(sha1: string, locations: readonly IndexedFile[], src: FileCopySources): FileCopyCount {
  const hosts = new Set<string>();
  const flagged = new Set<string>();
  const keys = new Map<string, Set<string>>();
  for (const loc of locations) {
    const vol = src.volume(loc.volume);
    if (!vol) continue;
    let offset = loc.offset;
    if (offset === undefined) {
      const layout = src.layout(loc.volume);
      const i = layout?.paths.indexOf(loc.path) ?? -1;
      if (i < 0) continue;
      offset = layout!.offsets[i]!;
    }
    const c = fileCopies(src.holders(loc.volume), { path: loc.path, offset, length: loc.size }, vol.pieceLength);
    for (const h of c.hosts) hosts.add(h);
    for (const h of c.flagged) flagged.add(h);
    addOperatorKeys(keys, c.operatorKeys, c.hosts);
  }
  const sortedHosts = [...hosts].sort();
  return {
    sha1,
    hosts: sortedHosts,
    networks: [...new Set(sortedHosts.map(networkOf))].sort(),
    flagged: [...flagged].sort(),
    ...copyFigures(sortedHosts, keys, src.approved, src.mode),
  };
}

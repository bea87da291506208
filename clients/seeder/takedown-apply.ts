/**
 * A takedown reaches every hosted volume: the listed files (by SHA-1) are deleted from disk and
 * the pieces covering them are blocked, so they are neither served nor downloaded again.
 */
import type { ContentStore } from './store/content-store.ts';
import type { HostedVolume } from './volume.ts';

/** A file a takedown deleted. */
export interface RemovedFile {
  infoHash: string;
  path: string;
  sha1: string;
}

/** Blocks and deletes, in one volume, the files whose SHA-1 is in `sha1s` (works before or after the volume started). */
export async function blockTakenDown(v: HostedVolume, content: ContentStore, sha1s: ReadonlySet<string>): Promise<RemovedFile[]> {
  if (sha1s.size === 0) return [];
  const removed: RemovedFile[] = [];
  for (let i = 0; i < v.layout.files.length; i++) {
    const f = v.layout.files[i]!;
    if (!f.sha1Hex || !sha1s.has(f.sha1Hex)) continue;
    const range = v.layout.piecesOfFile(i);
    const pieces: number[] = [];
    if (range) for (let p = range[0]; p <= range[1]; p++) if (!v.blocked.has(p)) pieces.push(p);
    if (pieces.length === 0 && !(await fileExists(v, i))) continue;
    if (v.running) v.block(pieces);
    else for (const p of pieces) v.blocked.add(p);
    await content.remove(v.files.abs(i));
    removed.push({ infoHash: v.infoHash, path: f.path, sha1: f.sha1Hex });
  }
  return removed;
}

async function fileExists(v: HostedVolume, index: number): Promise<boolean> {
  return (await v.files.fileOnDisk(index)) !== null;
}

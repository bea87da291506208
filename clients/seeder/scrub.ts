/**
 * Scrubbing: re-hash a share of each volume's verified pieces per run, from where the last
 * run stopped, so repeated runs cover everything. A bad piece is marked missing and comes
 * back from peers or web seeds; the files it touches are checked in other volumes too.
 */
import type { HostedVolume } from './volume.ts';

/** What one scrub found in one volume. */
export interface VolumeScrub {
  infoHash: string;
  checked: number;
  bytes: number;
  /** Pieces that failed their hash and were marked missing. */
  bad: number[];
  /** Files ('a/ab/Name') touched by bad pieces. */
  damagedFiles: string[];
}

/** Re-hashes `share` (0..1] of the verified pieces of one volume. */
export async function scrubVolume(v: HostedVolume, share: number): Promise<VolumeScrub> {
  const n = v.layout.pieceCount;
  const verified: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = (v.scrubCursor + k) % n;
    if (v.has(i)) verified.push(i);
  }
  const count = Math.min(verified.length, Math.ceil(Math.max(0, Math.min(1, share)) * verified.length));
  const picked = verified.slice(0, count);
  const { bad } = await v.recheck(picked, true);
  const lastPicked = picked[picked.length - 1];
  if (lastPicked !== undefined) v.scrubCursor = (lastPicked + 1) % n;
  v.lastScrubAt = new Date().toISOString();
  void v.saveNow();
  const damaged = new Set<string>();
  for (const i of bad) for (const f of v.layout.filesOfPiece(i)) damaged.add(v.layout.files[f]!.path);
  return {
    infoHash: v.infoHash,
    checked: picked.length,
    bytes: picked.reduce((s, i) => s + v.layout.pieceSize(i), 0),
    bad,
    damagedFiles: [...damaged],
  };
}

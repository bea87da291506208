/**
 * The seeder's disk figures: what the storage folder uses (the quota is checked against it)
 * and what each volume's files take. They are counted as bytes land (every write measures its
 * file, see ContentStore.noteAllocated), so `seedbank status` shows a download as it happens;
 * a walk of the whole tree corrects them now and then (files changed behind our back, links,
 * folders), often while anything downloads, rarely once everything is complete.
 */
import { freeBytes, treeUsage } from './quota.ts';

/** What the figures are kept for: the volumes holding a file, and their own counters. */
export interface DiskUseVolume {
  bytesOnDisk: number;
  readonly files: { filesOnDisk(): Promise<{ totalAllocated(): number }> };
}

/** The storage folder's measured use and free space, kept current between walks. */
export class DiskUse {
  /** Allocated bytes under the storage folder (hard links once). */
  usedBytes = 0;
  /** Bytes the filesystem still lets us write. */
  freeBytes = 0;
  /** When the tree was last walked (ms since the epoch; 0: never). */
  lastWalkAt = 0;

  constructor(private readonly storage: string) {}

  /** Counts a change in one file's allocation for the folder and for every volume holding it. */
  add(deltaBytes: number, holders: Iterable<DiskUseVolume>): void {
    this.usedBytes = Math.max(0, this.usedBytes + deltaBytes);
    for (const v of holders) v.bytesOnDisk = Math.max(0, v.bytesOnDisk + deltaBytes);
  }

  /** Measures free space (cheap: one statfs). */
  async measureFree(): Promise<void> {
    this.freeBytes = await freeBytes(this.storage);
  }

  /**
   * Walks the tree and every volume's files and replaces the counted figures with what is
   * there; changes counted while the walk ran are in the walk or found by the next one.
   */
  async walk(volumes: readonly DiskUseVolume[]): Promise<void> {
    const used = await treeUsage(this.storage);
    const perVolume: number[] = [];
    for (const v of volumes) perVolume.push((await v.files.filesOnDisk()).totalAllocated());
    this.usedBytes = used;
    volumes.forEach((v, i) => (v.bytesOnDisk = perVolume[i]!));
    this.lastWalkAt = Date.now();
  }
}

/**
 * Disk space: what hosted volumes will take when complete (checked before a volume is
 * accepted), what the tree really takes (st_blocks, hard links once), and free space.
 */
import { lstat, readdir, statfs } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { formatSize } from '../../shared/units.ts';

/** Files take whole filesystem blocks; planning in 4 KiB units keeps the real use under the plan. */
export const ALLOCATION_UNIT_BYTES = 4096;
/** Room kept for state files, torrents and folders per volume. */
export const VOLUME_OVERHEAD_BYTES = 64 * 1024;

/** Bytes a file of `length` bytes takes on disk at most (rounded up to whole units). */
export function allocatedSize(length: number): number {
  return Math.ceil(length / ALLOCATION_UNIT_BYTES) * ALLOCATION_UNIT_BYTES;
}

/** Planned disk use of a set of files (each distinct path once) and `volumes` volumes. */
export function plannedBytes(files: ReadonlyMap<string, number>, volumes: number): number {
  let sum = volumes * VOLUME_OVERHEAD_BYTES;
  for (const length of files.values()) sum += allocatedSize(length);
  return sum;
}

/** The refusal of a volume that does not fit, with the numbers. */
export function quotaExceeded(infoHash: string, o: { addBytes: number; hostedBytes: number; quotaBytes: number; freeBytes: number }): SeedbankError {
  const short = o.hostedBytes + o.addBytes - o.quotaBytes;
  return new SeedbankError(
    'QUOTA_EXCEEDED',
    `volume ${infoHash} does not fit the quota: it needs ${formatSize(o.addBytes)} (${o.addBytes} bytes) more, ` +
      `hosted volumes plan ${formatSize(o.hostedBytes)}, the quota is ${formatSize(o.quotaBytes)}: ${formatSize(short)} short`,
    { hint: 'raise --quota, remove a volume, or host a smaller set', context: { infoHash, ...o, shortBytes: short } },
  );
}

/** Real use of a folder tree: allocated bytes of every file, hard-linked files counted once. */
export async function treeUsage(root: string): Promise<number> {
  // Only files with several links can be met twice: remembering just those keeps a walk of
  // 100,000 files from building 100,000 keys.
  const seen = new Set<string>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(dir, e.name);
      const st = await lstat(p).catch(() => null);
      if (!st) continue;
      if (st.nlink > 1 && !st.isDirectory()) {
        const id = `${st.dev}:${st.ino}`;
        if (seen.has(id)) continue;
        seen.add(id);
      }
      total += st.blocks * 512;
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(root);
  return total;
}

/** Bytes an unprivileged process can still write on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/**
 * Refuses a volume that would take the hosted volumes' planned use over the quota
 * (QUOTA_EXCEEDED with the numbers, logged); warns when it fits the quota but not the disk.
 */
export async function checkVolumeFits(o: {
  infoHash: string;
  /** Distinct files already hosted, by path, with their lengths. */
  hosted: ReadonlyMap<string, number>;
  hostedVolumes: number;
  /** The new volume's files as [path, length]. */
  added: readonly [string, number][];
  quotaBytes: number;
  storage: string;
  log: Logger;
}): Promise<void> {
  const hostedBytes = plannedBytes(o.hosted, o.hostedVolumes);
  const all = new Map(o.hosted);
  for (const [abs, length] of o.added) all.set(abs, length);
  const addBytes = plannedBytes(all, o.hostedVolumes + 1) - hostedBytes;
  const free = await freeBytes(o.storage);
  if (hostedBytes + addBytes > o.quotaBytes) {
    const err = quotaExceeded(o.infoHash, { addBytes, hostedBytes, quotaBytes: o.quotaBytes, freeBytes: free });
    o.log.warn(err.context, err.message);
    throw err;
  }
  if (addBytes > free) o.log.warn({ infoHash: o.infoHash, addBytes, freeBytes: free }, `volume fits the quota but the disk has only ${formatSize(free)} free`);
}

/**
 * The store reads a catalogue's start makes over every set or volume, shaped so the start does
 * not wait on them more than it must: the set list's version records paged in from several
 * threads at once (on a cold start the list is what waits for the disk), what the kept set list
 * holds of each latest version, every volume's size in one pass, and the tracked info hashes a
 * slice at a time (loaded after listen).
 */
import type { CatalogueTables } from './open-lmdb.ts';
import type { LatestVersionSummary, VersionRecord } from './records.ts';

/** Threads prefetching the set list at start (libuv's pool has 4 by default). */
const PREFETCH_THREADS = 4;
/** Keys per prefetch call (about 3 KB a version record: a few MB, far below a read transaction's chunk bound). */
const PREFETCH_KEYS_PER_CALL = 1_000;
/** How long start-up waits for one prefetch call before reading without it. */
const PREFETCH_TIMEOUT_MS = 30_000;

/** Where a slice of tracked info hashes starts (trackedSlice): after `after` in a table. */
export interface TrackedCursor {
  table: 'volumes' | 'metadata';
  after?: string;
}

/**
 * Pages each set's latest version record into the page cache with lmdb-js's prefetch, on
 * `threads` threads at once: at 10M files those 10,000 records of about 3 KB lie scattered over
 * the file, and read one after another they were 784 page faults (4–7 s cold). Pure read-ahead.
 */
export async function prefetchSetList(t: Pick<CatalogueTables, 'sets' | 'versions'>, threads = PREFETCH_THREADS): Promise<void> {
  const keys: Array<[string, number]> = [];
  for (const { key, value } of t.sets.getRange()) keys.push([key, value.latestVersion]);
  // Small calls: one prefetch is one read transaction, which holds a bounded number of mapped chunks.
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const batch = keys.slice(next, (next += PREFETCH_KEYS_PER_CALL));
      // lmdb-js never settles a prefetch that failed (it logs the error): a bounded wait, as read-ahead may be skipped.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([t.versions.prefetch(batch), new Promise<void>((resolve) => (timer = setTimeout(resolve, PREFETCH_TIMEOUT_MS)))]);
      clearTimeout(timer);
    }
  };
  await Promise.all(Array.from({ length: threads }, worker));
}

/** What the kept set list holds of a latest version (records.ts LatestVersionSummary), built key by key. */
export function latestSummary(v: VersionRecord | undefined): LatestVersionSummary | null {
  if (!v) return null;
  const out: LatestVersionSummary = { setId: v.setId, version: v.version, manifestSha256: v.manifestSha256, publishedAt: v.publishedAt, builtAt: v.builtAt, metadataInfoHash: v.metadataInfoHash, volumes: v.volumes, totals: v.totals };
  if (v.no !== undefined) out.no = v.no;
  if (v.facts !== undefined) out.facts = v.facts;
  return out;
}

/** Up to `limit` tracked info hashes from `cursor` on (volumes, then metadata torrents, each in key order), and where the next slice starts (null: none left). */
export function trackedSlice(t: Pick<CatalogueTables, 'volumes' | 'metadataTorrents'>, cursor: TrackedCursor, limit: number): { infoHashes: string[]; next: TrackedCursor | null } {
  const db = cursor.table === 'volumes' ? t.volumes : t.metadataTorrents;
  const infoHashes: string[] = [];
  for (const key of db.getKeys({ start: cursor.after, limit: limit + 1 })) {
    if (key === cursor.after) continue;
    if (infoHashes.length === limit) break;
    infoHashes.push(key);
  }
  const last = infoHashes[infoHashes.length - 1];
  if (infoHashes.length === limit && last !== undefined) return { infoHashes, next: { table: cursor.table, after: last } };
  return { infoHashes, next: cursor.table === 'volumes' ? { table: 'metadata' } : null };
}

/** Every volume's size by info hash, in one pass over the volumes table (not through the record cache: a walk over 40,000 volumes would only evict it). */
export function volumeSizes(t: Pick<CatalogueTables, 'volumes'>): Map<string, number> {
  const out = new Map<string, number>();
  for (const { key, value } of t.volumes.getRange()) out.set(key, value.size);
  return out;
}

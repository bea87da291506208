/**
 * A category's copy figures: every file directly in it (by SHA-1, once) across the sets'
 * latest versions, read from the category index, with each file's copies from the copy index.
 *
 * A large category is counted in slices that hand the event loop back between them: each
 * file's copies are random reads of the per-file index, and under LMDB's chunked map one read
 * transaction may hold at most 4,095 chunks (256 MiB of distinct pages). lmdb-js renews its
 * read transaction only on a timer between turns, so a whole 10M-file category counted in one
 * turn failed with MDB_TXN_FULL and broke every read after it until a restart.
 */
import { didYouMean } from '../../../shared/closest-match.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';

/** Files counted in one turn of the event loop (a few milliseconds of reads at 10M files). */
export const CATEGORY_SLICE_FILES = 1_000;

/** Most category names compared for a "did you mean" suggestion. */
const MAX_SUGGESTION_NAMES = 100_000;

/** What `/api/copies/category/:name` answers. */
export interface CategoryCopies {
  category: string;
  files: number;
  bytes: number;
  min: number;
  median: number;
  filesUnderTarget: number;
  bytesUnderTarget: number;
}

/**
 * Waits for the next timers phase: lmdb-js resets its read transaction on a `setTimeout(0)`
 * scheduled at the first read of a turn, and this timer, scheduled after it, runs after it.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Counts a category's files, bytes and copies against each file's highest copy target, `sliceFiles` files a turn; an unknown category is refused with the closest names. */
export async function categoryCopies(store: CatalogueStore, name: string, copiesOf: (sha1: string) => number, sliceFiles = CATEGORY_SLICE_FILES): Promise<CategoryCopies> {
  const bare = name.replace(/^Category:/i, '').replace(/_/g, ' ');
  const target = new Map<string, number>();
  let read = 0;
  for (const row of store.categoryFiles(bare) ?? []) {
    if (++read % sliceFiles === 0) await nextTurn();
    const set = store.getSet(row.setId);
    if (!set || set.latestVersion !== row.version) continue;
    target.set(row.sha1, Math.max(target.get(row.sha1) ?? 0, set.copyTarget));
  }
  if (target.size === 0) {
    const known: string[] = [];
    for (const c of store.categoryNames()) if (known.push(c) >= MAX_SUGGESTION_NAMES) break;
    throw new SeedbankError('CATEGORY_NOT_FOUND', `no file of a published set is directly in the category "${bare}".${didYouMean(bare, known)}`, {
      context: { category: bare, knownCategories: known.length },
    });
  }
  const counts: number[] = [];
  let bytes = 0;
  let bytesUnderTarget = 0;
  let filesUnderTarget = 0;
  let counted = 0;
  for (const [sha1, copyTarget] of target) {
    if (++counted % sliceFiles === 0) await nextTurn();
    const n = copiesOf(sha1);
    const size = store.filesBySha1(sha1)[0]?.size ?? 0;
    counts.push(n);
    bytes += size;
    if (n < copyTarget) {
      filesUnderTarget++;
      bytesUnderTarget += size;
    }
  }
  counts.sort((a, b) => a - b);
  return {
    category: bare,
    files: counts.length,
    min: counts[0] ?? 0,
    median: counts.length ? counts[Math.floor((counts.length - 1) / 2)]! : 0,
    bytes,
    filesUnderTarget,
    bytesUnderTarget,
  };
}

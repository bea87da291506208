/**
 * A category's copy figures: every file directly in it (by SHA-1, once) across the sets'
 * latest versions, read from the category index, with each file's copies from the copy index.
 */
import { didYouMean } from '../../../shared/closest-match.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';

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

/** Counts a category's files, bytes and copies against each file's highest copy target; an unknown category is refused with the closest names. */
export function categoryCopies(store: CatalogueStore, name: string, copiesOf: (sha1: string) => number): CategoryCopies {
  const bare = name.replace(/^Category:/i, '').replace(/_/g, ' ');
  const target = new Map<string, number>();
  for (const row of store.categoryFiles(bare) ?? []) {
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
  for (const [sha1, copyTarget] of target) {
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

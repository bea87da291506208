/**
 * One page of the set list, read straight from the sets table: an LMDB range from the cursor,
 * `limit` + 1 records (the extra one only says whether a page follows), never the whole list.
 * GET /api/sets pages with it; the kept whole list (`listSets`) stays for the pages and figures
 * that need every set.
 */
import type { Database } from 'lmdb';
import type { SetRecord } from './records.ts';

/** Sets in id order and the id to pass as `after` for the next page (null: this is the last). */
export interface SetPage {
  sets: SetRecord[];
  next: string | null;
}

/** Reads up to `limit` sets whose id sorts after `after` (from the first set without it). */
export function readSetPage(sets: Database<SetRecord, string>, after: string | undefined, limit: number): SetPage {
  const page: SetRecord[] = [];
  let more = false;
  // Set ids are ASCII slugs, so LMDB's byte order of the keys is their string order.
  for (const { value } of sets.getRange({ ...(after === undefined ? {} : { start: after, exclusiveStart: true }), limit: limit + 1 })) {
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(value);
  }
  return { sets: page, next: more && page.length > 0 ? page[page.length - 1]!.id : null };
}

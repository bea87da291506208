// The file page's model when the query is no exact title or SHA-1: a page of the title search,
// with the sets named and a link to the next page, or not-found with a note on a bad query.
import { isSeedbankError } from '../../../shared/errors.ts';
import { filePath } from '../pages/urls.ts';
import type { FilePageModel } from '../pages/view-models.ts';
import { searchFiles } from '../search/search-routes.ts';
import { fileModel } from './file-model.ts';
import type { ViewSources } from './set-summaries.ts';

/** Results per page of the file search. */
const PAGE_RESULTS = 50;

/** The next-page link of a search: the same query, resumed after the cursor. */
export function searchPagePath(query: string, after: string): string {
  return `${filePath(query)}&after=${encodeURIComponent(after)}`;
}

/**
 * The file page's data: an exact title or SHA-1 opens the file (as before); anything else is
 * a search by the beginnings of title words, a page at a time (`after` resumes it). A query
 * with no letters or digits, or a cursor from another search, is not-found with a note.
 */
export function fileOrSearchModel(src: ViewSources, query: string, after?: string): FilePageModel {
  const exact = after === undefined ? fileModel(src, query) : null;
  if (exact && (exact.kind !== 'not-found' || exact.query === '')) return exact;
  const q = query.trim();
  const now = src.now().toISOString();
  try {
    const r = searchFiles(src.store, q, { limit: PAGE_RESULTS, after });
    if (r.results.length === 0 && !r.capped && after === undefined) return { kind: 'not-found', now, query: q };
    const setTitle = (id: string) => src.store.getSet(id)?.title ?? id;
    return {
      kind: 'search',
      now,
      query: q,
      search: {
        words: r.words,
        hits: r.results.map((h) => ({ title: h.title, sets: h.sets.map((id) => ({ id, title: setTitle(id) })), contents: h.sha1s.length })),
        nextPath: r.nextCursor === null ? null : searchPagePath(q, r.nextCursor),
        capped: r.capped,
        scanned: r.scanned,
        indexComplete: r.indexComplete,
      },
    };
  } catch (err) {
    if (isSeedbankError(err) && err.code === 'BAD_REQUEST') return { kind: 'not-found', now, query: q, note: `${err.message}; ${err.hint}` };
    throw err;
  }
}

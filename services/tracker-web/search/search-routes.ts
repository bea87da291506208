/**
 * GET /api/search?q=&limit=&after=: files by the beginning of words of their title, from the
 * store's title index, each with the contents (SHA-1s) it has had and the sets holding it.
 * The file page (/files?q=) shows the same results when a query is no exact title or SHA-1.
 */
import { Router } from 'express';
import { routes } from '../../../shared/api/routes.ts';
import { DEFAULT_SEARCH_LIMIT, searchQuerySchema, type SearchHitBody, type SearchResultBody } from '../../../shared/api/search-schemas.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { parseParam } from '../web/params.ts';

/** Runs one search and describes each title found (throws BAD_REQUEST for a query with no words or a foreign cursor). */
export function searchFiles(store: CatalogueStore, q: string, o: { limit?: number; after?: string } = {}): SearchResultBody {
  const page = store.searchTitles(q, { limit: o.limit ?? DEFAULT_SEARCH_LIMIT, after: o.after });
  const results: SearchHitBody[] = page.titles.map((title) => {
    const locations = store.filesByTitle(title);
    return { title, sha1s: [...new Set(locations.map((l) => l.sha1))], sets: [...new Set(locations.map((l) => l.setId))].sort() };
  });
  return { query: q, words: page.words, results, nextCursor: page.nextCursor, capped: page.capped, scanned: page.scanned, indexComplete: page.indexComplete };
}

/** The router of GET /api/search. */
export function searchRouter(store: CatalogueStore): Router {
  const router = Router();
  router.get(routes.search.pattern, (req, res) => {
    const query = parseParam(searchQuerySchema, { q: req.query.q, limit: req.query.limit, after: req.query.after }, 'search (q=words of a title, limit=1..200, after=cursor)');
    const body: SearchResultBody = searchFiles(store, query.q, query);
    res.json(body);
  });
  return router;
}

// Reads the home page's search and filters from a query string, tolerating anything a
// browser or a hand-edited URL may send (repeated keys, unknown sorts, stray whitespace).
import { HOME_SORTS, type HomeQuery, type HomeSort } from './view-models.ts';

/** Longest search text kept: longer input is someone pasting a document, not a search. */
const MAX_QUERY_CHARS = 200;

function first(value: unknown): string {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'string' ? v.trim().slice(0, MAX_QUERY_CHARS) : '';
}

/** Turns `?q=&tag=&region=&sort=` (URLSearchParams or Express's `req.query`) into a HomeQuery. */
export function parseHomeQuery(params: URLSearchParams | Record<string, unknown>): HomeQuery {
  const get = (key: string): string =>
    params instanceof URLSearchParams ? first(params.get(key) ?? '') : first(params[key]);
  const sort = get('sort');
  const page = Number.parseInt(get('page'), 10);
  return {
    ...(Number.isSafeInteger(page) && page > 1 ? { page } : {}),
    q: get('q'),
    tag: get('tag') || null,
    region: get('region') || null,
    sort: (HOME_SORTS as readonly string[]).includes(sort) ? (sort as HomeSort) : 'risk',
  };
}

/**
 * GET /api/sets?limit=&after=: one page of the sets in id order, each with its whole latest
 * version record, and where the next page starts (`next` in the body, an RFC 8288 `Link: <…>;
 * rel="next"` header). A page reads its own sets and their latest versions from the store and
 * nothing else, so the answer's cost is bounded by `limit`, not by the catalogue's size.
 */
import { DEFAULT_SET_PAGE_LIMIT, setListQuerySchema, type SetListBody, type SetListQuery } from '../../../shared/api/read-schemas.ts';
import { routes, withQuery } from '../../../shared/api/routes.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';

/** How much of a refused value the error message quotes (a query may be kilobytes). */
const ECHO_CHARS = 80;

/** One answer of GET /api/sets: the body and the Link header (null on the last page). */
export interface SetListAnswer {
  body: SetListBody;
  link: string | null;
}

/** Parses the query of GET /api/sets, or throws BAD_REQUEST saying which value is wrong and what it may be. */
export function parseSetListQuery(query: Record<string, unknown>): SetListQuery {
  const given = { limit: query.limit, after: query.after };
  const r = setListQuerySchema.safeParse(given);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path[0] === 'after' ? 'after' : 'limit';
  throw new SeedbankError('BAD_REQUEST', `${field}: ${issue?.message ?? 'invalid'} (got ${echo(given[field])})`, {
    hint: 'page with limit=1..1000 and after=<the `next` of the previous page>, e.g. /api/sets?limit=100&after=paris',
    context: { field },
  });
}

/** Builds one page of GET /api/sets from its parsed query. */
export function setListPage(store: CatalogueStore, query: SetListQuery): SetListAnswer {
  const page = store.setPage(query.after, query.limit ?? DEFAULT_SET_PAGE_LIMIT);
  // The API gives each set's whole latest version record: one point read per set of the page.
  const sets = page.sets.map((r) => ({ ...r, latest: r.latestVersion > 0 ? (store.getVersion(r.id, r.latestVersion) ?? null) : null }));
  // The Link repeats the request's own limit, so following it pages the same way.
  const link = page.next === null ? null : `<${withQuery(routes.sets.path(), { limit: query.limit, after: page.next })}>; rel="next"`;
  return { body: { sets, next: page.next }, link };
}

/** A refused value as the message quotes it: JSON, cut to ECHO_CHARS with its full length said. */
function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length <= ECHO_CHARS ? text : `${text.slice(0, ECHO_CHARS)}… (${text.length} characters)`;
}

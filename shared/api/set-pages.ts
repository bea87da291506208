/**
 * Walking the catalogue's set list page by page (GET /api/sets?limit=&after=), the one way every
 * client in this repository lists sets. A walk is bounded in pages and stops with an error when
 * the catalogue's cursor does not move forward (a repeated or earlier `next` would otherwise page
 * for ever). A catalogue older than paging answers every set on its first page, without `next`.
 */
import type { SeedbankError } from '../errors.ts';
import type { SetListBody, SetSummaryBody } from './read-schemas.ts';
import { MAX_SET_PAGE_LIMIT } from './read-schemas.ts';

/** Sets a walk asks for per page: the most a page may hold, so a large catalogue takes few requests (and few of its rate limit). */
export const WALK_SET_PAGE_LIMIT = MAX_SET_PAGE_LIMIT;
/** Most pages one walk follows: a million sets at 1,000 a page. */
export const MAX_SET_PAGES = 1_000;

/** What a walk needs of a catalogue client (CatalogueApi has both). */
export interface SetPageSource {
  /** One page of the set list. */
  setsPage(query: { limit?: number; after?: string }): Promise<SetListBody>;
  /** The error for an answer that breaks the contract (a CATALOGUE_ERROR marked as the catalogue's). */
  badAnswer(what: string, why: string): SeedbankError;
}

/** Bounds of a walk; the defaults suit every client. */
export interface SetWalkOptions {
  /** Sets per page asked for; default {@link WALK_SET_PAGE_LIMIT}. */
  limit?: number;
  /** Pages followed before the walk gives up; default {@link MAX_SET_PAGES}. */
  maxPages?: number;
}

const WHAT = 'the list of sets';

/** Yields the set list page after page, in id order, until the catalogue says there is no more. */
export async function* setPages(source: SetPageSource, o: SetWalkOptions = {}): AsyncGenerator<SetSummaryBody[]> {
  const limit = o.limit ?? WALK_SET_PAGE_LIMIT;
  const maxPages = o.maxPages ?? MAX_SET_PAGES;
  let after: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await source.setsPage(after === undefined ? { limit } : { limit, after });
    yield page.sets;
    const next = page.next ?? null;
    if (next === null) return;
    // Sets come in id order, so each page's cursor sorts after the one before it.
    if (after !== undefined && next <= after) {
      const how = next === after ? `repeated the cursor "${next}"` : `went back from the cursor "${after}" to "${next}"`;
      throw source.badAnswer(WHAT, `page ${pages} ${how}: its paging would go round for ever, so the walk stopped`);
    }
    if (pages >= maxPages) throw source.badAnswer(WHAT, `it had more than ${maxPages} pages of ${limit} sets (the walk's bound), and page ${pages} still pointed at "${next}"`);
    after = next;
  }
}

/** Every set of the catalogue, walking its pages (see {@link setPages}). */
export async function allSets(source: SetPageSource, o: SetWalkOptions = {}): Promise<SetSummaryBody[]> {
  const sets: SetSummaryBody[] = [];
  for await (const page of setPages(source, o)) sets.push(...page);
  return sets;
}

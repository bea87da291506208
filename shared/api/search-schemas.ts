/**
 * GET /api/search: files found by the beginning of any word of their title, case and accents
 * folded ("eiffel" finds "File:Eiffel Tower from Trocadéro.png"). The exact title and the
 * SHA-1 lookups stay at GET /api/files. Each request reads a bounded number of index keys; a
 * page that stopped at that bound says `capped`, and `nextCursor` goes on from there.
 */
import { z } from 'zod';
import { countSchema, hex40Schema, setIdSchema } from './params.ts';

/** Longest search text: a few words of a title (titles are at most 255 bytes). */
export const MAX_SEARCH_CHARS = 200;
/** Results per page unless `limit` says otherwise, and the most a page may ask for. */
export const DEFAULT_SEARCH_LIMIT = 50;
export const MAX_SEARCH_LIMIT = 200;
/** A cursor is an index key in base64url: a title's worth of bytes, with room. */
const MAX_CURSOR_CHARS = 3_000;

/** Query of GET /api/search. */
export const searchQuerySchema = z.object({
  q: z
    .string({ error: 'give the beginning of one or more words of a file title, e.g. q=eiffel' })
    .min(1, 'give the beginning of one or more words of a file title, e.g. q=eiffel')
    .max(MAX_SEARCH_CHARS, `a search is at most ${MAX_SEARCH_CHARS} characters: a few words of a title`),
  limit: z.coerce.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
  /** The `nextCursor` of the previous page of the same search. */
  after: z.string().min(1).max(MAX_CURSOR_CHARS).optional(),
});
export type SearchQuery = z.input<typeof searchQuerySchema>;

/** One file title found, with the contents it has had and the sets holding it (any version). */
export const searchHitSchema = z.object({
  /** "File:Name.jpg" */
  title: z.string(),
  sha1s: z.array(hex40Schema),
  sets: z.array(setIdSchema),
});
export type SearchHitBody = z.output<typeof searchHitSchema>;

/** GET /api/search */
export const searchResultSchema = z.object({
  query: z.string(),
  /** The folded word beginnings every result has. */
  words: z.array(z.string()),
  results: z.array(searchHitSchema),
  /** Pass as `after` for the next page; null when there is no more. */
  nextCursor: z.string().nullable(),
  /** The page stopped at the per-request bound on index keys read before it was full: more may match after `nextCursor`. */
  capped: z.boolean(),
  /** Index keys read for this page. */
  scanned: countSchema,
  /** False while an older catalogue's titles are still being indexed. */
  indexComplete: z.boolean(),
});
export type SearchResultBody = z.output<typeof searchResultSchema>;

// The set page's file list: a page of the latest version's files in title order, a bounded
// title search, or the files under the copy target; plus the licence summary. Each request
// reads at most a page of records, or scans a bounded run of titles, never the manifest.
import { z } from 'zod';
import { titleFromFileName } from '../../../shared/commons-path.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { SetFilesQuery, SetFilesSection, SetFileView } from '../pages/view-models.ts';
import type { SetFileRow } from '../store/set-files.ts';
import type { VersionRecord } from '../store/records.ts';
import type { ViewSources } from './set-summaries.ts';

/** Files per page of the list. */
export const FILES_PER_PAGE = 100;
/** Titles one search reads at most (in title order); past this it says how far it got. */
export const SEARCH_SCAN_CAP = 100_000;
/** Longest search text accepted: titles are at most 240 bytes on MediaWiki. */
export const MAX_SEARCH_CHARS = 240;
/** Highest page number accepted (far beyond a 100-million-file set at 100 per page). */
const MAX_PAGE = 10_000_000;

const querySchema = z.object({
  q: z.string({ error: 'give the search as one text value' }).max(MAX_SEARCH_CHARS, `a search is at most ${MAX_SEARCH_CHARS} characters (a title is shorter)`).optional(),
  page: z.string({ error: 'give one page number' }).regex(/^\d{1,8}$/, 'a page is a whole number from 1').optional(),
  under: z.enum(['', '0', '1', 'on', 'true', 'false'], { error: 'under is 1 (only files under the copy target) or 0' }).optional(),
});

/** Reads `?q=&page=&under=` of a set page; anything else is a 400 that says what to fix. */
export function parseSetFilesQuery(raw: Record<string, unknown>): SetFilesQuery {
  const r = querySchema.safeParse({ q: raw.q, page: raw.page, under: raw.under });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new SeedbankError('BAD_REQUEST', `the file list's ${String(issue.path[0])}: ${issue.message}`, { hint: 'use the search form on the set page' });
  }
  const page = r.data.page === undefined ? 1 : Number(r.data.page);
  if (page < 1 || page > MAX_PAGE) throw new SeedbankError('BAD_REQUEST', `the file list's page: ${page} is not a page number (1 to ${MAX_PAGE})`, { hint: 'follow the page links under the list' });
  return { q: (r.data.q ?? '').trim(), under: ['1', 'on', 'true'].includes(r.data.under ?? ''), page };
}

/** The files under the target among this version's volumes, as the copies figures count them, in volume order. */
function underTarget(src: ViewSources, setId: string, version: VersionRecord, target: number, q: string, offset: number, limit: number) {
  const wanted = q.replace(/_/g, ' ').toLowerCase();
  const titles: string[] = [];
  let matching = 0;
  for (const ih of version.volumes) {
    for (const path of src.copies.volumePaths(ih)) {
      if (src.copies.copiesIn(ih, path) >= target) continue;
      const title = titleFromFileName(path.slice(path.lastIndexOf('/') + 1));
      if (wanted && !title.toLowerCase().includes(wanted)) continue;
      if (matching >= offset && titles.length < limit) titles.push(title);
      matching++;
    }
  }
  const rows = titles.flatMap((t) => src.store.setFiles.get(setId, version.version, t) ?? []);
  return { rows, matching };
}

/** The file list section of a set page for `query`. */
export function setFilesSection(src: ViewSources, setId: string, version: VersionRecord, copyTarget: number, query: SetFilesQuery): SetFilesSection {
  const facts = src.store.setFiles.versionFacts(setId, version.version);
  const files = facts?.files ?? version.totals.files;
  const offset = (query.page - 1) * FILES_PER_PAGE;
  let rows: SetFileRow[];
  let matching: number;
  let scan = { titles: files, complete: true };
  if (query.under) {
    ({ rows, matching } = underTarget(src, setId, version, copyTarget, query.q, offset, FILES_PER_PAGE));
  } else if (query.q !== '') {
    const found = src.store.setFiles.search(setId, version.version, query.q, { offset, limit: FILES_PER_PAGE, scanCap: SEARCH_SCAN_CAP });
    rows = found.rows;
    matching = found.matches;
    scan = { titles: found.scanned, complete: found.complete };
  } else {
    rows = src.store.setFiles.page(setId, version.version, offset, FILES_PER_PAGE);
    matching = files;
  }
  const pages = Math.max(1, Math.ceil(matching / FILES_PER_PAGE));
  const view = (r: SetFileRow): SetFileView => ({
    title: r.title, sha1: r.sha1, bytes: r.size, copies: src.copies.copiesIn(r.volume, r.path), license: r.license, uploaded: r.uploaded,
  });
  return {
    version: version.version,
    query,
    perPage: FILES_PER_PAGE,
    files,
    matching,
    pages,
    rows: rows.map(view),
    scan,
    outOfRange: query.page > pages,
    filesUnderTarget: src.copies.set(setId)?.filesUnderTarget ?? 0,
    licences: facts?.licences ?? [],
  };
}

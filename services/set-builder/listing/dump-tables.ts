/**
 * The tables of a dump run a listing needs, read by column name from each dump's own CREATE
 * TABLE: page titles of files and categories, the category graph (old `cl_to`, or newer
 * `cl_target_id` with the `linktarget` table), and file facts from `image`.
 */
import { base36ToHexSha1 } from '../../../shared/dumps/base36-sha1.ts';
import { readSqlDump, type SqlRow } from '../../../shared/dumps/sql-dump-reader.ts';
import { SeedbankError } from '../../../shared/errors.ts';

export const NS_FILE = 6;
export const NS_CATEGORY = 14;

/** Dump titles use underscores; recipes, the API and manifests use spaces. */
export const spaced = (dbKey: string) => dbKey.replace(/_/g, ' ');

/** Column positions by name, once the CREATE TABLE is read; refuses a table that lacks one of `want`. */
function columnIndex(table: string, columns: string[], want: string[]): Record<string, number> {
  const missing = want.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new SeedbankError('DUMP_INVALID', `the ${table} dump's CREATE TABLE has no column ${missing.join(', ')}`, { hint: `is this a dump of MediaWiki's ${table} table?`, context: { columns } });
  }
  return Object.fromEntries(want.map((c) => [c, columns.indexOf(c)]));
}

/** Titles (spaces) by page id, of the file and category namespaces. */
export interface PageTitles {
  files: Map<number, string>;
  categories: Map<number, string>;
  /** Pages of the file namespace that are redirects (a moved file's old name). */
  redirects: Set<number>;
}

/** Reads the page table: ids and titles of files and categories (other namespaces are skipped). */
export async function readPageTitles(file: string): Promise<PageTitles> {
  const out: PageTitles = { files: new Map(), categories: new Map(), redirects: new Set() };
  let at: Record<string, number> = {};
  await readSqlDump(file, {
    table: 'page',
    onColumns: (cols) => (at = columnIndex('page', cols, ['page_id', 'page_namespace', 'page_title', 'page_is_redirect'])),
    onRow(row: SqlRow) {
      const ns = row.number(at.page_namespace!);
      if (ns !== NS_FILE && ns !== NS_CATEGORY) return;
      const id = row.number(at.page_id!);
      (ns === NS_FILE ? out.files : out.categories).set(id, spaced(row.text(at.page_title!)));
      if (ns === NS_FILE && row.number(at.page_is_redirect!) !== 0) out.redirects.add(id);
    },
  });
  return out;
}

/** Titles (spaces) of link targets in namespace `ns` by linktarget id: what newer MediaWiki's cl_target_id and il_target_id point at. */
export async function readLinkTargets(file: string, ns: number): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  let at: Record<string, number> = {};
  await readSqlDump(file, {
    table: 'linktarget',
    onColumns: (cols) => (at = columnIndex('linktarget', cols, ['lt_id', 'lt_namespace', 'lt_title'])),
    onRow(row) {
      if (row.number(at.lt_namespace!) === ns) out.set(row.number(at.lt_id!), spaced(row.text(at.lt_title!)));
    },
  });
  return out;
}

/** The category graph: members of each category, and the categories of each file page. */
export interface CategoryLinks {
  /** Category (spaces) → page ids of its files and of its subcategory pages. */
  members: Map<string, { files: number[]; subcats: number[] }>;
  /** File page id → its categories (spaces), as the API's prop=categories lists them. */
  categoriesOf: Map<number, string[]>;
  /** Which column named the category: `cl_to`, or `cl_target_id` through linktarget. */
  schema: 'cl_to' | 'cl_target_id';
}

/**
 * Reads categorylinks. A dump with `cl_to` names the category itself; a newer one has
 * `cl_target_id`, resolved through the run's linktarget dump, and is refused without it.
 */
export async function readCategoryLinks(file: string, linktargetFile: string | undefined): Promise<CategoryLinks> {
  const out: CategoryLinks = { members: new Map(), categoriesOf: new Map(), schema: 'cl_to' };
  let at: Record<string, number> = {};
  let target: Map<number, string> | null = null;
  let needsTargets = false;
  // One string per category name, shared by every file that lists it (a row's text is a fresh string each time).
  const names = new Map<string, string>();
  const intern = (name: string) => {
    const kept = names.get(name);
    if (kept !== undefined) return kept;
    names.set(name, name);
    return name;
  };
  await readSqlDump(file, {
    table: 'categorylinks',
    onColumns(cols) {
      if (cols.includes('cl_to')) at = columnIndex('categorylinks', cols, ['cl_from', 'cl_to', 'cl_type']);
      else {
        at = columnIndex('categorylinks', cols, ['cl_from', 'cl_target_id', 'cl_type']);
        out.schema = 'cl_target_id';
        needsTargets = true;
      }
    },
    // Stops at the header: the columns decide whether the linktarget dump is needed before any row.
    onRow() {},
    headerOnly: true,
  });
  if (needsTargets) {
    if (linktargetFile === undefined) {
      throw new SeedbankError('DUMP_RUN_NOT_FOUND', `${file} names categories by cl_target_id, and the run has no linktarget dump to resolve them`, {
        hint: 'download <wiki>-<date>-linktarget.sql.gz of the same run into the folder',
      });
    }
    target = await readLinkTargets(linktargetFile, NS_CATEGORY);
  }
  await readSqlDump(file, {
    table: 'categorylinks',
    onColumns(cols) {
      at = columnIndex('categorylinks', cols, ['cl_from', target === null ? 'cl_to' : 'cl_target_id', 'cl_type']);
    },
    onRow(row) {
      const category = target === null ? intern(spaced(row.text(at.cl_to!))) : target.get(row.number(at.cl_target_id!));
      if (category === undefined) return; // a link to a target outside the category namespace
      const type = row.text(at.cl_type!);
      if (type === 'page') return;
      const from = row.number(at.cl_from!);
      let m = out.members.get(category);
      if (m === undefined) out.members.set(category, (m = { files: [], subcats: [] }));
      if (type === 'subcat') m.subcats.push(from);
      else {
        m.files.push(from);
        const cats = out.categoriesOf.get(from);
        if (cats === undefined) out.categoriesOf.set(from, [category]);
        else cats.push(category);
      }
    },
  });
  return out;
}

/** What the image table says of one file. */
export interface ImageFacts {
  size: number;
  sha1: string;
  mime: string;
  /** ISO 8601 with Z, as the API reports it. */
  timestamp: string;
}

/** MediaWiki's 14-digit timestamp (`20240131235959`) as the API writes it (`2024-01-31T23:59:59Z`). */
export function isoTimestamp(ts: string): string {
  return `${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)}T${ts.slice(8, 10)}:${ts.slice(10, 12)}:${ts.slice(12, 14)}Z`;
}

/**
 * Reads the image rows of the files `wanted` gives a key for (it is asked by name, with
 * underscores), keyed by that key: a page id keeps a million names out of the map. A row
 * without a valid SHA-1 (old files whose hash MediaWiki never computed) cannot be verified
 * after download: it is left out and counted, not allowed to stop the build.
 */
export async function readImageFacts<K>(file: string, wanted: (name: string) => K | undefined): Promise<{ facts: Map<K, ImageFacts>; withoutSha1: string[] }> {
  const out = new Map<K, ImageFacts>();
  const withoutSha1: string[] = [];
  const mimes = new Map<string, string>(); // a few dozen types: one string each, not one per file
  await readSqlDump(file, {
    table: 'image',
    columns: ['img_name', 'img_size', 'img_major_mime', 'img_minor_mime', 'img_timestamp', 'img_sha1'],
    onRow(row) {
      const name = row.text(0);
      const key = wanted(name);
      if (key === undefined) return;
      const sha1 = base36ToHexSha1(row.text(5));
      if (sha1 === null) {
        withoutSha1.push(name);
        return;
      }
      const mime = `${row.text(2)}/${row.text(3)}`;
      let sharedMime = mimes.get(mime);
      if (sharedMime === undefined) mimes.set(mime, (sharedMime = mime));
      out.set(key, { size: row.number(1), sha1, mime: sharedMime, timestamp: isoTimestamp(row.text(4)) });
    },
  });
  return { facts: out, withoutSha1 };
}

/**
 * Names (underscores) of the files the pages of `namespaces` use, from this wiki's imagelinks:
 * `il_to` in MediaWiki up to 1.43, `il_target_id` through linktarget after.
 */
export async function readImageLinks(file: string, linktargetFile: string | undefined, namespaces: number[]): Promise<Set<string>> {
  const wanted = new Set(namespaces);
  const out = new Set<string>();
  let columns: string[] = [];
  await readSqlDump(file, { table: 'imagelinks', onColumns: (c) => (columns = c), onRow() {}, headerOnly: true });
  let targets: Map<number, string> | null = null;
  if (!columns.includes('il_to')) {
    if (linktargetFile === undefined) {
      throw new SeedbankError('DUMP_RUN_NOT_FOUND', `${file} names files by il_target_id, and the run has no linktarget dump to resolve them`, { hint: 'download <wiki>-<date>-linktarget.sql.gz of the same run into the folder' });
    }
    targets = await readLinkTargets(linktargetFile, NS_FILE);
  }
  let at: Record<string, number> = {};
  await readSqlDump(file, {
    table: 'imagelinks',
    onColumns: (cols) => (at = columnIndex('imagelinks', cols, ['il_from_namespace', targets === null ? 'il_to' : 'il_target_id'])),
    onRow(row) {
      if (!wanted.has(row.number(at.il_from_namespace!))) return;
      const name = targets === null ? row.text(at.il_to!) : targets.get(row.number(at.il_target_id!))?.replace(/ /g, '_');
      if (name !== undefined) out.add(name);
    },
  });
  return out;
}

/** Names (underscores) of the files another wiki's pages of `namespaces` use, from Commons' globalimagelinks. */
export async function readGlobalImageLinks(file: string, wiki: string, namespaces: number[]): Promise<Set<string>> {
  const wanted = new Set(namespaces);
  const out = new Set<string>();
  let at: Record<string, number> = {};
  await readSqlDump(file, {
    table: 'globalimagelinks',
    onColumns: (cols) => (at = columnIndex('globalimagelinks', cols, ['gil_wiki', 'gil_page_namespace_id', 'gil_to'])),
    onRow(row) {
      if (row.text(at.gil_wiki!) === wiki && wanted.has(row.number(at.gil_page_namespace_id!))) out.add(row.text(at.gil_to!));
    },
  });
  return out;
}

/**
 * Camera locations from the GeoData extension's `geo_tags` dump: the primary Earth coordinate
 * of each page (what `{{Location}}` sets on Commons), by page id. A region set reads these when
 * the run has the dump, instead of parsing every page's text.
 */
export async function readGeoTags(file: string): Promise<Map<number, { lat: number; lon: number }>> {
  const out = new Map<number, { lat: number; lon: number }>();
  let at: Record<string, number> = {};
  await readSqlDump(file, {
    table: 'geo_tags',
    onColumns: (cols) => (at = columnIndex('geo_tags', cols, ['gt_page_id', 'gt_globe', 'gt_primary', 'gt_lat', 'gt_lon'])),
    onRow(row) {
      if (row.number(at.gt_primary!) !== 1 || row.text(at.gt_globe!) !== 'earth') return;
      const lat = row.number(at.gt_lat!);
      const lon = row.number(at.gt_lon!);
      if (Number.isFinite(lat) && Number.isFinite(lon)) out.set(row.number(at.gt_page_id!), { lat, lon });
    },
  });
  return out;
}

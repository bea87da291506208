/**
 * The smaller tables of a dump run a listing reads, by column name from each dump's own CREATE
 * TABLE: link targets, image usage, geo_tags. The large ones have their own compact readers:
 * page (dump-page-table.ts), categorylinks (dump-category-graph.ts), image (dump-image-facts.ts).
 */
import { readSqlDump, type SqlRow } from '../../../shared/dumps/sql-dump-reader.ts';
import { SeedbankError } from '../../../shared/errors.ts';

export const NS_FILE = 6;
export const NS_CATEGORY = 14;

/** Dump titles use underscores; recipes, the API and manifests use spaces. */
export const spaced = (dbKey: string) => dbKey.replace(/_/g, ' ');

/** Column positions by name, once the CREATE TABLE is read; refuses a table that lacks one of `want`. */
export function columnIndex(table: string, columns: string[], want: string[]): Record<string, number> {
  const missing = want.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new SeedbankError('DUMP_INVALID', `the ${table} dump's CREATE TABLE has no column ${missing.join(', ')}`, { hint: `is this a dump of MediaWiki's ${table} table?`, context: { columns } });
  }
  return Object.fromEntries(want.map((c) => [c, columns.indexOf(c)]));
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

import type { ApiParams } from 'mwn';
import { commonsPath, fileNameFromTitle, splitOriginalUrl, COMMONS_ROOT } from '../../../shared/commons-path.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { detachedString } from '../../../shared/detached-string.ts';
import { inRegion, type LatLon } from '../../../shared/geo.ts';
import { silentLogger, type Logger } from '../../../shared/log.ts';
import { inShard, shardRange, type Recipe } from '../../../shared/formats/recipe.ts';
import { parseExport, type ExportedPage } from './export-xml.ts';
import { FileTable, type FileList } from './file-table.ts';
import type { ListedFile } from './listed-file.ts';
import type { PageStore } from './page-store.ts';
import { pageBatches, type ApiPageData } from './page-batches.ts';
import { geoSearchPageIds, lookupPages } from './region-search.ts';
import { shardBatches } from './shard-listing.ts';
import { usageBatches } from './usage-listing.ts';
import { authorFromWikitext, coordinatesFromWikitext, licenseFromWikitext, stripHtml } from './wikitext.ts';
import type { SiteFacts, WikiApi } from './wiki-api.ts';

const NS_FILE = 6;
const NS_CATEGORY = 14;
/** What the builder asks imageinfo for: everything the manifest records, in one go. */
const IMAGEINFO_PROPS = 'timestamp|url|size|sha1|mime|extmetadata';
const EXTMETADATA_FIELDS = 'LicenseShortName|Artist';

/** What a listing found, before downloads. */
export interface Selection {
  /** In title order: a compact FileTable (a view of one from the API listing), or an array from the change listing. */
  files: FileList;
  /** The `<mediawiki>`/`<siteinfo>` header of the wiki's export, reused for pages.xml.gz. */
  exportHeader: string;
  categoriesVisited: number;
  /** Files seen but left out, with the reason (excluded category, mime, date, region). */
  filteredOut: number;
  /** Every category walked, with the depth still allowed below it: what the next build's change scan watches. */
  categoryTree: Record<string, number>;
  /** How the selection was found. */
  mode: 'full' | 'changes';
}

/** Progress events of a listing. */
export interface ListingProgress {
  categoriesVisited: number;
  categoriesQueued: number;
  filesSeen: number;
}

/** Lists a recipe's selection: category tree walk (or shard or region search), batched metadata and page text. */
export async function listSelection(
  api: WikiApi,
  recipe: Recipe,
  site: SiteFacts,
  options: { pages: PageStore; logger?: Logger; onProgress?: (p: ListingProgress) => void },
): Promise<Selection> {
  const logger = options.logger ?? silentLogger;
  const geo = site.extensions.has('GeoData');
  const collector = new Collector(options.pages, recipe);
  let categoriesVisited = 0;
  let categoryTree: Record<string, number> = {};

  if (recipe.selection.categories.length > 0) {
    const tree = await walkCategories(api, recipe, geo, collector, logger, options.onProgress);
    categoriesVisited = tree.size;
    categoryTree = Object.fromEntries([...tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  } else if (recipe.selection.shard) {
    for await (const batch of shardBatches(api, recipe.selection.shard, baseProps(geo), site.highLimits)) {
      collector.add(batch.pages, batch.exportXml);
      options.onProgress?.({ categoriesVisited: 0, categoriesQueued: 0, filesSeen: collector.size });
    }
  } else if (recipe.selection.usedBy) {
    for await (const batch of usageBatches(api, recipe.selection.usedBy, site, baseProps(geo))) {
      collector.add(batch.pages, batch.exportXml);
      options.onProgress?.({ categoriesVisited: 0, categoriesQueued: 0, filesSeen: collector.size });
    }
  } else if (recipe.selection.region && geo) {
    const ids = await geoSearchPageIds(api, recipe.selection.region, logger);
    for await (const batch of lookupPages(api, ids, baseProps(geo), site.highLimits)) collector.add(batch.pages, batch.exportXml);
  } else if (recipe.selection.region) {
    logger.warn({ wiki: api.apiUrl }, 'the wiki has no GeoData: scanning every file for {{Location}} templates');
    const params: ApiParams = { generator: 'allimages', gailimit: api.batchLimit, ...baseProps(geo) };
    for await (const batch of pageBatches(api, params, true)) {
      collector.add(batch.pages, batch.exportXml);
      options.onProgress?.({ categoriesVisited: 0, categoriesQueued: 0, filesSeen: collector.size });
    }
  }
  const { files, filteredOut } = collector.select();
  if (collector.header === null && files.length > 0) {
    throw new SeedbankError('WIKI_BAD_EXPORT', `${api.apiUrl} returned no XML export with its pages`, {
      hint: 'the wiki must allow action=query&export (MediaWiki ≥ 1.16)',
    });
  }
  logger.info({ files: files.length, filteredOut, categoriesVisited, apiRequests: api.requests }, 'listing done');
  return { files, exportHeader: collector.header ?? '', categoriesVisited, filteredOut, categoryTree, mode: 'full' };
}

/** The props every metadata query asks for. */
export function baseProps(geo: boolean): ApiParams {
  return {
    prop: geo ? 'imageinfo|categories|categoryinfo|coordinates' : 'imageinfo|categories|categoryinfo',
    iiprop: IMAGEINFO_PROPS,
    iiextmetadatafilter: EXTMETADATA_FIELDS,
    iiextmetadatamultilang: 0,
    iiextmetadatalanguage: 'en',
    cllimit: 'max',
    ...(geo ? { colimit: 'max', coprimary: 'all' } : {}),
  };
}

/** Breadth-first walk with cycle detection: each category is listed once at the greatest depth it is reached with. */
/**
 * Where a category walk starts, for the API and the dump listing alike: each root once, at the
 * greatest depth a recipe names it with; `best` then holds the greatest depth seen per category.
 */
export function walkRoots(recipe: Recipe): { best: Map<string, number>; queue: Array<{ name: string; depth: number }> } {
  const best = new Map<string, number>();
  const queue: Array<{ name: string; depth: number }> = [];
  for (const root of recipe.selection.categories) {
    if ((best.get(root.name) ?? -1) < root.depth) {
      best.set(root.name, root.depth);
      queue.push(root);
    }
  }
  return { best, queue };
}

async function walkCategories(
  api: WikiApi,
  recipe: Recipe,
  geo: boolean,
  collector: Collector,
  logger: Logger,
  onProgress?: (p: ListingProgress) => void,
): Promise<Map<string, number>> {
  const excluded = new Set(recipe.selection.excludeCategories);
  const { best, queue } = walkRoots(recipe);
  let visited = 0;
  while (queue.length > 0) {
    const { name, depth } = queue.shift()!;
    if ((best.get(name) ?? -1) > depth) continue; // reached again deeper in the queue
    visited++;
    const params: ApiParams = {
      generator: 'categorymembers',
      gcmtitle: `Category:${name}`,
      gcmtype: depth > 0 ? 'file|subcat' : 'file',
      gcmlimit: api.batchLimit,
      ...baseProps(geo),
    };
    for await (const batch of pageBatches(api, params, true)) {
      collector.add(batch.pages, batch.exportXml);
      for (const page of batch.pages) {
        if (page.ns !== NS_CATEGORY || depth === 0) continue;
        const sub = page.title.replace(/^[^:]+:/, '');
        if (excluded.has(sub)) continue;
        if ((best.get(sub) ?? -1) >= depth - 1) continue; // already listed as deep: a cycle or a diamond
        best.set(sub, depth - 1);
        // An empty category needs no request now, but stays in the tree the change scan watches.
        if ((page.categoryinfo?.subcats ?? 1) === 0 && (page.categoryinfo?.files ?? 1) === 0) continue;
        queue.push({ name: sub, depth: depth - 1 });
      }
      onProgress?.({ categoriesVisited: visited, categoriesQueued: queue.length, filesSeen: collector.size });
    }
    logger.debug({ category: name, depth, files: collector.size }, 'category listed');
  }
  return best;
}

/** What the manifest takes from a description page's text; the page itself goes to the page store. */
export interface PageFacts {
  revisionId: number;
  license: string | null;
  author: string | null;
  coordinates: LatLon | null;
}

/** The facts of an exported page, read from its wikitext once, so the text need not be kept. */
export function pageFacts(page: ExportedPage): PageFacts {
  const license = licenseFromWikitext(page.text);
  const author = authorFromWikitext(page.text);
  return { revisionId: page.revisionId, license: license === null ? null : internLicense(license), author: author === null ? null : detachedString(author), coordinates: coordinatesFromWikitext(page.text) };
}

/**
 * Strings that repeat across a set (a few dozen license names, the categories, the upload base):
 * one shared, detached string each. The upload base cut from each file's URL was a string
 * built in pieces that kept ~290 bytes alive per file (29 MB at 100,000 files).
 */
const interned = new Map<string, string>();
/** Distinct strings kept shared at most; past it the table starts again (only the sharing is lost). */
const INTERNED_MAX = 10_000;
function intern(s: string): string {
  let kept = interned.get(s);
  if (kept === undefined) {
    if (interned.size >= INTERNED_MAX) interned.clear();
    interned.set((kept = detachedString(s)), kept);
  }
  return kept;
}
const internLicense = intern;

/** A file's category names without the namespace, distinct and sorted, in an array of their exact number (a spread one reserves 16 or more slots). */
function categoryNames(categories: Array<{ title: string }>): string[] {
  const names = [...new Set(categories.map((c) => intern(c.title.replace(/^[^:]+:/, ''))))].sort();
  return names.slice();
}

/** A page id's entry in the Collector when it has no row: not a file of its own, or left out by the recipe's filters. */
const NOT_A_FILE = -1;
const FILTERED_OUT = -2;

/**
 * Gathers pages across batches, deduplicating by page id; each page element goes to the page
 * store as it arrives and each file page becomes a row of a compact FileTable at once (the
 * dump listing's table: a few dozen bytes a file, where a ListedFile object held ~670 and the
 * table made from them at the listing's end held both at once). The query API's page objects
 * are dropped batch by batch. The recipe's filters run as each record is made, so a file left
 * out is never stored.
 */
export class Collector {
  header: string | null = null;
  private table: FileTable | null = null;
  /** Each page id's latest row in the table, or NOT_A_FILE / FILTERED_OUT; rows of earlier sightings stay in the table, unlisted. */
  private readonly rowOf = new Map<number, number>();
  /** A page whose export has not arrived yet (normally none: a batch brings both), by page id. */
  private readonly waiting = new Map<number, ApiPageData>();
  /** Facts of an exported page whose metadata has not arrived yet, by page id. */
  private readonly texts = new Map<number, PageFacts>();
  private readonly keep: (file: ListedFile) => boolean;

  constructor(
    private readonly store: PageStore,
    recipe: Recipe,
  ) {
    this.keep = selectionFilter(recipe);
  }

  get size(): number {
    return this.rowOf.size + this.waiting.size;
  }

  /** Takes one batch: its export's pages go to the page store, its file pages become rows. */
  add(pages: ApiPageData[], exportXml: string | null): void {
    if (exportXml !== null) {
      const parsed = parseExport(exportXml);
      this.header ??= parsed.header;
      for (const p of parsed.pages) {
        if (p.ns !== NS_FILE) continue;
        this.store.put(p.title, p.xml);
        this.texts.set(p.pageId, pageFacts(p));
      }
    }
    for (const page of pages) {
      if (page.ns !== NS_FILE || page.pageid === undefined || page.missing || !page.imageinfo?.length) continue;
      const facts = this.texts.get(page.pageid);
      if (facts === undefined) {
        // Seen again without its export: the record made earlier stands; else wait for the export.
        if (!this.rowOf.has(page.pageid)) this.waiting.set(page.pageid, page);
        continue;
      }
      this.finish(page, facts);
    }
    // Exports that came without their page's metadata, for a page seen earlier.
    for (const [id, page] of this.waiting) {
      const facts = this.texts.get(id);
      if (facts !== undefined) this.finish(page, facts);
    }
  }

  private finish(page: ApiPageData, facts: PageFacts): void {
    const id = page.pageid!;
    const record = toListedFile(page, facts);
    if (record === null) this.rowOf.set(id, NOT_A_FILE);
    else if (!this.keep(record)) this.rowOf.set(id, FILTERED_OUT);
    else {
      // The wiki's file namespace as its titles spell it, so the table derives titles from names.
      this.table ??= new FileTable(record.title.slice(0, record.title.indexOf(':') + 1));
      this.rowOf.set(id, this.table.length);
      this.table.push(record);
    }
    this.waiting.delete(id);
    this.texts.delete(id);
  }

  /** The files listed so far, in title order (a view of the table: more batches may still be added). */
  select(): { files: FileList; filteredOut: number } {
    const rows: number[] = [];
    let filteredOut = 0;
    // A page whose export never came has no revision or page text: it is not listed, as before.
    for (const row of this.rowOf.values()) {
      if (row >= 0) rows.push(row);
      else if (row === FILTERED_OUT) filteredOut++;
    }
    const table = this.table ?? new FileTable();
    return { files: table.view(rows).byTitle(), filteredOut };
  }
}

/** Sorts listed files by title, in place, as every listing hands them to the build. */
export function sortByTitle(files: ListedFile[]): ListedFile[] {
  return files.sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
}

/**
 * The recipe's filters on a found file (excluded categories, mime, upload dates, region, shard):
 * one predicate for the API and the dump listings, so both keep the same files.
 */
export function selectionFilter(recipe: Recipe): (file: ListedFile) => boolean {
  const sel = recipe.selection;
  const excluded = new Set(sel.excludeCategories);
  const from = sel.uploaded?.from ? Date.parse(sel.uploaded.from) : -Infinity;
  const to = sel.uploaded?.to ? Date.parse(sel.uploaded.to) : Infinity;
  const shard = sel.shard ? shardRange(sel.shard) : null;
  return (file) =>
    !file.categories.some((c) => excluded.has(c)) &&
    mimeMatches(file.mime, sel.mimeTypes) &&
    Date.parse(file.uploadTimestamp) >= from &&
    Date.parse(file.uploadTimestamp) <= to &&
    (sel.region === undefined || (file.coordinates !== null && inRegion(file.coordinates, sel.region))) &&
    (shard === null || inShard(file.path, shard));
}

function mimeMatches(mime: string, wanted: string[]): boolean {
  if (wanted.length === 0) return true;
  return wanted.some((w) => (w.endsWith('/*') ? mime.startsWith(w.slice(0, -1)) : mime === w));
}

function toListedFile(page: ApiPageData, exported: PageFacts): ListedFile | null {
  const info = page.imageinfo?.[0];
  if (!info) return null;
  const url = String(info.url ?? '');
  const split = splitOriginalUrl(url);
  const name = fileNameFromTitle(page.title);
  // A file redirect (left by a move) reports its target's URL: not a file of its own.
  if (split && split.root === COMMONS_ROOT && split.path.split('/')[2] !== name) return null;
  if (!split || split.root !== COMMONS_ROOT || split.path !== commonsPath(name)) {
    throw new SeedbankError('WIKI_LAYOUT', `the wiki stores ${page.title} at ${url}, not in the hashed layout under /${COMMONS_ROOT}/`, {
      hint: 'Seedbank needs $wgHashedUploadDirectory = true and an upload path ending in /commons (as on Wikimedia Commons)',
    });
  }
  const ext = (info.extmetadata ?? {}) as Record<string, { value?: unknown }>;
  const extLicense = typeof ext.LicenseShortName?.value === 'string' ? stripHtml(ext.LicenseShortName.value) : '';
  const extArtist = typeof ext.Artist?.value === 'string' ? stripHtml(ext.Artist.value) : '';
  const geo = page.coordinates?.find((c) => c.primary) ?? page.coordinates?.[0];
  const coordinates: LatLon | null = geo ? { lat: geo.lat, lon: geo.lon } : exported.coordinates;
  return {
    title: page.title,
    name,
    path: detachedString(split.path),
    url,
    uploadBase: intern(split.uploadBase),
    size: Number(info.size ?? 0),
    sha1: String(info.sha1 ?? '').toLowerCase(),
    mime: String(info.mime ?? 'application/octet-stream'),
    uploadTimestamp: String(info.timestamp ?? ''),
    pageId: page.pageid!,
    revisionId: exported.revisionId,
    license: extLicense || exported.license,
    author: extArtist || exported.author,
    categories: categoryNames(page.categories ?? []),
    coordinates,
  };
}

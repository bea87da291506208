/**
 * Lists a recipe's selection from one dump run instead of the API: the category walk over
 * categorylinks and page (the same depth and cycle rules as the API walk), a shard from the
 * image table's names, a region from GeoData's geo_tags dump when the run has one, else the page
 * text's {{Location}} templates; file facts from image; description pages copied verbatim from
 * pages-articles (whole, or in the parts large wikis publish). The result has the API
 * listing's shape, so the rest of the build (downloads, volumes, manifest) is the same.
 */
import { readFileSync } from 'node:fs';
import { commonsPath, originalUrl } from '../../../shared/commons-path.ts';
import type { DumpRun } from '../../../shared/dumps/dump-run-folder.ts';
import { pageHead, parseSiteInfo, readXmlPageParts, readXmlPages, type SiteInfo } from '../../../shared/dumps/xml-pages-reader.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { inShard, shardRange, type Recipe } from '../../../shared/formats/recipe.ts';
import { silentLogger, type Logger } from '../../../shared/log.ts';
import { readCategoryGraph, type CategoryGraph } from './dump-category-graph.ts';
import { readImageFacts } from './dump-image-facts.ts';
import { PageFactsTable } from './dump-page-facts.ts';
import { readPageTable } from './dump-page-table.ts';
import { NS_FILE, readGeoTags, readGlobalImageLinks, readImageLinks } from './dump-tables.ts';
import { parsePage, type ExportedPage } from './export-xml.ts';
import { FileTable } from './file-table.ts';
import type { ListedFile } from './listed-file.ts';
import type { IdIndex } from './byte-strings.ts';
import type { PageStore } from './page-store.ts';
import { pageFacts, selectionFilter, walkRoots, type ListingProgress, type Selection } from './selection.ts';

/** What a dump listing found besides the selection: the run's site facts and snapshot point. */
export interface DumpListing {
  selection: Selection;
  site: SiteInfo;
  /** The highest revision id in the run's pages-articles: the run's snapshot point. */
  maxRevisionId: number;
  /** Rows and pages read per dump, with the time each took, for the log and the benchmark. */
  reads: Array<{ dump: string; items: number; ms: number }>;
}

/** Lists `recipe` from the verified run; `uploadBase` is where the originals are fetched (BEP 19's url-list). */
export async function listSelectionFromDumps(
  run: DumpRun,
  recipe: Recipe,
  options: { uploadBase: string; pages: PageStore; logger?: Logger; onProgress?: (p: ListingProgress) => void },
): Promise<DumpListing> {
  const logger = options.logger ?? silentLogger;
  const sel = recipe.selection;
  const reads: DumpListing['reads'] = [];
  const timed = async <T>(dump: string, items: (v: T) => number, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const v = await work();
    reads.push({ dump, items: items(v), ms: Math.round(performance.now() - t) });
    logger.info({ dump, items: items(v), ms: reads.at(-1)!.ms, ...memoryFigures() }, 'dump read');
    return v;
  };
  const xmlFile = run.files['pages-articles']!;
  let header = '';
  await readXmlPages(xmlFile, { headerOnly: true, onHeader: (h) => (header = h) });
  // GeoData's own table when the run has it (what the API's prop=coordinates reads), else {{Location}} in the page text.
  const geo = run.files.geo_tags ? await timed('geo_tags', (g) => g.size, () => readGeoTags(run.files.geo_tags!)) : null;
  const site = parseSiteInfo(header);
  const filePrefix = `${site.namespaces.get(NS_FILE) ?? 'File'}:`;

  const titles = await timed('page', (t) => t.files.size + t.categories.size, () => readPageTable(run.files.page!));
  // Category names share the page table's numbers, so a subcategory's page id leads to its members.
  const links = await timed('categorylinks', (l) => l.linkCount, () => readCategoryGraph(run.files.categorylinks!, run.files.linktarget, titles.categories));

  // Which file pages are candidates, before the filters every listing applies.
  let candidates: Uint8Array | null = null; // by file row; null: every file page (shard and region scans)
  let categoryTree: Record<string, number> = {};
  let categoriesVisited = 0;
  if (sel.categories.length > 0) {
    const walk = walkCategories(recipe, links, titles.categoryOfPage);
    candidates = new Uint8Array(titles.files.size);
    let found = 0;
    for (const id of walk.files) {
      const row = titles.fileRowOf.get(id);
      if (row >= 0 && candidates[row] === 0) (candidates[row] = 1), found++;
    }
    categoriesVisited = walk.tree.size;
    categoryTree = Object.fromEntries([...walk.tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
    options.onProgress?.({ categoriesVisited, categoriesQueued: 0, filesSeen: found });
  }
  links.dropMembers(); // the walk is done; only each file's own categories are still needed
  const shard = sel.shard ? shardRange(sel.shard) : null;
  const used = sel.usedBy ? await timed('imagelinks', (u) => u.size, () => usedNames(run, sel.usedBy!)) : null;
  // Wanted files get slots 0…n-1; the image and page facts are kept by slot in typed arrays.
  const slotOfRow = new Int32Array(titles.files.size).fill(-1);
  let slots = 0;
  for (let row = 0; row < titles.files.size; row++) {
    if (titles.fileRedirect[row] === 1 || (candidates !== null && candidates[row] === 0)) continue;
    if (shard !== null || used !== null) {
      const name = titles.fileName(row);
      if (shard !== null && !inShard(commonsPath(name), shard)) continue;
      if (used !== null && !used.has(name)) continue;
    }
    slotOfRow[row] = slots++;
  }
  candidates = null;
  const rowOfSlot = new Int32Array(slots);
  slotOfRow.forEach((slot, row) => slot >= 0 && (rowOfSlot[slot] = row));
  const image = await timed('image', (f) => f.facts.count, () =>
    readImageFacts(run.files.image!, slots, (name) => {
      const row = titles.files.find(name);
      return row < 0 ? -1 : slotOfRow[row]!;
    }),
  );
  const facts = image.facts;
  titles.files.freeze(); // names are no longer looked up, only read back
  if (image.withoutSha1.length > 0) logger.warn({ files: image.withoutSha1.length, first: image.withoutSha1.slice(0, 5) }, 'image rows without a valid SHA-1: left out, they could not be verified');

  // Description pages of the files with an image row: parsed only for those, kept verbatim in the page store.
  const pages = new PageFactsTable(slots);
  const titleOf = (name: string) => `${filePrefix}${name.replace(/_/g, ' ')}`;
  let maxRevisionId = 0;
  const xml = await timed('pages-articles', (r) => r.pages, () =>
    readXmlPageParts(run.pageParts, {
      onPage(block) {
        const head = pageHead(block);
        if (head.revisionId > maxRevisionId) maxRevisionId = head.revisionId;
        if (head.ns !== NS_FILE) return;
        const row = titles.fileRowOf.get(head.pageId);
        const slot = row < 0 ? -1 : slotOfRow[row]!;
        if (slot < 0 || !facts.has(slot)) return;
        // The element alone: wrapping it in the run's header (kilobytes of siteinfo) made the XML parser read that header once per page.
        const page: ExportedPage = parsePage(block);
        options.pages.put(titleOf(titles.fileName(row)), page.xml);
        pages.set(slot, pageFacts(page));
        return options.pages.backlog() ?? undefined;
      },
    }),
  );

  const keep = selectionFilter(recipe);
  // Straight into the compact table: a ListedFile object per file cost ~660 B, a million of them 630 MB.
  const files = new FileTable(filePrefix, slots);
  let filteredOut = 0;
  const missingPages = facts.count - pages.count;
  for (let slot = 0; slot < slots; slot++) {
    if (!facts.has(slot) || !pages.has(slot)) continue;
    const row = rowOfSlot[slot]!;
    const pageId = titles.fileIds[row]!;
    const name = titles.fileName(row);
    const f = facts.get(slot);
    const page = pages.get(slot);
    const path = commonsPath(name);
    const file: ListedFile = {
      title: titleOf(name),
      name,
      path,
      url: originalUrl(options.uploadBase, path),
      uploadBase: options.uploadBase,
      size: f.size,
      sha1: f.sha1,
      mime: f.mime,
      uploadTimestamp: f.timestamp,
      pageId,
      revisionId: page.revisionId,
      license: page.license,
      author: page.author,
      categories: links.sortedCategoriesOf(pageId) as string[], // shared and frozen: nothing downstream changes a file's categories
      coordinates: geo ? (geo.get(pageId) ?? null) : page.coordinates,
    };
    if (keep(file)) files.push(file);
    else filteredOut++;
  }
  if (missingPages > 0) logger.warn({ files: missingPages }, 'files of the image dump without a description page in pages-articles: left out');
  if (xml.pages === 0) throw new SeedbankError('DUMP_INVALID', `${xmlFile} holds no pages`, { hint: 'give the pages-articles dump of the run' });
  options.onProgress?.({ categoriesVisited, categoriesQueued: 0, filesSeen: files.length + filteredOut });
  logger.info({ files: files.length, filteredOut, categoriesVisited, maxRevisionId }, 'dump listing done');
  return {
    selection: { files: files.sortByTitle(), exportHeader: header, categoriesVisited, filteredOut, categoryTree, mode: 'full' },
    site,
    maxRevisionId,
    reads,
  };
}

const MB = 2 ** 20;

/**
 * Memory at the end of a dump read, for the log and the benchmark: with node --expose-gc (the
 * benchmark runs the build so) also the heap after a full collection, i.e. what is live, not
 * garbage not yet collected.
 */
function memoryFigures(): Record<string, number> {
  const m = process.memoryUsage();
  const figures: Record<string, number> = { rssMB: Math.round(m.rss / MB), heapUsedMB: Math.round(m.heapUsed / MB), externalMB: Math.round(m.external / MB), arrayBuffersMB: Math.round(m.arrayBuffers / MB) };
  // Linux splits the resident set into anonymous memory (heap, buffers) and mapped file pages (LMDB's page store).
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    for (const [field, key] of [['RssAnon', 'rssAnonMB'], ['RssFile', 'rssFileMB']] as const) {
      const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1];
      if (kb !== undefined) figures[key] = Math.round((Number(kb) * 1024) / MB);
    }
  } catch {
    // not Linux: the process-wide figures above are all there is
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    const after = process.memoryUsage();
    figures.liveHeapMB = Math.round(after.heapUsed / MB);
    figures.liveExternalMB = Math.round(after.external / MB);
  }
  return figures;
}

/** Names of the files `usedBy` selects: this wiki's imagelinks, or another wiki's rows of globalimagelinks. */
async function usedNames(run: DumpRun, usedBy: NonNullable<Recipe['selection']['usedBy']>): Promise<Set<string>> {
  const local = usedBy.wiki === run.wiki;
  const file = local ? run.files.imagelinks : run.files.globalimagelinks;
  if (file === undefined) {
    const dump = local ? 'imagelinks' : 'globalimagelinks';
    throw new SeedbankError('DUMP_RUN_NOT_FOUND', `usedBy ${usedBy.wiki} needs the ${dump} dump, and the ${run.wiki} run of ${run.date} in ${run.dir} has none`, {
      hint: `download ${run.wiki}-${run.date}-${dump}.sql.gz of the same run into the folder`,
    });
  }
  return local ? readImageLinks(file, run.files.linktarget, usedBy.namespaces) : readGlobalImageLinks(file, usedBy.wiki, usedBy.namespaces);
}

/**
 * The API walk's rules over the dump's graph: breadth first from the roots; each category is
 * listed once, at the greatest depth it is reached with; excluded categories are not entered;
 * depth 0 lists files only. Returns the file page ids found and the tree with depths.
 */
function walkCategories(recipe: Recipe, links: CategoryGraph, categoryOfPage: IdIndex): { files: number[]; tree: Map<string, number> } {
  const excluded = new Set(recipe.selection.excludeCategories);
  const { best, queue } = walkRoots(recipe);
  const files: number[] = [];
  while (queue.length > 0) {
    const { name, depth } = queue.shift()!;
    if ((best.get(name) ?? -1) > depth) continue; // reached again deeper in the queue
    const c = links.categoryNumber(name);
    if (c < 0) continue;
    links.forEachMember(
      c,
      (id) => files.push(id),
      (id) => {
        if (depth === 0) return;
        const s = categoryOfPage.get(id);
        if (s < 0) return;
        const sub = links.categoryName(s);
        if (excluded.has(sub)) return;
        if ((best.get(sub) ?? -1) >= depth - 1) return; // already listed as deep: a cycle or a diamond
        best.set(sub, depth - 1);
        queue.push({ name: sub, depth: depth - 1 });
      },
    );
  }
  return { files, tree: best };
}

/** The site facts a manifest records, from a run's siteinfo: the article URL is the main page's with `$1` for the title. */
export function dumpSiteFacts(site: SiteInfo): { siteName: string; generator: string; articleUrl: string } {
  return { siteName: site.siteName, generator: site.generator, articleUrl: site.base.replace(/[^/]*$/, '$1') };
}

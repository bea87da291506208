import type { ApiParams } from 'mwn';
import { originalUrl } from '../../../shared/commons-path.ts';
import type { Manifest } from '../../../shared/formats/manifest.ts';
import type { Recipe } from '../../../shared/formats/recipe.ts';
import type { Logger } from '../../../shared/log.ts';
import type { ListedFile } from './listed-file.ts';
import type { PageStore } from './page-store.ts';
import { pageBatches } from './page-batches.ts';
import { baseProps, Collector, type Selection } from './selection.ts';
import type { SiteFacts, WikiApi } from './wiki-api.ts';

/** Changes are read from this long before the parent's build time, for replication lag and clock skew. */
export const CHANGE_SCAN_MARGIN_MS = 15 * 60 * 1000; // 15 minutes
/**
 * A full listing at least this often: the change scan cannot see category changes that
 * come from templates, and recent changes expire (30 days on Commons).
 */
export const FULL_LISTING_EVERY_MS = 7 * 24 * 3600 * 1000; // 7 days
const TITLES_PER_QUERY = 50;
const NS_FILE = 6;
const NS_CATEGORY = 14;

/** What the previous build left for the next one's change scan. */
export interface ListingState {
  format: 'seedbank-listing-state/1';
  categoryTree: Record<string, number>;
  lastFullListing: string;
}

interface RcEntry {
  ns: number;
  revid?: number;
  logid?: number;
  title: string;
  type: string;
  logtype?: string;
  logparams?: { target_title?: string; target_ns?: number };
}

/**
 * Lists a category recipe's selection by reading the wiki's recent changes since the
 * parent version (since its dump run began, for a version listed from dumps: the roll-forward
 * from a run) instead of walking every category again: only files touched since
 * (uploads, re-uploads, edits, deletions, moves) are queried; the rest is carried over
 * from the parent's manifest and pages. Returns the reason instead when only a full
 * listing is safe (a category in the tree changed, the parent is too old, no state).
 */
export async function listChangesSince(
  api: WikiApi,
  recipe: Recipe,
  site: SiteFacts,
  parent: { manifest: Pick<Manifest, 'snapshot' | 'source' | 'files'>; exportHeader: string; state: ListingState | null },
  pages: PageStore,
  now: Date,
  logger: Logger,
): Promise<Selection | { fallback: string }> {
  const { manifest, state } = parent;
  if (!state) return { fallback: 'the parent version has no listing state' };
  if (recipe.selection.categories.length === 0) return { fallback: 'region and shard recipes are listed in full' };
  if (now.getTime() - Date.parse(state.lastFullListing) > FULL_LISTING_EVERY_MS) return { fallback: 'the last full listing is over 7 days old' };
  const tree = new Set(Object.keys(state.categoryTree));
  const since = new Date(Date.parse(listedAt(manifest)) - CHANGE_SCAN_MARGIN_MS);
  // A dump run's tables and page text are taken hours apart, so its ids do not mark one moment:
  // rolling forward from a run reads every change since the run began.
  const byIds = manifest.snapshot.fromDump === undefined;

  const touchedFiles = new Set<string>();
  const touchedCategories = new Set<string>();
  const rcParams: ApiParams = {
    list: 'recentchanges',
    rcnamespace: `${NS_FILE}|${NS_CATEGORY}`,
    rctype: 'edit|new|log',
    rcprop: 'title|timestamp|loginfo|ids',
    rclimit: 'max',
    rcend: since.toISOString(),
  };
  let cont: Record<string, string> = {};
  for (;;) {
    const res = await api.query({ ...rcParams, ...cont });
    for (const rc of (res.query?.recentchanges ?? []) as RcEntry[]) {
      // The time window has a margin; the ids recorded at the snapshot say exactly what the parent saw.
      if (byIds && (rc.type === 'log' ? (rc.logid ?? 0) <= manifest.snapshot.maxLogId : (rc.revid ?? 0) <= manifest.snapshot.maxRevisionId)) continue;
      (rc.ns === NS_CATEGORY ? touchedCategories : touchedFiles).add(rc.title);
      const target = rc.logparams?.target_title;
      if (rc.logtype === 'move' && target) (rc.logparams?.target_ns === NS_CATEGORY ? touchedCategories : touchedFiles).add(target);
    }
    if (!res.continue) break;
    cont = res.continue as Record<string, string>;
  }

  // A category edit matters only when it moves the category in the tree: recompute the
  // depth its current parents give it and compare with the depth it was walked at.
  if (touchedCategories.size > 0) {
    const roots = new Map(recipe.selection.categories.map((c) => [c.name, c.depth]));
    const excluded = new Set(recipe.selection.excludeCategories);
    const parents = await categoriesOf(api, [...touchedCategories]);
    for (const title of touchedCategories) {
      const name = title.replace(/^[^:]+:/, '');
      if (excluded.has(name)) continue; // never entered, wherever it sits
      let depth = roots.get(name) ?? -1;
      for (const p of parents.get(title) ?? []) if (tree.has(p)) depth = Math.max(depth, state.categoryTree[p]! - 1);
      const before = tree.has(name) ? state.categoryTree[name]! : -1;
      if (depth !== before) return { fallback: `${title} moved in the category tree since the parent version` };
    }
  }

  const collector = new Collector(pages, recipe);
  const titles = [...touchedFiles];
  for (let i = 0; i < titles.length; i += TITLES_PER_QUERY) {
    const params: ApiParams = { titles: titles.slice(i, i + TITLES_PER_QUERY).join('|'), ...baseProps(site.extensions.has('GeoData')) };
    for await (const batch of pageBatches(api, params, true)) collector.add(batch.pages, batch.exportXml);
  }
  const fresh = [...collector.select().files].filter((f) => f.categories.some((c) => tree.has(c)));
  // The parent's pages are already in the store (copied from its archives), fresh ones replaced them.
  const carried: ListedFile[] = [];
  for (const f of manifest.files) {
    if (touchedFiles.has(f.title)) continue;
    if (!pages.has(f.title)) return { fallback: `the parent's pages archive lacks ${f.title}` };
    const { volume: _volume, ...meta } = f;
    carried.push({ ...meta, name: f.path.split('/').pop()!, url: originalUrl(manifest.source.uploadBase, f.path), uploadBase: manifest.source.uploadBase });
  }
  const files = [...carried, ...fresh].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  logger.info({ touchedFiles: touchedFiles.size, touchedCategories: touchedCategories.size, carried: carried.length, fresh: fresh.length, apiRequests: api.requests }, 'listed the changes since the parent version');
  return {
    files,
    exportHeader: parent.exportHeader,
    categoriesVisited: 0,
    filteredOut: 0,
    categoryTree: state.categoryTree,
    mode: 'changes',
  };
}

/**
 * The moment a version's listing shows the wiki as it was: the start of its dump run (a run is
 * dated the day it begins), or its build time when it was listed through the API.
 */
export function listedAt(manifest: Pick<Manifest, 'snapshot'>): string {
  const run = manifest.snapshot.fromDump?.run;
  return run ? `${run.slice(0, 4)}-${run.slice(4, 6)}-${run.slice(6, 8)}T00:00:00.000Z` : manifest.snapshot.builtAt;
}

async function categoriesOf(api: WikiApi, titles: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < titles.length; i += TITLES_PER_QUERY) {
    const params: ApiParams = { titles: titles.slice(i, i + TITLES_PER_QUERY).join('|'), prop: 'categories', cllimit: 'max' };
    for await (const batch of pageBatches(api, params, false)) {
      for (const p of batch.pages) out.set(p.title, [...(out.get(p.title) ?? []), ...(p.categories ?? []).map((c) => c.title.replace(/^[^:]+:/, ''))]);
    }
  }
  return out;
}

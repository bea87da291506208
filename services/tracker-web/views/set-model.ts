import { stringify as toYaml } from 'yaml';
import type { SetFilesQuery, SetPageModel, VersionView, VolumeView } from '../pages/view-models.ts';
import { setActions, volumeMagnet } from './set-actions.ts';
import { setFilesSection } from './set-files-model.ts';
import { regionLabel, summarizeSet, type ViewSources } from './set-summaries.ts';

/** Versions whose title lists are shown (each a small record written at publish); older ones show their counts only. */
const VERSIONS_WITH_TITLES = 1;
/** Titles listed per kind of change; the count says how many there are in all. */
const TITLES_PER_CHANGE = 50;
/** Seeder samples are grouped into buckets of this length for the plot. */
const PLOT_BUCKET_MS = 60 * 60 * 1000; // 1 hour
/** How far back the seeders plot looks. */
const PLOT_WINDOW_MS = 30 * 24 * 3600 * 1000; // 30 days

/** The set page's data with one page of its file list (the first, unfiltered, by default), or null for an unknown set. */
export function setModel(src: ViewSources, setId: string, baseUrl: string, filesQuery: SetFilesQuery = { q: '', under: false, page: 1 }): SetPageModel | null {
  const record = src.store.getSet(setId);
  const latest = record ? src.store.getVersion(setId, record.latestVersion) : undefined;
  if (!record || !latest) return null;
  const row = { ...record, latest };
  // Recipe, source, change samples and the unportable note were worked out at publish: no manifest is parsed here.
  const page = src.store.versionFiles.versionPage(setId, latest.version);
  const recipe = page?.recipe ?? {};
  const selection = (recipe.selection ?? {}) as { categories?: Array<{ name: string; depth: number }>; excludeCategories?: string[]; mimeTypes?: string[]; shard?: string };

  const records = src.store.getVersions(setId).sort((a, b) => b.version - a.version);
  const versions: VersionView[] = records.map((v, i) => {
    const c = i < VERSIONS_WITH_TITLES ? src.store.versionFiles.versionPage(setId, v.version)?.changes : undefined;
    return {
      n: v.version,
      builtAt: v.builtAt,
      files: v.totals.files,
      bytes: v.totals.bytes,
      changes:
        v.parent === null
          ? null
          : c
            ? { added: c.added, removed: c.removed, changed: c.changed, renamed: c.renamed }
            : {
                added: { count: v.changes.added, titles: [] },
                removed: { count: v.changes.removed, titles: [] },
                changed: { count: v.changes.changed, titles: [] },
                renamed: { count: v.changes.renamed, titles: [] },
              },
    };
  });

  const volumes: VolumeView[] = src.store.volumesOf(setId, latest.version).map((v) => ({
    infoHash: v.infoHash,
    bytes: v.size,
    files: v.files,
    magnetUri: volumeMagnet(v.infoHash, baseUrl, page?.source?.uploadBase ?? null),
    torrentUrl: `${baseUrl}/torrents/${v.infoHash}.torrent`,
    seedersNow: src.swarms.counts(v.infoHash).seedingHosts,
    copiesNow: src.copies.volumeCopies(v.infoHash),
  }));

  const since = src.now().getTime() - PLOT_WINDOW_MS;
  // The set's own samples (distinct hosts over all its volumes), the most in each hour.
  const buckets = new Map<number, number>();
  for (const s of src.store.history.setSeederHistory(setId, { since })) {
    const t = Math.floor(s.time / PLOT_BUCKET_MS) * PLOT_BUCKET_MS;
    buckets.set(t, Math.max(buckets.get(t) ?? 0, s.seeders));
  }
  const stats = src.copies.set(setId);
  const summary: Array<{ term: string; detail: string }> = [];
  for (const c of selection.categories ?? []) summary.push({ term: 'Category', detail: `${c.name} (depth ${c.depth})` });
  if (selection.shard) summary.push({ term: 'Shard', detail: `upload folders ${selection.shard} (by MD5 of the file name)` });
  if (selection.excludeCategories?.length) summary.push({ term: 'Excluded', detail: selection.excludeCategories.join(', ') });
  const region = regionLabel(recipe);
  if (region) summary.push({ term: 'Region', detail: region });
  if (selection.mimeTypes?.length) summary.push({ term: 'Media types', detail: selection.mimeTypes.join(', ') });
  summary.push({ term: 'Copy target', detail: String(row.copyTarget) });
  if (page?.source) summary.push({ term: 'Source', detail: `${page.source.siteName} (${page.source.wiki})` });

  return {
    now: src.now().toISOString(),
    set: { ...summarizeSet(src, row), description: row.description },
    recipe: { format: 'yaml', text: toYaml(recipe), summary },
    previewMosaicUrl: src.store.versionFiles.preview(setId, latest.version) ? `${baseUrl}/sets/${encodeURIComponent(setId)}/preview.jpg` : null,
    versions,
    volumesVersion: latest.version,
    volumes,
    seedersOverTime: [...buckets].sort(([a], [b]) => a - b).map(([t, n]) => ({ at: new Date(t).toISOString(), seeders: n })),
    copiesHistogram: [...(stats?.histogram ?? new Map<number, number>())].sort(([a], [b]) => a - b).map(([copies, files]) => ({ copies, files })),
    ...(stats ? { copiesModes: { mode: stats.copiesMode, otherMin: stats.otherMin } } : {}),
    ...(page?.unportable ? { unportableNames: page.unportable } : {}),
    feeds: {
      rssUrl: `${baseUrl}/sets/${encodeURIComponent(setId)}/feed.rss`,
      atomUrl: `${baseUrl}/sets/${encodeURIComponent(setId)}/feed.atom`,
      jsonUrl: `${baseUrl}/api/sets/${encodeURIComponent(setId)}`,
    },
    files: setFilesSection(src, setId, latest, row.copyTarget, filesQuery),
    actions: setActions(baseUrl, setId, latest.totals.bytes),
  };
}

import type { DrillSummary, HomePageModel, HomeQuery, NetworkTotals, SetSummary } from '../pages/view-models.ts';
import { networkSpace } from '../redundancy/network-figures.ts';
import type { SpaceOffer } from '../redundancy/needs.ts';
import { summarizeSet, type ViewSources } from './set-summaries.ts';
import { readSetFigures } from '../redundancy/set-figures.ts';

/** Sets per page of the home page's table. */
export const HOME_SETS_PER_PAGE = 100;

/** The home page's data: every set (searched, filtered, sorted) and the network's totals. */
export function homeModel(src: ViewSources, query: HomeQuery, extra: { offer: SpaceOffer; drills: DrillSummary[] }): HomePageModel {
  const rows = src.store.listSets().filter((r) => r.latest !== null);
  const all = rows.map((r) => summarizeSet(src, r));
  const q = query.q.toLowerCase();
  const sets = all
    .filter((s) => !q || s.title.toLowerCase().includes(q) || s.id.includes(q) || s.tags.some((t) => t.includes(q)))
    .filter((s) => !query.tag || s.tags.includes(query.tag))
    .filter((s) => !query.region || (query.region === 'any' ? s.regionLabel !== null : query.region === 'none' ? s.regionLabel === null : true))
    .sort(sorter(query.sort));
  // A catalogue of 10,000 sets must not render them all on every view: the table pages.
  const pages = Math.max(1, Math.ceil(sets.length / HOME_SETS_PER_PAGE));
  const page = Math.min(pages, Math.max(1, query.page ?? 1));
  const shown = sets.slice((page - 1) * HOME_SETS_PER_PAGE, page * HOME_SETS_PER_PAGE);
  let bytesUnderTarget = 0;
  for (const r of rows) bytesUnderTarget += readSetFigures(src.copies, r.id)?.bytesUnderTarget ?? 0;
  const balance = networkSpace(src, extra.offer);
  const totals: NetworkTotals = {
    sets: all.length,
    files: all.reduce((n, s) => n + s.files, 0),
    bytes: all.reduce((n, s) => n + s.bytes, 0),
    bytesUnderTarget,
    offeredBytes: balance.offeredBytes,
    usedBytes: balance.usedBytes,
    neededBytes: balance.neededBytes,
    reportingSeeders: balance.seeders,
    // Distinct hosts across every set: one machine seeding three sets is one seeder.
    seedersNow: src.swarms.seedingHostsOverall?.() ?? all.reduce((n, s) => n + s.seedersNow, 0),
  };
  const tagCounts = new Map<string, number>();
  for (const s of all) for (const t of s.tags) tagCounts.set(t, (tagCounts.get(t) ?? 0) + 1);
  return {
    now: src.now().toISOString(),
    totals,
    sets: shown,
    paging: { matching: sets.length, page, pages, perPage: HOME_SETS_PER_PAGE },
    query,
    tags: [...tagCounts].map(([tag, n]) => ({ tag, sets: n })).sort((a, b) => b.sets - a.sets || (a.tag < b.tag ? -1 : 1)),
    regions: [
      { value: 'any', label: 'Selected by place' },
      { value: 'none', label: 'Selected by category only' },
    ],
    drills: extra.drills,
    copiesMode: src.copies.mode,
  };
}

function sorter(sort: HomeQuery['sort']): (a: SetSummary, b: SetSummary) => number {
  const byTitle = (a: SetSummary, b: SetSummary) => a.title.localeCompare(b.title);
  switch (sort) {
    case 'title':
      return byTitle;
    case 'size':
      return (a, b) => b.bytes - a.bytes || byTitle(a, b);
    case 'updated':
      return (a, b) => (b.latestVersion?.builtAt ?? '').localeCompare(a.latestVersion?.builtAt ?? '') || byTitle(a, b);
    case 'seeders':
      return (a, b) => b.seedersNow - a.seedersNow || byTitle(a, b);
    default:
      return (a, b) => b.risk - a.risk || b.bytes - a.bytes || byTitle(a, b);
  }
}

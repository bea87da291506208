import type { DrillSummary, HomePageModel, HomeQuery, NetworkTotals, SetSummary } from '../pages/view-models.ts';
import { spaceBalance, type SpaceOffer } from '../redundancy/needs.ts';
import { riskScore, seedersNow, summarizeSet, type ViewSources } from './set-summaries.ts';
import type { SetSummary as SetRow } from '../store/catalogue-store.ts';
import { readSetFigures } from '../redundancy/set-figures.ts';

/** Sets per page of the home page's table. */
export const HOME_SETS_PER_PAGE = 100;

/**
 * What the home page derives from the sets and their copy figures, whatever the query: every
 * set's summary (seeders left out: they are live), the latest volumes' space figures, the tag
 * counts and the orders the table sorts by. Kept in two parts: what follows the sets (titles,
 * tags, sizes, each set's volumes; rebuilt after a publish or key rotation, the sets
 * generation) and what follows the copy figures (copies, risk, space, orders; rebuilt from the
 * kept sets part when a census round's warm-up is done, a map read per set and per volume).
 * So a view costs a filter, one page of live seeder counts and the rendering, and the view
 * after a census round does not redo the store reads of a walk over every set and volume
 * (at 1,000 sets that walk was 35 ms of CPU, about 100 ms with the copy figures' lookups).
 */
interface HomeBase {
  key: string;
  all: SetSummary[];
  /** Each set's latest volumes, in the order of `all`, for the live seeder counts. */
  volumes: string[][];
  space: Array<{ size: number; copyTarget: number; copies: number }>;
  totals: { files: number; bytes: number; bytesUnderTarget: number };
  tags: HomePageModel['tags'];
  /** Indexes into `all` per sort (not `seeders`, which is live), made on first use. */
  orders: Map<HomeQuery['sort'], number[]>;
}

/** The part of the home base that follows the sets only (not the copy figures). */
interface SetsPart {
  key: string;
  rows: SetRow[];
  all: SetSummary[];
  volumes: string[][];
  /** Every latest volume once, with its size and the highest copy target of the sets holding it. */
  space: Array<{ infoHash: string; size: number; copyTarget: number }>;
  tags: HomePageModel['tags'];
}

/** One home base per copy index (one per running catalogue; tests run several in one process). */
const bases = new WeakMap<object, HomeBase>();
const setsParts = new WeakMap<object, SetsPart>();

/**
 * Every latest volume once, at the highest copy target of the sets holding it, with its size:
 * the sizes from one pass over the volumes table, not a record read per volume (at 10M files,
 * 40,000 random reads each mapping its own part of the store: 3 s of a start).
 */
function latestVolumeSpace(src: ViewSources, rows: readonly SetRow[], known?: ReadonlyMap<string, number>): SetsPart['space'] {
  const sizes = known ?? src.store.volumeSizes();
  const byHash = new Map<string, SetsPart['space'][number]>();
  for (const row of rows) {
    for (const ih of row.latest?.volumes ?? []) {
      const seen = byHash.get(ih);
      if (seen) seen.copyTarget = Math.max(seen.copyTarget, row.copyTarget);
      else byHash.set(ih, { infoHash: ih, size: sizes.get(ih) ?? 0, copyTarget: row.copyTarget });
    }
  }
  return [...byHash.values()];
}

function setsPart(src: ViewSources, sizes?: ReadonlyMap<string, number>): SetsPart {
  const key = `${src.store.setsGeneration()}|${src.copies.mode}`;
  const cached = setsParts.get(src.copies);
  if (cached && cached.key === key) return cached;
  const rows = src.store.listSets().filter((r) => r.latest !== null);
  const all = rows.map((r) => summarizeSet(src, r, { live: false }));
  const tagCounts = new Map<string, number>();
  for (const s of all) for (const t of s.tags) tagCounts.set(t, (tagCounts.get(t) ?? 0) + 1);
  const part: SetsPart = {
    key,
    rows,
    all,
    volumes: rows.map((r) => r.latest?.volumes ?? []),
    space: latestVolumeSpace(src, rows, sizes),
    tags: [...tagCounts].map(([tag, n]) => ({ tag, sets: n })).sort((a, b) => b.sets - a.sets || (a.tag < b.tag ? -1 : 1)),
  };
  setsParts.set(src.copies, part);
  return part;
}

function homeBase(src: ViewSources): HomeBase {
  const keyOf = () => `${src.store.setsGeneration()}|${src.copies.figuresVersion}|${src.copies.mode}`;
  const cached = bases.get(src.copies);
  if (cached && cached.key === keyOf()) return cached;
  const sets = setsPart(src);
  let bytesUnderTarget = 0;
  // The copy figures: the last known ones (the census round's warm-up replaces them), never a recount.
  const all = sets.all.map((s, i) => {
    const stats = readSetFigures(src.copies, sets.rows[i]!.id);
    bytesUnderTarget += stats?.bytesUnderTarget ?? 0;
    const min = stats?.min ?? 0;
    return { ...s, copies: { min, median: stats?.median ?? 0 }, risk: riskScore(min, s.copyTarget) };
  });
  const base: HomeBase = {
    key: '',
    all,
    volumes: sets.volumes,
    space: sets.space.map((v) => ({ size: v.size, copyTarget: v.copyTarget, copies: src.copies.peekVolumeCopies(v.infoHash) })),
    totals: { files: all.reduce((n, s) => n + s.files, 0), bytes: all.reduce((n, s) => n + s.bytes, 0), bytesUnderTarget },
    tags: sets.tags,
    orders: new Map(),
  };
  // Read after the walk: figures it computed itself are in the base.
  base.key = keyOf();
  bases.set(src.copies, base);
  return base;
}

/**
 * Builds the home page's kept base from the last known figures, at start-up before the
 * catalogue listens (`volumeSizes`: every volume's size, when the caller has read them already): the walk over every set and volume is then part of start-up, not of the
 * first visitor's view.
 */
export function prepareHomeView(src: ViewSources, volumeSizes?: ReadonlyMap<string, number>): void {
  setsPart(src, volumeSizes);
  homeBase(src);
}

/** The home page's data: every set (searched, filtered, sorted) and the network's totals. */
export function homeModel(src: ViewSources, query: HomeQuery, extra: { offer: SpaceOffer; drills: DrillSummary[] }): HomePageModel {
  const base = homeBase(src);
  const live = (i: number) => seedersNow(src.swarms, base.volumes[i]!);
  const q = query.q.toLowerCase();
  const wanted = (s: SetSummary) =>
    (!q || s.title.toLowerCase().includes(q) || s.id.includes(q) || s.tags.some((t) => t.includes(q))) &&
    (!query.tag || s.tags.includes(query.tag)) &&
    (!query.region || (query.region === 'any' ? s.regionLabel !== null : query.region === 'none' ? s.regionLabel === null : true));
  let order: number[];
  let seeders: Map<number, number> | null = null;
  if (query.sort === 'seeders') {
    seeders = new Map(base.all.map((_, i) => [i, live(i)]));
    const bySeeders = sorter('seeders');
    order = base.all.map((_, i) => i).sort((a, b) => bySeeders({ ...base.all[a]!, seedersNow: seeders!.get(a)! }, { ...base.all[b]!, seedersNow: seeders!.get(b)! }));
  } else {
    order = base.orders.get(query.sort) ?? [];
    if (!base.orders.has(query.sort)) {
      const by = sorter(query.sort);
      base.orders.set(query.sort, (order = base.all.map((_, i) => i).sort((a, b) => by(base.all[a]!, base.all[b]!))));
    }
  }
  const matching = order.filter((i) => wanted(base.all[i]!));
  // A catalogue of 10,000 sets must not render them all on every view: the table pages.
  const pages = Math.max(1, Math.ceil(matching.length / HOME_SETS_PER_PAGE));
  const page = Math.min(pages, Math.max(1, query.page ?? 1));
  const shown = matching.slice((page - 1) * HOME_SETS_PER_PAGE, page * HOME_SETS_PER_PAGE).map((i) => ({ ...base.all[i]!, seedersNow: seeders?.get(i) ?? live(i) }));
  const balance = spaceBalance(base.space, extra.offer);
  const totals: NetworkTotals = {
    sets: base.all.length,
    ...base.totals,
    offeredBytes: balance.offeredBytes,
    usedBytes: balance.usedBytes,
    neededBytes: balance.neededBytes,
    reportingSeeders: balance.seeders,
    // Distinct hosts across every set: one machine seeding three sets is one seeder.
    seedersNow: src.swarms.seedingHostsOverall?.() ?? base.all.reduce((n, _, i) => n + (seeders?.get(i) ?? live(i)), 0),
  };
  return {
    now: src.now().toISOString(),
    totals,
    sets: shown,
    paging: { matching: matching.length, page, pages, perPage: HOME_SETS_PER_PAGE },
    query,
    tags: base.tags,
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

// Sample view models: three sets (one healthy, one at risk, one with hostile strings in every
// user field) and their files. The page tests serve them; they also show the server's author
// what a filled model looks like, and let anyone preview the pages without a store.
import { createHash } from 'node:crypto';
import { magnetUri } from '../../services/tracker-web/pages/urls.ts';
import type {
  FileView, HomePageModel, NetworkTotals, SetPageModel, SetSummary, VersionView, VolumeView,
} from '../../services/tracker-web/pages/view-models.ts';

/** The fixed "now" of every sample, so relative times are stable. */
export const SAMPLE_NOW = '2025-06-01T12:00:00.000Z';
/** A title that would run script if a page forgot to escape it. */
export const HOSTILE_TITLE = '<script>window.__pwned=1</script>';
/** A string that breaks out of an attribute and loads an image with a handler if unescaped. */
export const HOSTILE_ATTR = '"><img src=x onerror="window.__pwned=2">';

const GB = 1e9;
const TB = 1e12;
const HOUR_MS = 3_600_000;

const hex40 = (seed: string) => createHash('sha1').update(seed).digest('hex');
const hoursBefore = (hours: number) => new Date(Date.parse(SAMPLE_NOW) - hours * HOUR_MS).toISOString();

/** Sample sets with the region filter value each belongs to (the store knows it from the recipe). */
export const SAMPLE_SETS: Array<SetSummary & { description: string; regionValue: string | null }> = [
  {
    id: 'paris-streets', title: 'Paris street photography', tags: ['paris', 'france', 'streets'],
    regionLabel: 'Paris, 20 km', regionValue: 'paris', bytes: 1.84 * TB, files: 412_388,
    latestVersion: { n: 7, builtAt: hoursBefore(3) }, seedersNow: 14, copies: { min: 3, median: 5 }, copyTarget: 3, risk: 0.08,
    description: 'Street scenes of Paris from Category:Streets in Paris and its subcategories.\n\nMaintained by a city archive.',
  },
  {
    id: 'camargue-birds', title: 'Birds of the Camargue', tags: ['birds', 'nature', 'france'],
    regionLabel: 'Camargue (bbox)', regionValue: 'camargue', bytes: 96.5 * GB, files: 18_211,
    latestVersion: { n: 2, builtAt: hoursBefore(80) }, seedersNow: 1, copies: { min: 0, median: 1 }, copyTarget: 3, risk: 0.87,
    description: 'Photographs of birds taken in the Camargue nature reserve.',
  },
  {
    id: 'hostile-set', title: HOSTILE_TITLE, tags: [HOSTILE_ATTR, 'test'],
    regionLabel: '<b>not bold</b>', regionValue: 'nowhere', bytes: 2.5 * GB, files: 3,
    latestVersion: { n: 1, builtAt: hoursBefore(0.05) }, seedersNow: 2, copies: { min: 1, median: 2 }, copyTarget: 2, risk: 0.4,
    description: `Description with markup ${HOSTILE_ATTR} and <iframe src="//example.org/"></iframe> in it.`,
  },
];

/** The network totals of the samples: offered space is short of what the targets need. */
export const SAMPLE_TOTALS: NetworkTotals = {
  sets: 3, files: 430_602, bytes: 1.939 * TB, bytesUnderTarget: 98 * GB,
  offeredBytes: 4.2 * TB, usedBytes: 3.9 * TB, neededBytes: 0.42 * TB, reportingSeeders: 12, seedersNow: 15,
};

/** A home page model over the given sets (already filtered by the caller). */
export function sampleHome(sets: SetSummary[], query: HomePageModel['query']): HomePageModel {
  return {
    now: SAMPLE_NOW, totals: SAMPLE_TOTALS, sets, query,
    tags: [
      { tag: 'birds', sets: 1 }, { tag: 'france', sets: 2 }, { tag: 'nature', sets: 1 }, { tag: 'paris', sets: 1 },
      { tag: 'streets', sets: 1 }, { tag: 'test', sets: 1 }, { tag: HOSTILE_ATTR, sets: 1 },
    ],
    regions: [{ value: 'camargue', label: 'Camargue' }, { value: 'paris', label: 'Paris' }, { value: 'nowhere', label: HOSTILE_TITLE }],
    drills: [
      { at: hoursBefore(0.1), setId: 'paris-streets', setTitle: 'Paris street photography', version: 7, ok: true,
        filesChecked: 50, filesOk: 50, bytes: 210 * 1e6, bytesPerSecond: 31 * 1e6, error: null },
      { at: hoursBefore(26), setId: 'camargue-birds', setTitle: 'Birds of the Camargue', version: 2, ok: false,
        filesChecked: 50, filesOk: 31, bytes: 120 * 1e6, bytesPerSecond: null, error: 'no peer had 19 of the files' },
    ],
  };
}

function volumes(setId: string, count: number, seeders: number[]): VolumeView[] {
  return Array.from({ length: count }, (_, i) => {
    const infoHash = hex40(`${setId}/volume/${i}`);
    return {
      infoHash, bytes: (3.9 - i * 0.7) * GB, files: 4000 - i * 250,
      magnetUri: magnetUri(infoHash, { name: 'commons', trackers: ['http://127.0.0.1:8000/announce'] }),
      torrentUrl: `/sets/${encodeURIComponent(setId)}/volumes/${infoHash}.torrent`,
      seedersNow: seeders[i] ?? 0, copiesNow: Math.max(0, (seeders[i] ?? 0) - 1),
    };
  });
}

function versions(latest: number, title: string, latestBuiltAt: string): VersionView[] {
  return Array.from({ length: latest }, (_, i) => {
    const n = latest - i;
    const names = (kind: string, k: number) => Array.from({ length: k }, (_, j) => `File:${title} ${kind} ${n}-${j}.jpg`);
    return {
      n, builtAt: new Date(Date.parse(latestBuiltAt) - i * 7 * 24 * HOUR_MS).toISOString(), files: 18_000 + n * 50, bytes: (90 + n) * GB,
      changes: n === 1 ? null : {
        added: { count: 57, titles: names('added', 5) }, removed: { count: 2, titles: names('removed', 2) },
        changed: { count: 0, titles: [] },
        renamed: { count: 1, titles: [{ from: `File:Old name ${n}.jpg`, to: `File:${title} renamed ${n}.jpg` }] },
      },
    };
  });
}

function seederSeries(hours: number, stepHours: number, shape: (i: number) => number): Array<{ at: string; seeders: number }> {
  const points: Array<{ at: string; seeders: number }> = [];
  for (let i = 0, h = hours; h >= 0; i++, h -= stepHours) points.push({ at: hoursBefore(h), seeders: shape(i) });
  return points;
}

/** The set page model of one sample set; the preview mosaic is served by the caller at `/sets/<id>/preview.jpg`. */
export function sampleSetPage(id: string): SetPageModel | null {
  const set = SAMPLE_SETS.find((s) => s.id === id);
  if (!set) return null;
  const latest = set.latestVersion?.n ?? 0;
  const base = `/sets/${encodeURIComponent(set.id)}`;
  const bySet: Record<string, Pick<SetPageModel, 'seedersOverTime' | 'copiesHistogram' | 'volumes'>> = {
    'paris-streets': {
      seedersOverTime: seederSeries(14 * 24, 12, (i) => 6 + Math.round(4 * Math.sin(i / 3)) + Math.floor(i / 6)),
      copiesHistogram: [{ copies: 3, files: 120_000 }, { copies: 4, files: 190_000 }, { copies: 5, files: 80_000 }, { copies: 9, files: 22_388 }],
      volumes: volumes(set.id, 3, [14, 12, 11]),
    },
    'camargue-birds': {
      seedersOverTime: seederSeries(5 * 24, 6, (i) => Math.max(1, 5 - Math.floor(i / 4))),
      copiesHistogram: [{ copies: 0, files: 2100 }, { copies: 1, files: 9400 }, { copies: 2, files: 5000 }, { copies: 3, files: 1711 }],
      volumes: volumes(set.id, 2, [1, 0]),
    },
    // One sample and no counted files yet: the edge cases of both charts.
    'hostile-set': { seedersOverTime: [{ at: hoursBefore(0.05), seeders: 2 }], copiesHistogram: [], volumes: volumes(set.id, 1, [2]) },
  };
  const { regionValue: _unused, ...summary } = set;
  return {
    now: SAMPLE_NOW, set: summary,
    recipe: {
      format: 'yaml',
      text: `id: ${set.id}\ntitle: ${JSON.stringify(set.title)}\ntags: [${set.tags.map((t) => JSON.stringify(t)).join(', ')}]\n` +
        `selection:\n  categories:\n    - name: ${JSON.stringify(set.title)}\n      depth: 3\ncopyTarget: ${set.copyTarget}\n`,
      summary: [
        { term: 'Categories', detail: `${set.title} (depth 3)` },
        { term: 'Region', detail: set.regionLabel ?? 'none' },
        { term: 'Copy target', detail: String(set.copyTarget) },
      ],
    },
    previewMosaicUrl: `${base}/preview.jpg`,
    versions: versions(latest, set.title, set.latestVersion?.builtAt ?? SAMPLE_NOW),
    volumesVersion: latest,
    ...(bySet[set.id] ?? { seedersOverTime: [], copiesHistogram: [], volumes: [] }),
    feeds: { rssUrl: `${base}/feed.rss`, atomUrl: `${base}/feed.atom`, jsonUrl: `/api/sets/${encodeURIComponent(set.id)}/latest.json` },
  };
}

/** Sample files: one well copied, one under target, one with a hostile title. */
export const SAMPLE_FILES: FileView[] = [
  {
    title: 'File:Rue de Rivoli, 1905.jpg', sha1: hex40('rivoli'), bytes: 4_812_331, mime: 'image/jpeg', copies: 4, copiesMode: 'any', approvedCopies: 2, anyCopies: 4, notIndependent: ['192.0.2.7'], unproven: [], networksCount: 3,
    networks: [
      { network: '192.0.2.0/24', hosts: 2, lastSeen: hoursBefore(0.2) },
      { network: '198.51.100.0/24', hosts: 1, lastSeen: hoursBefore(1) },
      { network: '2001:db8:1::/48', hosts: 1, lastSeen: hoursBefore(5) },
    ],
    containedIn: [
      { setId: 'paris-streets', setTitle: 'Paris street photography', version: 7, path: 'a/a3/Rue_de_Rivoli,_1905.jpg', copyTarget: 3 },
      { setId: 'paris-streets', setTitle: 'Paris street photography', version: 6, path: 'a/a3/Rue_de_Rivoli,_1905.jpg', copyTarget: 3 },
    ],
    descriptionUrl: 'http://127.0.0.1/wiki/File:Rue_de_Rivoli,_1905.jpg',
  },
  {
    title: 'File:Flamingo at dawn.jpg', sha1: hex40('flamingo'), bytes: 7_120_004, mime: 'image/jpeg', copies: 1, copiesMode: 'approved', approvedCopies: 1, anyCopies: 1, notIndependent: [], unproven: ['203.0.113.9'], networksCount: 1,
    networks: [{ network: '203.0.113.0/24', hosts: 1, lastSeen: hoursBefore(2) }],
    containedIn: [{ setId: 'camargue-birds', setTitle: 'Birds of the Camargue', version: 2, path: 'f/f0/Flamingo_at_dawn.jpg', copyTarget: 3 }],
    descriptionUrl: null,
  },
  {
    title: `File:${HOSTILE_TITLE}.png`, sha1: hex40('hostile'), bytes: 1024, mime: 'image/png', copies: 2, copiesMode: 'any', approvedCopies: 0, anyCopies: 2, notIndependent: [], unproven: [HOSTILE_ATTR], networksCount: 2,
    networks: [{ network: HOSTILE_ATTR, hosts: 1, lastSeen: hoursBefore(0.1) }, { network: '192.0.2.0/24', hosts: 1, lastSeen: hoursBefore(0.1) }],
    containedIn: [{ setId: 'hostile-set', setTitle: HOSTILE_TITLE, version: 1, path: `0/0a/${HOSTILE_ATTR}`, copyTarget: 2 }],
    descriptionUrl: 'javascript:window.__pwned=4',
  },
];

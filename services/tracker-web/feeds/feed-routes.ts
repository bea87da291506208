/**
 * The catalogue's RSS and Atom feeds:
 *   /sets/:id/feed.rss, /sets/:id/latest/feed.rss    every volume of the set's latest version (the default)
 *   /sets/:id/all-versions/feed.rss                  each volume once, in the version that introduced it
 *   /feed.rss, /latest/feed.rss                      the latest version of every set
 *   /all-versions/feed.rss                           every version of every set
 * (each also as .atom). The default is the latest version only because a stock client puts
 * every volume in one `commons/` tree: holding two versions' volumes there breaks the older one
 * (supersession.ts). Archivists who keep every version follow `all-versions`.
 */
import { Router, type Request, type Response } from 'express';
import { routes } from '../../../shared/api/routes.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { CatalogueStore, SetSummary, VersionRecord } from '../store/catalogue-store.ts';
import { buildSetFeed, type FeedKind, type FeedSuperseded, type FeedVersion } from './set-feed.ts';
import { supersessionIndex, type SupersededVolume } from './supersession.ts';

/** Most versions in a feed of all sets (each brings its volumes). */
const ALL_SETS_FEED_VERSIONS = 200;

const toFeedSuperseded = (s: SupersededVolume, version: number): FeedSuperseded => ({
  infoHash: s.infoHash,
  version,
  conflictCount: s.conflictCount,
  conflictPaths: s.conflicts.map((c) => c.path),
});

/** One version as a feed item group: `volumes` are the info hashes to announce. */
function feedVersion(store: CatalogueStore, base: string, row: SetSummary, v: VersionRecord, volumes: string[]): FeedVersion {
  const s = supersessionIndex(store).of(row.id, v.version);
  const previous = s?.previousVersion ?? v.version - 1;
  const superseded = (s?.volumes ?? []).map((x) => toFeedSuperseded(x, previous));
  return {
    setId: row.id,
    setTitle: row.title,
    version: v.version,
    publishedAt: new Date(v.publishedAt),
    files: v.totals.files,
    bytes: v.totals.bytes,
    changes: v.changes,
    volumes: volumes.map((ih) => {
      const vol = store.getVolume(ih);
      return {
        infoHash: ih,
        size: vol?.size ?? 0,
        files: vol?.files ?? 0,
        torrentUrl: `${base}${routes.torrent.path(ih)}`,
        torrentBytes: store.volumeTorrent(ih)?.length ?? 0,
        supersedes: (s?.volumes ?? []).filter((x) => x.supersededBy.includes(ih)).map((x) => toFeedSuperseded(x, previous)),
      };
    }),
    superseded,
    metadata: { infoHash: v.metadataInfoHash, torrentUrl: `${base}${routes.metadataTorrent.path(row.id, v.version)}`, torrentBytes: store.versionFiles.metadataTorrent(row.id, v.version)?.length ?? 0 },
    pageUrl: `${base}/sets/${encodeURIComponent(row.id)}`,
    jsonUrl: `${base}${routes.version.path(row.id, v.version)}`,
  };
}

/** The versions a feed of `kind` carries for one set. */
export function feedVersions(store: CatalogueStore, base: string, row: SetSummary, kind: FeedKind): FeedVersion[] {
  // The kept set list holds a summary of the latest version; the feed item wants its change counts.
  const latest = row.latest && store.getVersion(row.id, row.latest.version);
  if (kind === 'latest') return latest ? [feedVersion(store, base, row, latest, latest.volumes)] : [];
  const out: FeedVersion[] = [];
  const seen = new Set<string>();
  for (const v of store.getVersions(row.id).sort((a, b) => a.version - b.version)) {
    const fresh = v.volumes.filter((ih) => !seen.has(ih));
    for (const ih of v.volumes) seen.add(ih);
    out.push(feedVersion(store, base, row, v, fresh));
  }
  return out;
}

/** The feed routes; `baseUrl` gives the public URL the links are built on. */
export function feedRouter(store: CatalogueStore, baseUrl: (req: Request) => string): Router {
  const router = Router();
  const feed = (req: Request, setId: string | null, kind: FeedKind) => {
    const base = baseUrl(req);
    const rows = store.listSets().filter((r) => setId === null || r.id === setId);
    if (setId !== null && rows.length === 0) throw new SeedbankError('SET_NOT_FOUND', `no set "${setId}" in this catalogue`, { hint: 'see the list of sets on the home page' });
    const versions = rows.flatMap((row) => feedVersions(store, base, row, kind));
    versions.sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime());
    const which = kind === 'latest' ? 'latest version' : 'every version';
    const self = `${base}${req.path}`;
    return buildSetFeed({
      title: setId === null ? `Seedbank: all sets (${which})` : `Seedbank: ${rows[0]!.title} (${which})`,
      description: setId === null ? `The ${which} of every set in this catalogue` : rows[0]!.description || rows[0]!.title,
      siteUrl: setId === null ? `${base}/` : `${base}/sets/${encodeURIComponent(setId)}`,
      selfUrl: self.replace(/\.atom$/, '.rss'),
      updated: versions[0]?.publishedAt ?? new Date(0),
      versions: versions.slice(0, ALL_SETS_FEED_VERSIONS),
    });
  };
  const serve = (kind: FeedKind, format: 'rss' | 'atom', perSet: boolean) => (req: Request, res: Response) => {
    const f = feed(req, perSet ? String(req.params.id) : null, kind);
    if (format === 'rss') res.type('application/rss+xml').send(f.rss2());
    else res.type('application/atom+xml').send(f.atom1());
  };
  for (const format of ['rss', 'atom'] as const) {
    router.get(`/sets/:id/feed.${format}`, serve('latest', format, true));
    router.get(`/sets/:id/latest/feed.${format}`, serve('latest', format, true));
    router.get(`/sets/:id/all-versions/feed.${format}`, serve('all-versions', format, true));
    router.get(`/feed.${format}`, serve('latest', format, false));
    router.get(`/latest/feed.${format}`, serve('latest', format, false));
    router.get(`/all-versions/feed.${format}`, serve('all-versions', format, false));
  }
  return router;
}

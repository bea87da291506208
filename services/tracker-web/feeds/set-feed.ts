import { Feed } from 'feed';

/** MIME type BitTorrent clients' RSS downloaders look for in enclosures. */
export const TORRENT_MIME = 'application/x-bittorrent';
/** Conflicting paths named in one item's text; the count says how many there are. */
const PATHS_NAMED = 5;

/**
 * Which versions a feed carries. `latest`: every volume of each set's latest version, for stock
 * clients, which put every volume in one `commons/` tree and so must hold one version only.
 * `all-versions`: each volume once, in the version that introduced it, for archivists who keep
 * every version (in separate folders: see the README).
 */
export type FeedKind = 'latest' | 'all-versions';

/** A volume of the previous version that a feed item's volume replaces. */
export interface FeedSuperseded {
  infoHash: string;
  /** Its version. */
  version: number;
  /** Paths it shares with the new version with other bytes: a client holding both overwrites these. */
  conflictCount: number;
  conflictPaths: string[];
}

/** One volume as a feed item shows it. */
export interface FeedVolume {
  infoHash: string;
  size: number;
  files: number;
  torrentUrl: string;
  torrentBytes: number;
  /** Volumes of the previous version this one replaces (remove them from a stock client, keeping the files). */
  supersedes: FeedSuperseded[];
}

/** One version of a set, as the feed needs it. */
export interface FeedVersion {
  setId: string;
  setTitle: string;
  version: number;
  publishedAt: Date;
  files: number;
  bytes: number;
  changes: { added: number; removed: number; changed: number; renamed: number };
  /** The volumes this feed announces for the version (all of them, or those it introduced). */
  volumes: FeedVolume[];
  /** Every volume of the previous version this version no longer lists. */
  superseded: FeedSuperseded[];
  metadata: { infoHash: string; torrentUrl: string; torrentBytes: number };
  pageUrl: string;
  /** The version's JSON (GET /api/sets/:id/versions/:n), which lists the superseded volumes too. */
  jsonUrl: string;
}

const short = (ih: string) => ih.slice(0, 12);

/** "replaces v1 volume 0123456789ab (2 files differ on disk: a/ab/X.jpg, ...)". */
function supersedesText(list: readonly FeedSuperseded[]): string {
  return list
    .map((s) => {
      const differ = s.conflictCount === 0
        ? 'no file differs on disk'
        : `${s.conflictCount} file${s.conflictCount === 1 ? '' : 's'} differ${s.conflictCount === 1 ? 's' : ''} on disk: ${s.conflictPaths.slice(0, PATHS_NAMED).join(', ')}${s.conflictCount > PATHS_NAMED ? ', ...' : ''}`;
      return `v${s.version} volume ${s.infoHash} (${differ})`;
    })
    .join('; ');
}

/**
 * A feed of set versions in which every item has one torrent enclosure: one item per volume,
 * plus one per version's metadata torrent. Each volume item says which volumes of the previous
 * version it replaces, and each metadata item lists every volume the version drops, so that an
 * operator of a stock client knows which torrents to remove (keeping the files) before the new
 * bytes land where the old volume expects the old ones.
 */
export function buildSetFeed(options: { title: string; description: string; siteUrl: string; selfUrl: string; updated: Date; versions: FeedVersion[] }): Feed {
  const feed = new Feed({
    title: options.title,
    description: options.description,
    id: options.selfUrl,
    link: options.siteUrl,
    language: 'en',
    updated: options.updated,
    generator: 'Seedbank',
    copyright: 'Media under their own licenses; see each file description page',
    feedLinks: { rss: `${options.selfUrl}`, atom: options.selfUrl.replace(/\.rss$/, '.atom') },
  });
  const sorted = [...options.versions].sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime() || b.version - a.version);
  for (const v of sorted) {
    const summary = `${v.files} files, ${v.bytes} bytes; ${v.changes.added} added, ${v.changes.removed} removed, ${v.changes.changed} changed, ${v.changes.renamed} renamed`;
    for (const vol of v.volumes) {
      const replaces = vol.supersedes.length > 0
        ? ` Replaces ${supersedesText(vol.supersedes)}: remove the replaced torrent from your client, keeping its files.`
        : '';
      feed.addItem({
        title: `${v.setTitle} v${v.version}: volume ${short(vol.infoHash)} (${vol.files} files)`,
        id: `urn:btih:${vol.infoHash}`,
        link: v.pageUrl,
        description: `${summary}.${replaces}`,
        date: v.publishedAt,
        enclosure: { url: vol.torrentUrl, type: TORRENT_MIME, length: vol.torrentBytes },
        category: vol.supersedes.map((s) => ({ name: `supersedes:${s.infoHash}`, term: `supersedes:${s.infoHash}` })),
      });
    }
    const dropped = v.superseded.length > 0
      ? ` Supersedes ${v.superseded.length} volume${v.superseded.length === 1 ? '' : 's'} of the previous version: ${supersedesText(v.superseded)}.` +
        ` Remove them from a client that follows this set (keeping the files), then recheck the rest; the list is also at ${v.jsonUrl}.`
      : '';
    feed.addItem({
      title: `${v.setTitle} v${v.version}: metadata (manifest, signature, description pages)`,
      id: `urn:btih:${v.metadata.infoHash}`,
      link: v.pageUrl,
      description: `${summary}.${dropped}`,
      date: v.publishedAt,
      enclosure: { url: v.metadata.torrentUrl, type: TORRENT_MIME, length: v.metadata.torrentBytes },
      category: v.superseded.map((s) => ({ name: `supersedes:${s.infoHash}`, term: `supersedes:${s.infoHash}` })),
    });
  }
  return feed;
}

import { Feed } from 'feed';

/** MIME type BitTorrent clients' RSS downloaders look for in enclosures. */
export const TORRENT_MIME = 'application/x-bittorrent';

/** One version of a set, as the feed needs it. */
export interface FeedVersion {
  setId: string;
  setTitle: string;
  version: number;
  publishedAt: Date;
  files: number;
  bytes: number;
  changes: { added: number; removed: number; changed: number; renamed: number };
  /** Volumes first introduced by this version (unchanged ones were announced before). */
  newVolumes: Array<{ infoHash: string; size: number; files: number; torrentUrl: string; torrentBytes: number }>;
  metadata: { infoHash: string; torrentUrl: string; torrentBytes: number };
  pageUrl: string;
}

/**
 * A feed of set versions in which every item has one torrent enclosure: one item per
 * volume a version introduced, plus its metadata torrent. A BitTorrent client's RSS
 * downloader following it fetches each new volume once and never an unchanged one again.
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
    for (const vol of v.newVolumes) {
      feed.addItem({
        title: `${v.setTitle} v${v.version}: volume ${vol.infoHash.slice(0, 12)} (${vol.files} files)`,
        id: `urn:btih:${vol.infoHash}`,
        link: v.pageUrl,
        description: summary,
        date: v.publishedAt,
        enclosure: { url: vol.torrentUrl, type: TORRENT_MIME, length: vol.torrentBytes },
      });
    }
    feed.addItem({
      title: `${v.setTitle} v${v.version}: metadata (manifest, signature, description pages)`,
      id: `urn:btih:${v.metadata.infoHash}`,
      link: v.pageUrl,
      description: summary,
      date: v.publishedAt,
      enclosure: { url: v.metadata.torrentUrl, type: TORRENT_MIME, length: v.metadata.torrentBytes },
    });
  }
  return feed;
}

import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dirs.ts';
import { buildSetFeed, type FeedVersion } from '../../services/tracker-web/feeds/set-feed.ts';
import { rankNeeds, spaceBalance } from '../../services/tracker-web/redundancy/needs.ts';
import { signTakedownList, verifyTakedownList } from '../../shared/formats/takedown.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';

const tempDir = useTempDirs();

const version = (n: number, vols: string[]): FeedVersion => ({
  setId: 'paris',
  setTitle: 'Paris & <co>',
  version: n,
  publishedAt: new Date(Date.UTC(2026, 10, n)),
  files: 10 * n,
  bytes: 1000 * n,
  changes: { added: n, removed: 0, changed: 0, renamed: 0 },
  volumes: vols.map((ih) => ({ infoHash: ih, size: 100, files: 3, torrentUrl: `http://127.0.0.1/torrents/${ih}.torrent`, torrentBytes: 321, supersedes: [] })),
  superseded: [],
  metadata: { infoHash: String(n).repeat(40), torrentUrl: `http://127.0.0.1/sets/paris/v${n}/metadata.torrent`, torrentBytes: 200 },
  pageUrl: 'http://127.0.0.1/sets/paris',
  jsonUrl: `http://127.0.0.1/api/sets/paris/versions/${n}`,
});

describe('set feeds', () => {
  const feed = buildSetFeed({
    title: 'Paris',
    description: 'd',
    siteUrl: 'http://127.0.0.1/',
    selfUrl: 'http://127.0.0.1/sets/paris/feed.rss',
    updated: new Date(Date.UTC(2026, 10, 2)),
    versions: [version(1, ['a'.repeat(40), 'b'.repeat(40)]), version(2, ['c'.repeat(40)])],
  });

  it('gives every new volume and every metadata torrent one torrent enclosure, newest first (RSS)', () => {
    const rss = new XMLParser({ ignoreAttributes: false }).parse(feed.rss2()) as { rss: { channel: { item: Array<Record<string, unknown>> } } };
    const items = rss.rss.channel.item;
    expect(items).toHaveLength(5);
    const enclosures = items.map((i) => String((i.enclosure as Record<string, string>)['@_url']));
    expect(enclosures[0]).toContain('c'.repeat(40));
    expect(enclosures.filter((u) => u.endsWith('metadata.torrent'))).toHaveLength(2);
    for (const i of items) expect((i.enclosure as Record<string, string>)['@_type']).toBe('application/x-bittorrent');
    // User text survives as text (the library wraps it in CDATA), not as markup.
    expect(String(items[0]!.title)).toContain('Paris & <co> v2');
  });

  it('is also valid Atom with enclosure links', () => {
    const atom = new XMLParser({ ignoreAttributes: false }).parse(feed.atom1()) as { feed: { entry: Array<{ link: unknown }> } };
    expect(atom.feed.entry).toHaveLength(5);
    expect(JSON.stringify(atom.feed.entry[0]!.link)).toContain('enclosure');
  });
});

describe('the needs list', () => {
  it('ranks by share of the target missing, then count, then size, and drops volumes at target', () => {
    const ranked = rankNeeds([
      { infoHash: 'a', setId: 's', size: 10, copyTarget: 3, copies: 2, seeders: 2 },
      { infoHash: 'b', setId: 's', size: 50, copyTarget: 3, copies: 0, seeders: 0 },
      { infoHash: 'c', setId: 's', size: 10, copyTarget: 3, copies: 0, seeders: 0 },
      { infoHash: 'd', setId: 's', size: 10, copyTarget: 3, copies: 3, seeders: 4 },
      { infoHash: 'e', setId: 's', size: 10, copyTarget: 5, copies: 2, seeders: 2 },
    ]);
    expect(ranked.map((r) => r.infoHash)).toEqual(['c', 'b', 'e', 'a']);
    expect(ranked[0]).toMatchObject({ missing: 3, neededBytes: 30 });
  });
  it('says how short of space the network is, asking only for the copies that do not exist yet', () => {
    // 100 B at 1 of 3 copies needs 200 B more, 50 B at 2 of 2 needs nothing, 30 B at 0 of 2 needs 60 B.
    const volumes = [{ size: 100, copyTarget: 3, copies: 1 }, { size: 50, copyTarget: 2, copies: 2 }, { size: 30, copyTarget: 2, copies: 0 }, { size: 10, copyTarget: 1, copies: 4 }];
    expect(spaceBalance(volumes, { offeredBytes: 300, usedBytes: 150, seeders: 2 })).toEqual({
      neededBytes: 260, offeredBytes: 300, usedBytes: 150, freeBytes: 150, shortBytes: 110, seeders: 2, volumesUnderTarget: 2,
    });
    expect(spaceBalance(volumes, { offeredBytes: 1000, usedBytes: 100, seeders: 3 })).toMatchObject({ freeBytes: 900, shortBytes: 0 });
    expect(spaceBalance([], { offeredBytes: 0, usedBytes: 0, seeders: 0 })).toMatchObject({ neededBytes: 0, shortBytes: 0 });
  });
});

describe('the signed takedown list', () => {
  it('verifies against the trusted key and refuses tampering, another key, and garbage', async () => {
    const key = await loadOrCreateSetKey(await tempDir('td'), 'catalogue');
    const other = await loadOrCreateSetKey(await tempDir('td'), 'catalogue');
    const list = signTakedownList(key, [{ sha1: 'f'.repeat(40), reason: 'court order 123', addedAt: '2026-11-21T00:00:00Z' }], 4, new Date());
    expect(verifyTakedownList(JSON.parse(JSON.stringify(list)), key.publicKeyHex)).toMatchObject({ ok: true });
    expect(verifyTakedownList({ ...list, entries: [] }, key.publicKeyHex)).toEqual({ ok: false, reason: 'the signature does not match' });
    expect(verifyTakedownList(list, other.publicKeyHex)).toMatchObject({ ok: false });
    expect(verifyTakedownList({ nope: 1 }, key.publicKeyHex)).toMatchObject({ ok: false });
  });
});

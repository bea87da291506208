// Which volumes a new version supersedes and which conflict on disk (issue 11 §2), what the
// feeds say about it, and which pieces the census audits on a host that claims both.
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { buildSetFeed, type FeedVersion } from '../../services/tracker-web/feeds/set-feed.ts';
import { supersededVolumes, type SupersessionInput } from '../../services/tracker-web/feeds/supersession.ts';
import { conflictPieces, withDoubleClaims, type CensusJob, type SupersededPair } from '../../services/tracker-web/census/index.ts';

const ih = (c: string) => c.repeat(40);
const sha = (c: string) => c.repeat(40);
const file = (path: string, sha1: string, volume: string) => ({ path, sha1, volume });

/** v1: volume A (prefix 0) with two files, B (prefix 1) with one; v2 re-uploads a file of A and adds one to B. */
const v1: SupersessionInput = {
  volumes: [{ infoHash: ih('a'), prefix: '0' }, { infoHash: ih('b'), prefix: '1' }],
  files: [file('0/01/One.jpg', sha('1'), ih('a')), file('0/02/Two.jpg', sha('2'), ih('a')), file('8/81/Three.jpg', sha('3'), ih('b'))],
};

describe('supersession of a previous version', () => {
  it('lists each dropped volume once, with the volumes that replace it and the paths whose bytes changed', () => {
    const v2: SupersessionInput = {
      volumes: [{ infoHash: ih('c'), prefix: '0' }, { infoHash: ih('d'), prefix: '1' }],
      files: [file('0/01/One.jpg', sha('9'), ih('c')), file('0/02/Two.jpg', sha('2'), ih('c')), file('8/81/Three.jpg', sha('3'), ih('d')), file('9/9a/Four.jpg', sha('4'), ih('d'))],
    };
    expect(supersededVolumes(v1, v2)).toEqual([
      { infoHash: ih('a'), prefix: '0', supersededBy: [ih('c')], conflicts: [{ path: '0/01/One.jpg', oldSha1: sha('1'), newSha1: sha('9'), volume: ih('c') }], conflictCount: 1 },
      // Only added a file: superseded, but nothing on disk differs.
      { infoHash: ih('b'), prefix: '1', supersededBy: [ih('d')], conflicts: [], conflictCount: 0 },
    ]);
  });

  it('supersedes nothing when the volumes keep their info hash', () => {
    expect(supersededVolumes(v1, v1)).toEqual([]);
  });

  it('follows a split into nested prefixes and a file that moved to another volume', () => {
    const v2: SupersessionInput = {
      volumes: [{ infoHash: ih('e'), prefix: '00' }, { infoHash: ih('f'), prefix: '01' }, { infoHash: ih('b'), prefix: '1' }],
      files: [file('0/01/One.jpg', sha('1'), ih('e')), file('0/02/Two.jpg', sha('7'), ih('f')), file('8/81/Three.jpg', sha('3'), ih('b'))],
    };
    const [a] = supersededVolumes(v1, v2);
    expect(a!.supersededBy).toEqual([ih('e'), ih('f')]);
    expect(a!.conflicts.map((c) => [c.path, c.volume])).toEqual([['0/02/Two.jpg', ih('f')]]);
  });

  it('says a volume whose files all left the set is replaced by nothing', () => {
    const v2: SupersessionInput = { volumes: [{ infoHash: ih('b'), prefix: '1' }], files: [file('8/81/Three.jpg', sha('3'), ih('b'))] };
    expect(supersededVolumes(v1, v2)).toEqual([{ infoHash: ih('a'), prefix: '0', supersededBy: [], conflicts: [], conflictCount: 0 }]);
  });

  it('lists at most the given number of conflicts and counts them all', () => {
    const many = Array.from({ length: 5 }, (_, i) => `0/0${i}/F${i}.jpg`);
    const before: SupersessionInput = { volumes: [{ infoHash: ih('a'), prefix: '' }], files: many.map((p) => file(p, sha('1'), ih('a'))) };
    const after: SupersessionInput = { volumes: [{ infoHash: ih('c'), prefix: '' }], files: many.map((p) => file(p, sha('2'), ih('c'))) };
    const [s] = supersededVolumes(before, after, 2);
    expect(s!.conflicts).toHaveLength(2);
    expect(s!.conflictCount).toBe(5);
  });
});

const volume = (n: string, supersedes: FeedVersion['superseded'] = []) => ({
  infoHash: ih(n), size: 100, files: 3, torrentUrl: `http://127.0.0.1/torrents/${ih(n)}.torrent`, torrentBytes: 321, supersedes,
});

describe('a feed item of a version that supersedes volumes', () => {
  const superseded = { infoHash: ih('a'), version: 1, conflictCount: 1, conflictPaths: ['0/01/One.jpg'] };
  const v2: FeedVersion = {
    setId: 'paris', setTitle: 'Paris', version: 2, publishedAt: new Date(Date.UTC(2026, 10, 2)), files: 4, bytes: 400,
    changes: { added: 1, removed: 0, changed: 1, renamed: 0 },
    volumes: [volume('c', [superseded]), volume('d')],
    superseded: [superseded, { infoHash: ih('b'), version: 1, conflictCount: 0, conflictPaths: [] }],
    metadata: { infoHash: ih('9'), torrentUrl: 'http://127.0.0.1/sets/paris/2/metadata.torrent', torrentBytes: 200 },
    pageUrl: 'http://127.0.0.1/sets/paris', jsonUrl: 'http://127.0.0.1/api/sets/paris/versions/2',
  };
  const feed = buildSetFeed({ title: 'Paris', description: 'd', siteUrl: 'http://127.0.0.1/', selfUrl: 'http://127.0.0.1/sets/paris/latest/feed.rss', updated: v2.publishedAt, versions: [v2] });
  const items = (new XMLParser({ ignoreAttributes: false }).parse(feed.rss2()) as { rss: { channel: { item: Array<Record<string, unknown>> } } }).rss.channel.item;
  const byEnclosure = (part: string) => items.find((i) => String((i.enclosure as Record<string, string>)['@_url']).includes(part))!;

  it('names the replaced volume, the path that differs on disk, and what to do, in the replacing volume', () => {
    const text = String(byEnclosure(ih('c')).description);
    expect(text).toContain(`Replaces v1 volume ${ih('a')} (1 file differs on disk: 0/01/One.jpg)`);
    expect(text).toContain('keeping its files');
    expect(JSON.stringify(byEnclosure(ih('c')).category)).toContain(`supersedes:${ih('a')}`);
    expect(String(byEnclosure(ih('d')).description)).not.toContain('Replaces');
  });

  it('lists every superseded volume in the metadata item, with the JSON that lists them too', () => {
    const text = String(byEnclosure('metadata.torrent').description);
    expect(text).toContain('Supersedes 2 volumes of the previous version');
    expect(text).toContain(ih('a'));
    expect(text).toContain(`v1 volume ${ih('b')} (no file differs on disk)`);
    expect(text).toContain('http://127.0.0.1/api/sets/paris/versions/2');
  });
});

describe('the census on a host claiming a superseded volume and its successor', () => {
  // 16-byte pieces: One.jpg at bytes 0-39 (pieces 0-2), Two.jpg at 40-59 (pieces 2-3).
  const pair: SupersededPair = {
    older: {
      target: { infoHash: ih('a'), pieceLength: 16, totalBytes: 60, pieces: Buffer.alloc(4 * 20) },
      files: [{ path: '0/01/One.jpg', offset: 0, length: 40 }, { path: '0/02/Two.jpg', offset: 40, length: 20 }],
    },
    newer: [ih('c')],
    conflictPaths: ['0/02/Two.jpg'],
  };

  it('audits the pieces holding the conflicting files', () => {
    expect(conflictPieces(pair)).toEqual([2, 3]);
  });

  it('moves the peers of hosts in both swarms to a focused job and leaves the others alone', () => {
    const swarms: Record<string, Array<{ host: string; port: number }>> = {
      [ih('a')]: [{ host: '10.0.0.1', port: 1 }, { host: '10.0.0.2', port: 2 }],
      [ih('c')]: [{ host: '10.0.0.1', port: 7 }],
    };
    const plainOld: CensusJob = { target: pair.older.target, peers: swarms[ih('a')]! };
    const jobs = withDoubleClaims([plainOld], [pair], (h) => swarms[h] ?? []);
    expect(jobs).toEqual([
      { target: pair.older.target, peers: [{ host: '10.0.0.2', port: 2 }] },
      { target: pair.older.target, peers: [{ host: '10.0.0.1', port: 1 }], focusPieces: [2, 3] },
    ]);
    // No host in both swarms, or no conflict: nothing to add.
    expect(withDoubleClaims([], [pair], (h) => (h === ih('c') ? [{ host: '10.0.0.9', port: 9 }] : swarms[h] ?? []))).toEqual([]);
    expect(withDoubleClaims([], [{ ...pair, conflictPaths: [] }], (h) => swarms[h] ?? [])).toEqual([]);
  });
});

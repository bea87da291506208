// The HTTP tracker's query parser (exact failure reasons), and the CatalogueTracker over a real
// store and a loopback node:http server: untracked hashes refused, a hash published after
// start tracked without a restart, compact replies, scrape, and BEP 15 packets for UDP.
import type { RemoteInfo } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/log.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { parseAnnounceQuery, parseScrapeQuery } from '../../services/tracker-web/tracker/announce-query.ts';
import { CatalogueTracker } from '../../services/tracker-web/tracker/catalogue-tracker.ts';
import { udpAnswer } from '../../services/tracker-web/tracker/udp-tracker.ts';
import { newVersion } from '../helpers/catalogue-records.ts';

const pct = (hex: string) => hex.replace(/../g, (b) => `%${b}`);
const PEER = 'peer_id=-SB0001-abcdefghijkl&port=6881';
const IH = '0123456789abcdef0123456789abcdef01234567';

describe('announce query parser', () => {
  const failure = (q: string) => {
    const r = parseAnnounceQuery(q);
    return 'failure' in r ? r.failure : null;
  };
  it('reads a well-formed announce', () => {
    expect(parseAnnounceQuery(`info_hash=${pct(IH)}&${PEER}&uploaded=0&downloaded=0&left=1048576&event=started&compact=1&numwant=20&ip=6.6.6.6&key=x`)).toEqual({
      infoHash: IH,
      peerId: '-SB0001-abcdefghijkl',
      port: 6881,
      left: 1048576,
      event: 'started',
      compact: true,
      numwant: 20,
    });
  });
  it('decodes raw bytes, %XX in either case, %uXXXX and + as unescape did, and applies defaults', () => {
    // 'A' raw, 0x20 as '+', %u0041, lower- and upper-case hex escapes.
    const q = `info_hash=A+%u0041%ab%CD${'%00'.repeat(15)}&peer_id=${'x'.repeat(20)}&port=1`;
    expect(parseAnnounceQuery(q)).toEqual({ infoHash: `412041abcd${'00'.repeat(15)}`, peerId: 'x'.repeat(20), port: 1, left: null, event: 'update', compact: true, numwant: 50 });
    expect(parseAnnounceQuery(`info_hash=${pct(IH)}&${PEER}&compact=0&numwant=1000&event=paused`)).toMatchObject({ compact: false, numwant: 200, event: 'update' });
    expect(parseAnnounceQuery(`info_hash=${pct(IH)}&${PEER}&numwant=0&event=`)).toMatchObject({ numwant: 0, event: 'update' });
  });
  it('refuses malformed announces with exact reasons', () => {
    const known = `info_hash=${pct(IH)}`;
    expect(failure('')).toBe("invalid info_hash: missing; send the torrent's 20-byte info hash, percent-encoded");
    expect(failure(`info_hash=short&${PEER}`)).toBe('invalid info_hash: it must be exactly 20 bytes, percent-encoded');
    expect(failure(`info_hash=${pct(IH)}00&${PEER}`)).toBe('invalid info_hash: it must be exactly 20 bytes, percent-encoded');
    expect(failure(`info_hash=%u1234${'%00'.repeat(19)}&${PEER}`)).toBe('invalid info_hash: it must be exactly 20 bytes, percent-encoded');
    expect(failure(`info_hash=%zz%&info_hash=1&${PEER}`)).toBe('invalid info_hash: an announce names one torrent; send info_hash once');
    expect(failure(`${known}&port=1`)).toBe('invalid peer_id: it must be exactly 20 bytes, percent-encoded');
    expect(failure(`${known}&peer_id=x&port=1`)).toBe('invalid peer_id: it must be exactly 20 bytes, percent-encoded');
    for (const port of ['', '&port=0', '&port=99999', '&port=12ab', '&port=-1']) {
      expect(failure(`${known}&peer_id=-SB0001-abcdefghijkl${port}`)).toBe('invalid port: expected the port you accept peers on, 1 to 65535');
    }
    expect(failure(`${known}&${PEER}&event=exploded`)).toBe('invalid event: expected started, completed, stopped, paused or none');
    expect(failure(`${known}&${PEER}&event=toString`)).toBe('invalid event: expected started, completed, stopped, paused or none');
    expect(failure(`${known}&${PEER}&left=lots`)).toBe('invalid left: expected the whole number of bytes still to download');
    expect(failure(`${known}&${PEER}&uploaded=-5`)).toBe('invalid uploaded: expected a whole number of bytes');
    expect(failure(`${known}&${PEER}&compact=yes`)).toBe('invalid compact: expected 0 or 1');
    expect(failure(`${known}&${PEER}&numwant=many`)).toBe('invalid numwant: expected a whole number of peers (at most 200 are sent)');
  });
  it('reads scrape queries', () => {
    expect(parseScrapeQuery(`info_hash=${pct(IH)}&info_hash=${pct('ff'.repeat(20))}`)).toEqual([IH, 'ff'.repeat(20)]);
    expect(parseScrapeQuery('')).toEqual([]);
    expect(parseScrapeQuery('info_hash=abc')).toEqual({ failure: 'invalid info_hash: each must be exactly 20 bytes, percent-encoded' });
  });
});

describe('catalogue tracker', () => {
  let dir: string;
  let store: CatalogueStore;
  let tracker: CatalogueTracker;
  let server: Server;
  let base: string;
  const VOL = '11'.repeat(20);
  const LATER = '22'.repeat(20);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-tracker-'));
    store = CatalogueStore.open(dir);
    store.putVersion(await newVersion(dir, 1, 'aa'.repeat(20), [VOL]));
    tracker = new CatalogueTracker({ store, logger: silentLogger, announceIntervalMs: 60_000 });
    server = createServer((req, res) => {
      if (!tracker.handleRaw(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await tracker?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const get = async (url: string) => {
    const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return { status: r.status, type: r.headers.get('content-type'), body: bencode.decode(Buffer.from(await r.arrayBuffer())) as Record<string, unknown> };
  };
  const reason = (body: Record<string, unknown>) => Buffer.from((body['failure reason'] as Uint8Array | undefined) ?? []).toString();

  it('answers a tracked announce with a compact reply and refuses an untracked one with HTTP 200', async () => {
    const first = await get(`${base}/announce?info_hash=${pct(VOL)}&peer_id=-SB0001-000000000001&port=7001&left=0`);
    expect(first.status).toBe(200);
    expect(first.type).toBe('text/plain');
    expect(first.body).toMatchObject({ complete: 1, incomplete: 0, interval: 60 });
    const second = await get(`${base}/announce?info_hash=${pct(VOL)}&peer_id=-SB0001-000000000002&port=7002&left=5&compact=1`);
    expect([...(second.body.peers as Uint8Array)]).toEqual([127, 0, 0, 1, 7001 >> 8, 7001 & 0xff]);
    expect(tracker.counts(VOL)).toEqual({ infoHash: VOL, complete: 1, incomplete: 1, downloaded: 0, seedingHosts: 1, leechingHosts: 0 }); // two clients, one address
    const refused = await get(`${base}/announce?info_hash=${pct(LATER)}&peer_id=-SB0001-000000000001&port=7001`);
    expect([refused.status, reason(refused.body)]).toEqual([200, `torrent ${LATER} is not in this catalogue`]);
    expect(reason((await get(`${base}/announce?info_hash=short&${PEER}`)).body)).toMatch(/^invalid info_hash/);
  });

  it('tracks a hash published after start without a restart', async () => {
    store.putVersion(await newVersion(dir, 2, 'bb'.repeat(20), [VOL, LATER]));
    const later = await get(`${base}/announce?info_hash=${pct(LATER)}&peer_id=-SB0001-000000000001&port=7001`);
    expect(later.body).toMatchObject({ complete: 0, incomplete: 1 });
    expect(tracker.announcePeer({ infoHash: 'bb'.repeat(20), peerId: 'x'.repeat(20), ip: '10.1.2.3', port: 1, event: 'started', left: 0, numwant: 0 })).toMatchObject({ complete: 1 });
    expect(tracker.swarms().map((s) => s.infoHash).sort()).toEqual([VOL, LATER, 'bb'.repeat(20)].sort());
  });

  it('loads the tracked hashes after start a slice at a time: every one once, then answers from memory what the store answered', async () => {
    const all = store.trackedInfoHashes().sort();
    const sliced: string[] = [];
    for (let cursor: Parameters<CatalogueStore['trackedSlice']>[0] | null = { table: 'volumes' }; cursor; ) {
      const slice = store.trackedSlice(cursor, 1);
      expect(slice.infoHashes.length).toBeLessThanOrEqual(1);
      sliced.push(...slice.infoHashes);
      cursor = slice.next;
    }
    expect(sliced.sort()).toEqual(all);
    expect(all.length).toBeGreaterThanOrEqual(4); // two volumes, two metadata torrents

    const loaded = new CatalogueTracker({ store, logger: silentLogger, announceIntervalMs: 60_000 });
    try {
      await loaded.loadTracked();
      const peer = { peerId: 'y'.repeat(20), ip: '10.9.9.9', port: 1, event: 'started' as const, left: 0, numwant: 0 };
      for (const ih of all) expect(loaded.announcePeer({ ...peer, infoHash: ih }), ih).toMatchObject({ complete: 1 });
      expect(loaded.announcePeer({ ...peer, infoHash: '3c'.repeat(20) })).toEqual({ failure: `torrent ${'3c'.repeat(20)} is not in this catalogue` });
      const NEWER = '4d'.repeat(20);
      store.putVersion(await newVersion(dir, 3, '5e'.repeat(20), [NEWER]));
      expect(loaded.announcePeer({ ...peer, infoHash: NEWER }), 'a hash published after the load').toMatchObject({ complete: 1 });
    } finally {
      await loaded.close();
    }
  });

  it('scrapes named torrents, and every swarm when none is named', async () => {
    // Hashes of ASCII bytes, so the decoder's string keys are exact.
    const one = await get(`${base}/scrape?info_hash=${pct(VOL)}&info_hash=${pct('3c'.repeat(20))}`);
    const files = one.body.files as Record<string, unknown>;
    expect(files[Buffer.from(VOL, 'hex').toString('latin1')]).toEqual({ complete: 1, incomplete: 1, downloaded: 0 });
    expect(files['<'.repeat(20)]).toEqual({ complete: 0, incomplete: 0, downloaded: 0 });
    expect(Object.keys((await get(`${base}/scrape`)).body.files as object)).toHaveLength(3);
    expect(reason((await get(`${base}/scrape?info_hash=x`)).body)).toBe('invalid info_hash: each must be exactly 20 bytes, percent-encoded');
  });

  it('refuses announces past the per-address rate with a failure reason, other addresses unaffected', () => {
    const limited = new CatalogueTracker({ store, logger: silentLogger, announceIntervalMs: 60_000, announcesPerMinute: 5 });
    const from = (ip: string, port: number) => limited.announcePeer({ infoHash: VOL, peerId: 'x'.repeat(20), ip, port, event: 'started', left: 0, numwant: 0 });
    for (let port = 1; port <= 5; port++) expect(from('10.9.9.9', port)).toMatchObject({ complete: port });
    expect(from('10.9.9.9', 6)).toEqual({ failure: 'too many announces from 10.9.9.9; wait 12 s and announce again' });
    expect(from('10.9.9.8', 1)).toMatchObject({ complete: 6, seedingHosts: 2 });
    expect(limited.announcesRefused).toBe(1);
    void limited.close();
  });

  it('leaves every other request to the next handler', async () => {
    expect((await fetch(`${base}/announcements`)).status).toBe(404);
    expect((await fetch(`${base}/announce`, { method: 'POST' })).status).toBe(404);
  });

  it('answers BEP 15 connect, announce (one address family) and scrape packets, and refuses untracked hashes', () => {
    const magic = Buffer.from('0000041727101980', 'hex');
    const v4: RemoteInfo = { address: '127.0.0.9', port: 9999, family: 'IPv4', size: 0 };
    const v6: RemoteInfo = { address: '2001:db8::9', port: 9999, family: 'IPv6', size: 0 };
    const head = (action: number, extra: number) => {
      const p = Buffer.alloc(16 + extra);
      magic.copy(p, 0);
      p.writeUInt32BE(action, 8);
      p.writeUInt32BE(77, 12);
      return p;
    };
    const announcePacket = (ih: string, port: number, numwant: number) => {
      const p = head(1, 82);
      Buffer.from(ih, 'hex').copy(p, 16);
      Buffer.from('-SB0001-udp-client01').copy(p, 36);
      p.writeUInt32BE(2, 80); // started
      p.writeInt32BE(numwant, 92);
      p.writeUInt16BE(port, 96);
      return p;
    };
    expect([...udpAnswer(head(0, 0), v4, tracker)!]).toEqual([0, 0, 0, 0, 0, 0, 0, 77, ...magic]);
    udpAnswer(announcePacket(VOL, 8001, 0), v6, tracker);
    const r4 = udpAnswer(announcePacket(VOL, 8002, -1), v4, tracker)!;
    expect([r4.readUInt32BE(0), r4.readUInt32BE(4), r4.readUInt32BE(8)]).toEqual([1, 77, 60]);
    expect([r4.readUInt32BE(12), r4.readUInt32BE(16)]).toEqual([1, 3]); // leechers, seeders (left=0 in these packets)
    expect((r4.length - 20) / 6).toBe(2); // the two IPv4 HTTP peers; not itself, not the IPv6 one
    const r6 = udpAnswer(announcePacket(VOL, 8001, -1), v6, tracker)!;
    expect(r6.length).toBe(20); // no other IPv6 peer
    const refused = udpAnswer(announcePacket('cc'.repeat(20), 8001, -1), v4, tracker)!;
    expect([refused.readUInt32BE(0), refused.subarray(8).toString()]).toEqual([3, `torrent ${'cc'.repeat(20)} is not in this catalogue`]);
    const s = head(2, 40);
    Buffer.from(VOL, 'hex').copy(s, 16);
    Buffer.from('cc'.repeat(20), 'hex').copy(s, 36);
    const sr = udpAnswer(s, v4, tracker)!;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => sr.readUInt32BE(i * 4))).toEqual([2, 77, 3, 0, 1, 0, 0, 0]); // seeders, completed, leechers
    expect(udpAnswer(Buffer.from('garbage that is not a tracker packet'), v4, tracker)).toBeNull();
    expect(udpAnswer(head(1, 10), v4, tracker)!.readUInt32BE(0)).toBe(3);
  });
});

// The tracker's swarm store and its reply encodings: counts through started/completed/stopped,
// TTL expiry on an injected clock, the per-swarm cap, numwant and self-exclusion, and the exact
// compact bytes of IPv4 and IPv6 peers.
import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { compactAnnounceReply, dictAnnounceReply, failureReply, scrapeReply } from '../../services/tracker-web/tracker/http-replies.ts';
import { addressBytes, compactPeer, normalizeIp } from '../../services/tracker-web/tracker/peer-address.ts';
import { AnnounceLimiter } from '../../services/tracker-web/tracker/announce-limiter.ts';
import { SwarmStore, type PeerAnnounce, type TrackerEvent } from '../../services/tracker-web/tracker/swarm-store.ts';

const IH = 'ab'.repeat(20);
const peerId = (n: number) => `-SB0001-${String(n).padStart(12, '0')}`;

function announce(ip: string, port: number, over: Partial<PeerAnnounce> = {}): PeerAnnounce {
  return { infoHash: IH, key: compactPeer(addressBytes(ip)!, port), ip, port, peerId: peerId(port), event: 'started', left: 100, numwant: 50, listPeers: true, ...over };
}

function store(now: { t: number }, maxPeersPerSwarm?: number, peersPerAddress = 1_000): SwarmStore {
  return new SwarmStore({ ttlMs: 1_000, maxPeersPerSwarm, peersPerAddress, sweepIntervalMs: 0, now: () => now.t });
}

describe('swarm store', () => {
  it('knows which hosts announced within the TTL (seeder reports count only from them)', () => {
    const now = { t: 0 };
    const s = store(now);
    s.announce(announce('10.0.0.1', 1));
    s.announce(announce('2001:db8:1:2::5', 1));
    expect(s.seenRecently('10.0.0.1')).toBe(true);
    expect(s.seenRecently('::ffff:10.0.0.1')).toBe(false); // callers normalize; the store does not guess
    expect(s.seenRecently('2001:db8:1:2::99')).toBe(true); // the same IPv6 /64
    expect(s.seenRecently('2001:db8:1:3::5')).toBe(false);
    expect(s.seenRecently('10.0.0.2')).toBe(false);
    expect(s.seenRecently('not an address')).toBe(false);
    now.t = 900;
    s.announce(announce('10.0.0.1', 1, { event: 'stopped' })); // any announce is a sign of life
    now.t = 1_500;
    expect(s.seenRecently('10.0.0.1')).toBe(true);
    expect(s.seenRecently('2001:db8:1:2::5')).toBe(false);
    s.sweep();
    expect(s.seenRecently('10.0.0.1')).toBe(true);
    now.t = 2_000;
    expect(s.seenRecently('10.0.0.1')).toBe(false);
  });

  it('moves the counts with started, completed, update and stopped', () => {
    const s = store({ t: 0 });
    const step = (port: number, event: TrackerEvent, left: number | null) => s.announce(announce('10.0.0.1', port, { event, left }));
    expect(step(1, 'started', 100)).toMatchObject({ complete: 0, incomplete: 1, downloaded: 0 });
    expect(step(2, 'started', 0)).toMatchObject({ complete: 1, incomplete: 1, downloaded: 0 });
    expect(step(1, 'completed', 0)).toMatchObject({ complete: 2, incomplete: 0, downloaded: 1 });
    expect(step(1, 'completed', 0)).toMatchObject({ complete: 2, incomplete: 0, downloaded: 1 }); // repeated: no double count
    expect(step(3, 'completed', null)).toMatchObject({ complete: 3, incomplete: 0, downloaded: 2 }); // unseen peer that completed
    expect(step(2, 'update', 5)).toMatchObject({ complete: 2, incomplete: 1 }); // a seeder that lost data
    expect(step(2, 'update', null)).toMatchObject({ complete: 2, incomplete: 1 }); // no `left`: state kept
    expect(step(1, 'stopped', 0)).toMatchObject({ complete: 1, incomplete: 1, peers: [] });
    expect(step(9, 'stopped', 0)).toMatchObject({ complete: 1, incomplete: 1 }); // unknown peer stopping: nothing changes
    expect(s.counts(IH)).toEqual({ complete: 1, incomplete: 1, downloaded: 2, seedingHosts: 1, leechingHosts: 0 });
    expect(s.peers(IH).sort((a, b) => a.port - b.port)).toEqual([
      { ip: '10.0.0.1', port: 2, complete: false },
      { ip: '10.0.0.1', port: 3, complete: true },
    ]);
    expect(s.counts('cd'.repeat(20))).toEqual({ complete: 0, incomplete: 0, downloaded: 0, seedingHosts: 0, leechingHosts: 0 });
    expect(s.infoHashes()).toEqual([IH]);
  });

  it('keys peers by ip:port, so a restarted client with a new peer id is one peer', () => {
    const s = store({ t: 0 });
    s.announce(announce('10.0.0.1', 6881, { peerId: peerId(1) }));
    expect(s.announce(announce('10.0.0.1', 6881, { peerId: peerId(2), left: 0 }))).toMatchObject({ complete: 1, incomplete: 0 });
  });

  it('drops a peer silent for longer than the TTL, lazily on read and by a sweep', () => {
    const now = { t: 0 };
    const s = store(now);
    s.announce(announce('10.0.0.1', 1));
    now.t = 500;
    s.announce(announce('10.0.0.1', 2, { left: 0 }));
    now.t = 1_000;
    expect(s.counts(IH)).toMatchObject({ complete: 1, incomplete: 1 }); // exactly at the TTL: still counts
    s.announce(announce('10.0.0.1', 1, { event: 'update' })); // re-announce renews peer 1
    now.t = 1_501;
    expect(s.counts(IH)).toMatchObject({ complete: 0, incomplete: 1 });
    expect(s.peers(IH).map((p) => p.port)).toEqual([1]);
    now.t = 2_001;
    expect(s.sweep()).toBe(1);
    expect(s.counts(IH)).toMatchObject({ complete: 0, incomplete: 0 });
  });

  it('evicts the longest-silent peer past the per-swarm cap', () => {
    const now = { t: 0 };
    const s = store(now, 3);
    for (const port of [1, 2, 3]) {
      now.t++;
      s.announce(announce('10.0.0.1', port));
    }
    now.t++;
    s.announce(announce('10.0.0.1', 1, { event: 'update', left: 0 })); // peer 1 is now the most recent
    now.t++;
    expect(s.announce(announce('10.0.0.1', 4))).toMatchObject({ complete: 1, incomplete: 2 });
    expect(s.peers(IH).map((p) => p.port).sort()).toEqual([1, 3, 4]);
  });

  it('returns at most numwant random peers, never the announcer, and one address family when asked', () => {
    const s = store({ t: 0 });
    for (let port = 1; port <= 30; port++) s.announce(announce('10.0.0.1', port, { numwant: 0 }));
    for (let port = 1; port <= 5; port++) s.announce(announce('2001:db8::1', port, { numwant: 0 }));
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const r = s.announce(announce('10.0.0.1', 7, { event: 'update', numwant: 10 }));
      expect(r.peers).toHaveLength(10);
      expect(new Set(r.peers.map((p) => p.key)).size).toBe(10);
      expect(r.peers.some((p) => p.ip === '10.0.0.1' && p.port === 7)).toBe(false);
      // The compact entries are exactly the listed peers' keys, IPv4 and IPv6 apart.
      expect(r.peers4.toString('latin1')).toBe(r.peers.filter((p) => p.key.length === 6).map((p) => p.key).join(''));
      expect(r.peers6.toString('latin1')).toBe(r.peers.filter((p) => p.key.length === 18).map((p) => p.key).join(''));
      for (const p of r.peers) if (p.ip === '10.0.0.1') seen.add(p.port);
    }
    expect(seen.size).toBeGreaterThan(20); // random, not the same ten every time
    const all = s.announce(announce('10.0.0.1', 7, { event: 'update', numwant: 200 }));
    expect(all.peers).toHaveLength(34);
    expect(s.announce(announce('10.0.0.1', 7, { event: 'update', numwant: 0 })).peers).toEqual([]);
    const v6 = s.announce(announce('2001:db8::1', 1, { event: 'update', numwant: 50, addressBytes: 16 }));
    expect(v6.peers.map((p) => p.port).sort()).toEqual([2, 3, 4, 5]);
    expect(s.announce(announce('10.0.0.1', 7, { event: 'update', numwant: 3, addressBytes: 16 })).peers).toHaveLength(3);
    expect(s.announce(announce('10.0.0.1', 7, { event: 'update', numwant: 10, listPeers: false })).peers).toEqual([]);
    const alone = new SwarmStore({ ttlMs: 1_000, sweepIntervalMs: 0 });
    expect(alone.announce(announce('10.0.0.1', 1)).peers).toEqual([]);
  });

  it('keeps compact entries and records in step through growth, removals and expiry', () => {
    const now = { t: 0 };
    const s = store(now);
    for (let port = 1; port <= 100; port++) s.announce(announce(port % 3 ? '10.0.0.1' : '2001:db8::1', port, { numwant: 0 }));
    now.t = 600;
    for (let port = 50; port <= 100; port++) s.announce(announce(port % 3 ? '10.0.0.1' : '2001:db8::1', port, { event: 'update', numwant: 0 }));
    for (let port = 1; port <= 100; port += 7) s.announce(announce(port % 3 ? '10.0.0.1' : '2001:db8::1', port, { event: 'stopped' }));
    now.t = 1_200; // the ones not renewed expire
    const r = s.announce(announce('10.0.0.2', 1, { numwant: 200 }));
    const expected = [...Array(51).keys()].map((i) => i + 50).filter((p) => (p - 1) % 7 !== 0);
    expect(r.peers.map((p) => p.port).sort((a, b) => a - b)).toEqual(expected);
    const keys = new Set(r.peers.map((p) => p.key));
    const entries = (b: Buffer, size: number) => Array.from({ length: b.length / size }, (_, i) => b.toString('latin1', i * size, (i + 1) * size));
    expect(new Set([...entries(r.peers4, 6), ...entries(r.peers6, 18)])).toEqual(keys);
  });

  it('keeps at most peersPerAddress peers of one address, replacing that address\'s oldest, never another\'s', () => {
    const now = { t: 0 };
    const s = store(now, undefined, 8);
    s.announce(announce('127.0.0.1', 6881, { left: 0 })); // the real seeder, heard first
    for (let port = 10_000; port < 35_000; port++) {
      now.t = (port - 10_000) / 100; // 25,000 announces over 250 ms of the injected clock
      s.announce(announce('127.0.0.2', port, { left: 0, numwant: 0 }));
    }
    const peers = s.peers(IH);
    expect(peers.filter((p) => p.ip === '127.0.0.2')).toHaveLength(8);
    expect(peers.filter((p) => p.ip === '127.0.0.2').map((p) => p.port).sort()).toEqual([34_992, 34_993, 34_994, 34_995, 34_996, 34_997, 34_998, 34_999]);
    expect(peers.some((p) => p.ip === '127.0.0.1' && p.port === 6881)).toBe(true);
    expect(s.counts(IH)).toMatchObject({ complete: 9, seedingHosts: 2, leechingHosts: 0 });
    // A leecher elsewhere asking for every peer gets the real seeder.
    const leecher = s.announce(announce('127.0.0.3', 7000, { numwant: 200 }));
    expect(leecher.peers.some((p) => p.ip === '127.0.0.1' && p.port === 6881)).toBe(true);
    expect(s.counts(IH)).toMatchObject({ seedingHosts: 2, leechingHosts: 1 });
    // The real seeder's stopped removes it.
    s.announce(announce('127.0.0.1', 6881, { event: 'stopped' }));
    expect(s.peers(IH).some((p) => p.ip === '127.0.0.1')).toBe(false);
    expect(s.counts(IH)).toMatchObject({ seedingHosts: 1 });
  });

  it('lets an honest NAT keep a few clients on one address, counted as one host', () => {
    const s = store({ t: 0 }, undefined, 8);
    for (const port of [6881, 6882, 6883]) s.announce(announce('198.51.100.7', port, { left: 0 }));
    s.announce(announce('198.51.100.7', 6884, { left: 10 }));
    expect(s.peers(IH)).toHaveLength(4);
    expect(s.counts(IH)).toEqual({ complete: 3, incomplete: 1, downloaded: 0, seedingHosts: 1, leechingHosts: 0 });
    s.announce(announce('198.51.100.7', 6884, { event: 'completed', left: 0 }));
    for (const port of [6881, 6882, 6883]) s.announce(announce('198.51.100.7', port, { event: 'update', left: 5 }));
    expect(s.counts(IH)).toMatchObject({ complete: 1, incomplete: 3, seedingHosts: 1, leechingHosts: 0 });
    s.announce(announce('198.51.100.7', 6884, { event: 'stopped' }));
    expect(s.counts(IH)).toMatchObject({ seedingHosts: 0, leechingHosts: 1 });
  });

  it('counts an IPv6 /64 as one host', () => {
    const s = store({ t: 0 }, undefined, 2);
    for (let i = 1; i <= 5; i++) s.announce(announce(`2001:db8:0:1::${i}`, 6881, { left: 0 }));
    s.announce(announce('2001:db8:0:2::1', 6881, { left: 0 }));
    expect(s.peers(IH)).toHaveLength(3);
    expect(s.counts(IH)).toMatchObject({ complete: 3, seedingHosts: 2 });
  });

  it('refuses nonsense options clearly', () => {
    expect(() => new SwarmStore({ ttlMs: 1, peersPerAddress: 0 })).toThrow(/peers per address must be at least 1/);
    expect(() => new SwarmStore({ ttlMs: 0 })).toThrow(/TTL must be a positive/);
    expect(() => new SwarmStore({ ttlMs: 1, maxPeersPerSwarm: 0 })).toThrow(/at least 1/);
  });
});

describe('announce limiter', () => {
  it('lets a host burst perMinute announces, then refills at perMinute, other hosts untouched', () => {
    const now = { t: 0 };
    const l = new AnnounceLimiter({ perMinute: 60, now: () => now.t });
    for (let i = 0; i < 60; i++) expect(l.take('a')).toBe(0);
    expect(l.take('a')).toBe(1_000); // one token a second
    expect(l.take('b')).toBe(0);
    now.t = 1_000;
    expect(l.take('a')).toBe(0);
    expect(l.take('a')).toBeGreaterThan(0);
    expect(l.refused).toBe(2);
    expect(new AnnounceLimiter({ perMinute: 0 }).take('a')).toBe(0);
  });
  it('remembers a bounded number of hosts, forgetting the least recently seen', () => {
    const l = new AnnounceLimiter({ perMinute: 1, maxHosts: 100, now: () => 0 });
    for (let i = 0; i < 10_000; i++) l.take(`host${i}`);
    expect(l.size).toBe(100);
    expect(l.take('host9999')).toBeGreaterThan(0); // still remembered, still limited
  });
});

describe('peer addresses', () => {
  const bytes = (s: string | null) => [...Buffer.from(s ?? '', 'latin1')];
  it('packs IPv4 peers into BEP 23 entries and IPv6 peers into BEP 7 entries, exactly', () => {
    expect(bytes(compactPeer(addressBytes('127.0.0.1')!, 6881))).toEqual([127, 0, 0, 1, 0x1a, 0xe1]);
    expect(bytes(compactPeer(addressBytes('10.255.0.7')!, 65535))).toEqual([10, 255, 0, 7, 0xff, 0xff]);
    expect(bytes(compactPeer(addressBytes('::1')!, 51413))).toEqual([...Array<number>(15).fill(0), 1, 0xc8, 0xd5]);
    expect(bytes(addressBytes('2001:db8::ff00:42:8329'))).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0x00, 0x00, 0x42, 0x83, 0x29]);
    expect(bytes(addressBytes('fe80:0:0:0:0:0:0:1'))).toEqual([0xfe, 0x80, ...Array<number>(13).fill(0), 1]);
    expect(bytes(addressBytes('::ffff:1.2.3.4'))).toEqual([...Array<number>(10).fill(0), 0xff, 0xff, 1, 2, 3, 4]);
    expect(bytes(addressBytes('1::'))).toEqual([0, 1, ...Array<number>(14).fill(0)]);
    expect(addressBytes('not-an-ip')).toBeNull();
    expect(addressBytes('1.2.3.256')).toBeNull();
  });
  it('treats IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(normalizeIp('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeIp('::ffff:abcd')).toBe('::ffff:abcd');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
  });
});

describe('HTTP tracker replies', () => {
  const s = new SwarmStore({ ttlMs: 1_000, sweepIntervalMs: 0 });
  s.announce(announce('192.0.2.1', 6881, { left: 0 }));
  s.announce(announce('2001:db8::2', 6882));
  const answer = s.announce(announce('192.0.2.9', 7000));
  type Reply = Record<string, Uint8Array | number | Array<Record<string, Uint8Array | number>>>;
  it('writes a compact reply with peers and peers6 as exact bytes', () => {
    const r = bencode.decode(compactAnnounceReply(answer, 1800)) as Reply;
    expect({ ...r, peers: [...(r.peers as Uint8Array)], peers6: [...(r.peers6 as Uint8Array)] }).toEqual({
      complete: 1,
      downloaded: 0,
      incomplete: 2,
      interval: 1800,
      peers: [192, 0, 2, 1, 0x1a, 0xe1],
      peers6: [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 2, 0x1a, 0xe2],
    });
  });
  it('writes peer dictionaries when compact=0', () => {
    const r = bencode.decode(dictAnnounceReply(answer, 60)) as Reply;
    const peers = (r.peers as Array<Record<string, Uint8Array | number>>).map((p) => ({ ip: Buffer.from(p.ip as Uint8Array).toString(), id: Buffer.from(p['peer id'] as Uint8Array).toString('latin1'), port: p.port }));
    expect(peers.sort((a, b) => Number(a.port) - Number(b.port))).toEqual([
      { ip: '192.0.2.1', id: peerId(6881), port: 6881 },
      { ip: '2001:db8::2', id: peerId(6882), port: 6882 },
    ]);
    expect(r.interval).toBe(60);
  });
  it('writes scrape and failure replies', () => {
    const a = Buffer.from('ff'.repeat(20), 'hex').toString('latin1');
    const b = Buffer.from('01'.repeat(20), 'hex').toString('latin1');
    const body = scrapeReply(new Map([[a, { complete: 1, incomplete: 2, downloaded: 3 }], [b, { complete: 0, incomplete: 0, downloaded: 0 }]]), 1800);
    expect(body.toString('latin1')).toBe(`d5:filesd20:${b}d8:completei0e10:downloadedi0e10:incompletei0ee20:${a}d8:completei1e10:downloadedi3e10:incompletei2eee5:flagsd20:min_request_intervali1800eee`);
    expect(failureReply('torrent x is not here').toString()).toBe('d14:failure reason21:torrent x is not heree');
  });
});

describe('seeders across every swarm', () => {
  it('counts a host seeding several swarms once, and lets it go when it stops seeding the last one', () => {
    const s = new SwarmStore({ ttlMs: 1_000, sweepIntervalMs: 0 });
    const ihA = 'a'.repeat(40);
    const ihB = 'b'.repeat(40);
    const seed = (infoHash: string, ip: string, port: number, event: TrackerEvent = 'started', left = 0) =>
      s.announce(announce(ip, port, { infoHash, event, left }));
    seed(ihA, '10.0.0.1', 6881);
    seed(ihB, '10.0.0.1', 6881);
    seed(ihB, '10.0.0.1', 6882);
    seed(ihA, '10.0.0.7', 6881, 'started', 100); // leeching: not a seeder
    expect(s.seedingHostsOverall()).toBe(1);
    seed(ihA, '10.0.0.7', 6881, 'completed', 0);
    expect(s.seedingHostsOverall()).toBe(2);
    seed(ihA, '10.0.0.1', 6881, 'stopped');
    expect(s.seedingHostsOverall()).toBe(2); // still seeding B
    seed(ihB, '10.0.0.1', 6881, 'stopped');
    seed(ihB, '10.0.0.1', 6882, 'stopped');
    expect(s.seedingHostsOverall()).toBe(1);
    s.close();
  });
});

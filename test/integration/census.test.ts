// The census against real peers on loopback: webtorrent seeders (complete, altered on disk
// after start, partial) dialled on distinct loopback addresses, fake hostile peers built on
// bittorrent-protocol, and the copy counting that turns audit results into copies per file.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import { FOUR_FILE_PIECE_LENGTH as PIECE_LENGTH, FOUR_FILES as FILES, makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';
import {
  auditPeer, copiesPerFile, mergeCopies, networkOf, normalizeHost, pieceRangeForFile, runCensus,
  type AuditTarget, type PeerAuditResult,
} from '../../services/tracker-web/census/index.ts';
import { startFakePeer, type FakeBehaviour, type FakePeer } from '../helpers/peers/fake-peer.ts';
import { startSeeder, type Seeder } from '../helpers/peers/webtorrent-seeder.ts';

/** FOUR_FILES span 7 pieces. */
const PIECES = 7;
/** Hostile peers get this; honest loopback peers answer in milliseconds. */
const SHORT_AUDIT_MS = 3_000;
/** What a hung peer may add on top of its audit budget before we call it a stall. */
const SLACK_MS = 2_000;
const MAX_AGE_MS = 60 * 60 * 1000;

let work: string;
let torrent: Buffer;
let parsed: ParsedVolumeTorrent;
let target: AuditTarget;
let content: Buffer;
let fixture: VolumeFixture;
const writeTree = (dir: string, omit: string[] = []) => fixture.writeTree(dir, omit);
const corruptEveryPiece = (dir: string) => fixture.corruptEveryPiece(dir);
const seeders: Seeder[] = [];
const fakes: FakePeer[] = [];

/** Writes the volume's files under `<dir>/commons/`, skipping `omit`. */


async function seed(name: string, omit: string[] = []): Promise<{ seeder: Seeder; dir: string }> {
  const dir = path.join(work, name);
  await writeTree(dir, omit);
  const seeder = await startSeeder({ torrent, dir });
  seeders.push(seeder);
  return { seeder, dir };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function fake(behaviour: FakeBehaviour, extra: { fast?: boolean; host?: string; onConnection?: () => void } = {}): Promise<FakePeer> {
  const peer = await startFakePeer({ infoHash: parsed.infoHash, pieceLength: PIECE_LENGTH, data: content, behaviour, ...extra });
  fakes.push(peer);
  return peer;
}

/** A port nobody listens on: bind, note it, release it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-census-'));
  fixture = await makeVolumeFixture(work, FILES, PIECE_LENGTH);
  ({ content, torrent, parsed } = fixture);
  target = { infoHash: parsed.infoHash, pieceLength: parsed.pieceLength, totalBytes: parsed.totalBytes, pieces: parsed.pieces };
  expect(parsed.pieces.length / 20).toBe(PIECES);
});

afterAll(async () => {
  await Promise.allSettled([...seeders.map((s) => s.close()), ...fakes.map((f) => f.close())]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('census of real webtorrent seeders on loopback', () => {
  // webtorrent listens on every interface and cannot bind one address, so each seeder has its
  // own port and a "host" is the loopback address the census dials it on.
  let results: PeerAuditResult[];
  const at = (host: string, port: number) => results.find((r) => r.host === host && r.port === port)!;
  let a: Seeder, b: Seeder, c: Seeder, bad: Seeder, partial: Seeder;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([seed('a'), seed('b'), seed('c')]).then((s) => s.map((x) => x.seeder));
    const altered = await seed('bad');
    bad = altered.seeder;
    await corruptEveryPiece(altered.dir); // after webtorrent verified it: it now serves wrong bytes
    partial = (await seed('partial', ['d/de/Delta.jpg'])).seeder;
    expect(partial.progress).toBeCloseTo((5 * PIECE_LENGTH) / parsed.totalBytes, 5); // webtorrent counts bytes
    results = await runCensus([{
      target,
      peers: [
        { host: '127.0.0.2', port: a.port },
        { host: '127.0.0.2', port: b.port }, // a second seeder on the same host
        { host: '127.0.0.3', port: c.port },
        { host: '127.0.0.4', port: bad.port },
        { host: '127.0.0.5', port: partial.port },
      ],
    }]);
  });

  it('finds the complete seeders complete and their audited piece correct', () => {
    for (const [host, port] of [['127.0.0.2', a.port], ['127.0.0.2', b.port], ['127.0.0.3', c.port]] as const) {
      const r = at(host, port);
      expect(r, JSON.stringify(r)).toMatchObject({ reachable: true, complete: true, havePieces: PIECES, infoHash: parsed.infoHash });
      expect(r.audited?.ok, r.error).toBe(true);
      expect(r.error).toBeUndefined();
      expect(r.bitfield).toEqual(Buffer.from([0xfe]));
    }
  });

  it('fails a seeder whose files changed on disk after it verified them', () => {
    const r = at('127.0.0.4', bad.port);
    expect(r).toMatchObject({ reachable: true, complete: true });
    expect(r.audited?.ok).toBe(false);
    expect(r.error).toMatch(/does not match its hash/);
  });

  it('reads a partial seeder\'s bitfield and audits one of the pieces it has', () => {
    const r = at('127.0.0.5', partial.port);
    expect(r).toMatchObject({ reachable: true, complete: false, havePieces: 5 });
    expect(r.bitfield).toEqual(Buffer.from([0xf8]));
    expect(r.audited?.ok).toBe(true);
    expect(r.audited!.piece).toBeLessThan(5);
  });

  it('counts each host once, flags the altered seeder, and credits the partial one only for whole files', () => {
    const copies = copiesPerFile(parsed, results, { now: Date.now(), maxAgeMs: MAX_AGE_MS });
    const byPath = Object.fromEntries(copies.map((c) => [c.path, c]));
    expect(byPath['a/ab/Alpha.jpg']!.hosts).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.5']);
    expect(byPath['b/bc/Beta.jpg']!.hosts).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.5']);
    expect(byPath['c/cd/Gamma.jpg']!.hosts).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(byPath['d/de/Delta.jpg']!.hosts).toEqual(['127.0.0.2', '127.0.0.3']);
    for (const c of copies) {
      expect(c.flagged).toEqual(['127.0.0.4']);
      expect(c.networks).toEqual(['127.0.0.0/24']);
    }
  });
});

describe('auditPeer against broken and hostile peers', () => {
  it('reports a port with nothing listening as unreachable, at once', async () => {
    const r = await auditPeer({ host: '127.0.0.1', port: await closedPort() }, target);
    expect(r).toMatchObject({ reachable: false, audited: null, havePieces: 0, bitfield: null });
    expect(r.error).toMatch(/ECONNREFUSED/);
    expect(r.ms).toBeLessThan(1_000);
    const bad = await auditPeer({ host: '127.0.0.1', port: 70_000 }, target);
    expect(bad).toMatchObject({ reachable: false, error: 'port 70000 is not a TCP port' });
  });

  const cases: Array<{ behaviour: FakeBehaviour; fast?: boolean; verdict: boolean | null; error: RegExp | null }> = [
    { behaviour: 'honest', verdict: true, error: null },
    { behaviour: 'honest', fast: true, verdict: true, error: null },
    { behaviour: 'haves-only', verdict: true, error: null },
    { behaviour: 'wrong-info-hash', verdict: null, error: /answered for info hash/ },
    { behaviour: 'garbage-bitfield', verdict: null, error: /bitfield message of \d+ bytes/ },
    { behaviour: 'spare-bits', verdict: null, error: /spare bits/ },
    { behaviour: 'have-beyond', verdict: null, error: /announced piece 12; the torrent has 7/ },
    { behaviour: 'never-unchoke', verdict: null, error: /timed out waiting for an unchoke/ },
    { behaviour: 'wrong-block', verdict: false, error: /bytes for the \d+-byte block/ },
    { behaviour: 'corrupt-block', verdict: false, error: /does not match its hash/ },
    { behaviour: 'stall-blocks', verdict: null, error: /timed out waiting for all blocks of piece/ },
    { behaviour: 'huge-message', verdict: null, error: /announced a 2147483647-byte message/ },
    // Would freeze the process in bittorrent-protocol's bencode decoder; the guard drops it.
    { behaviour: 'poison-extended', verdict: true, error: null },
    { behaviour: 'silent', verdict: null, error: /timed out waiting for the handshake/ },
    { behaviour: 'not-bittorrent', verdict: null, error: /does not speak the BitTorrent protocol/ },
  ];

  it('returns a result for every kind of misbehaviour, within the timeout, and only a correct piece passes', async () => {
    const peers = await Promise.all(cases.map((c) => fake(c.behaviour, { fast: c.fast })));
    const started = performance.now();
    // All on one address: lift the per-host budget so the hung ones cannot strike the others out.
    const results = await runCensus([{ target, peers: peers.map((p) => ({ host: p.host, port: p.port })) }], { timeoutMs: SHORT_AUDIT_MS, maxPerHost: cases.length, hostStrikes: cases.length });
    expect(performance.now() - started).toBeLessThan(SHORT_AUDIT_MS + SLACK_MS);
    cases.forEach((c, i) => {
      const r = results[i]!;
      const label = `${c.behaviour}${c.fast ? ' (fast)' : ''}: ${JSON.stringify({ ...r, bitfield: r.bitfield?.toString('hex') })}`;
      expect(r.reachable, label).toBe(true);
      expect(r.audited?.ok ?? null, label).toBe(c.verdict);
      if (c.error) expect(r.error, label).toMatch(c.error);
      else expect(r.error, label).toBeUndefined();
      expect(r.ms, label).toBeLessThan(SHORT_AUDIT_MS + SLACK_MS);
    });
  });

  it('does not let hung peers stall the census: they hold a socket of their host, not a transfer slot', async () => {
    const TIMEOUT_MS = 1_000;
    // Hung peers each on an address of its own (a silent address gets one probe); honest ones on 127.0.0.1.
    const silent = await Promise.all(Array.from({ length: 4 }, (_, i) => fake('silent', { host: `127.0.0.${6 + i}` })));
    const honest = await Promise.all(Array.from({ length: 6 }, () => fake('honest')));
    const order: string[] = [];
    const started = performance.now();
    const results = await runCensus([{ target, peers: [...silent, ...honest].map((p) => ({ host: p.host, port: p.port })) }], {
      concurrency: 2, handshakeTimeoutMs: TIMEOUT_MS, onResult: (r) => order.push(r.error ? 'silent' : 'honest'),
    });
    const elapsed = performance.now() - started;
    // The six honest peers finish while the hung ones wait; one handshake timeout bounds the round.
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    expect(order).toEqual([...Array(6).fill('honest'), ...Array(4).fill('silent')]);
    expect(results.slice(4).every((r) => r.audited?.ok)).toBe(true);
    expect(results.slice(0, 4).every((r) => /timed out waiting for the handshake/.test(r.error ?? ''))).toBe(true);
    expect(honest.every((p) => p.connections === 1)).toBe(true);
  });

  it('stops on abort, closing what it opened', async () => {
    let connected!: () => void;
    const allConnected = new Promise<void>((resolve) => { connected = resolve; });
    let accepted = 0;
    const silent = await Promise.all(Array.from({ length: 3 }, (_, i) => fake('silent', {
      host: `127.0.0.${6 + i}`,
      onConnection: () => { if (++accepted === 3) connected(); },
    })));
    const controller = new AbortController();
    const census = runCensus([{ target, peers: silent.map((p) => ({ host: p.host, port: p.port })) }], {
      signal: controller.signal,
      onResult: () => undefined,
    });
    await withTimeout(allConnected, SHORT_AUDIT_MS, 'the census to connect to three silent peers');
    controller.abort(new Error('test abort'));
    await expect(census).rejects.toThrow('test abort');
    await withTimeout(Promise.all(silent.map((p) => p.idle())), SHORT_AUDIT_MS, 'the census to close its connections');
  });
});

describe('copy counting (pure functions)', () => {
  const at = Date.now();
  const volume = {
    infoHash: 'ab'.repeat(20),
    pieceLength: 100,
    files: [
      { path: 'a/ab/One.jpg', offset: 0, length: 150, sha1Hex: '11'.repeat(20) }, // pieces 0-1
      { path: 'b/bc/Empty.txt', offset: 150, length: 0, sha1Hex: 'da39a3ee5e6b4b0d3255bfef95601890afd80709' },
      { path: 'c/cd/Two.jpg', offset: 150, length: 250, sha1Hex: '22'.repeat(20) }, // pieces 1-3
    ],
  };
  const result = (host: string, port: number, bits: number, ok: boolean | null, when = at): PeerAuditResult => ({
    host, port, infoHash: volume.infoHash, reachable: true, havePieces: 0, complete: false, bitfield: Buffer.from([bits]),
    audited: ok === null ? null : { piece: 0, ok, ms: 1 }, ms: 1, at: when,
  });
  const window = { now: at, maxAgeMs: 1_000 };

  it('maps files to piece ranges, zero-length files to an empty range', () => {
    expect(pieceRangeForFile({ offset: 0, length: 150 }, 100)).toEqual({ first: 0, last: 1, count: 2 });
    expect(pieceRangeForFile({ offset: 100, length: 100 }, 100)).toEqual({ first: 1, last: 1, count: 1 });
    expect(pieceRangeForFile({ offset: 199, length: 2 }, 100)).toEqual({ first: 1, last: 2, count: 2 });
    expect(pieceRangeForFile({ offset: 150, length: 0 }, 100)).toEqual({ first: 1, last: 0, count: 0 });
    expect(() => pieceRangeForFile({ offset: -1, length: 1 }, 100)).toThrow(/non-negative/);
    expect(() => pieceRangeForFile({ offset: 0, length: 1 }, 0)).toThrow(/piece length/);
  });

  it('groups addresses into /24 and /48 networks, IPv4-mapped IPv6 as IPv4', () => {
    expect(networkOf('192.0.2.17')).toBe('192.0.2.0/24');
    expect(networkOf('::ffff:192.0.2.17')).toBe('192.0.2.0/24');
    expect(networkOf('::FFFF:c000:0211')).toBe('192.0.2.0/24');
    expect(networkOf('2001:db8:1234:5678::1')).toBe('2001:db8:1234::/48');
    expect(networkOf('[2001:0db8:0000:ffff:0:0:0:1]')).toBe('2001:db8::/48');
    expect(networkOf('fe80::1%eth0')).toBe('fe80::/48');
    expect(normalizeHost('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeHost('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeHost('[::1]')).toBe('::1');
  });

  it('counts a host once, unions its passing peers, ignores stale and unaudited results, and flags failures', () => {
    const results = [
      result('10.0.0.1', 1, 0b1100_0000, true), // pieces 0-1: One only
      result('10.0.0.1', 2, 0b0011_0000, true), // same host, pieces 2-3: with port 1, Two as well
      result('::ffff:10.0.0.2', 1, 0b1111_0000, true), // everything, spelled as mapped IPv6
      result('10.0.0.2', 2, 0b1111_0000, true), // same host again
      result('10.0.1.9', 1, 0b1111_0000, true, at - 5_000), // too old
      result('10.0.2.1', 1, 0b1111_0000, null), // reachable, never audited
      result('10.0.3.1', 1, 0b1111_0000, true, at - 500), // passed, then failed: the failure wins
      result('10.0.3.1', 1, 0b1111_0000, false, at - 100),
      result('2001:db8:1::7', 1, 0b1110_0000, true), // pieces 0-2: One only
      { ...result('10.0.4.1', 1, 0b1111_0000, true), infoHash: 'cd'.repeat(20) }, // another volume
    ];
    const copies = copiesPerFile(volume, results, window);
    expect(copies.map((c) => [c.path, c.hosts, c.networks, c.flagged])).toEqual([
      ['a/ab/One.jpg', ['10.0.0.1', '10.0.0.2', '2001:db8:1::7'], ['10.0.0.0/24', '2001:db8:1::/48'], ['10.0.3.1']],
      ['b/bc/Empty.txt', ['10.0.0.1', '10.0.0.2', '2001:db8:1::7'], ['10.0.0.0/24', '2001:db8:1::/48'], ['10.0.3.1']],
      ['c/cd/Two.jpg', ['10.0.0.1', '10.0.0.2'], ['10.0.0.0/24'], ['10.0.3.1']],
    ]);
    expect(copies[0]!.sha1).toBe('11'.repeat(20));
  });

  it('adds copies of the same bytes across volumes: union of hosts per SHA-1', () => {
    const v2 = { ...volume, infoHash: 'cd'.repeat(20), files: [{ path: 'a/ab/One (renamed).jpg', offset: 0, length: 150, sha1Hex: '11'.repeat(20) }] };
    const first = copiesPerFile(volume, [result('10.0.0.1', 1, 0b1100_0000, true)], window);
    const second = copiesPerFile(v2, [
      { ...result('10.0.0.1', 9, 0b1100_0000, true), infoHash: v2.infoHash }, // same host, other set: still one
      { ...result('10.9.0.1', 1, 0b1100_0000, true), infoHash: v2.infoHash }, // another host: two
    ], window);
    const merged = mergeCopies(first, second);
    const one = merged.find((m) => m.sha1 === '11'.repeat(20))!;
    expect(one.hosts).toEqual(['10.0.0.1', '10.9.0.1']);
    expect(one.networks).toEqual(['10.0.0.0/24', '10.9.0.0/24']);
    expect(one.locations).toEqual([
      { infoHash: volume.infoHash, path: 'a/ab/One.jpg' },
      { infoHash: v2.infoHash, path: 'a/ab/One (renamed).jpg' },
    ]);
    expect(merged.find((m) => m.sha1 === '22'.repeat(20))!.hosts).toEqual([]);
  });
});

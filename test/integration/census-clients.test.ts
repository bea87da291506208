// The census against a stock BitTorrent client an institution might already run (issue 11,
// section 1): transmission-daemon, python3-libtorrent, qbittorrent-nox and rtorrent. Each one
// is counted as a copy, and dropped once its files change on disk. transmission-daemon seeding a volume on 127.0.0.1 (DHT, LPD, PEX, uTP and port
// mapping off) is counted as a copy round after round, whatever the timing of its choker and
// however it treats quick reconnects, then failed once its files change on disk, and dropped
// once it rechecks them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import { makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';
import { copiesPerFile, HostBackoff, keepsVerdict, runCensus, type AuditTarget, type PeerAuditResult } from '../../services/tracker-web/census/index.ts';
import { startLibtorrentSeeder, type LibtorrentSeeder } from '../helpers/peers/other-clients.ts';
import { startQbittorrent, type Qbittorrent } from '../helpers/peers/qbittorrent.ts';
import { isRtorrentSeeding, startRtorrent, type Rtorrent } from '../helpers/peers/rtorrent.ts';
import { retargetTorrent } from '../helpers/peers/torrent-copy.ts';
import { startTestTracker, type TestTracker } from '../helpers/peers/tracker.ts';
import { isSeeding, startTransmission, type Transmission } from '../helpers/peers/transmission.ts';

const PIECE_LENGTH = 32 * 1024;
const FILES = [
  { path: 'a/ab/First_file.jpg', length: 100_000 },
  { path: 'c/cd/Second_file.jpg', length: 90_000 },
];
/** Verifying 190 kB and opening the listener. */
const SEED_READY_MS = 30_000;
/** Back-to-back rounds: Transmission drops a quick reconnect from the same address. */
const ROUNDS = 3;
const ROUND_LIMIT_MS = 60_000;
const MAX_AGE_MS = 60 * 60 * 1000;

let work: string;
let content: Buffer;
let fixture: VolumeFixture;
const writeTree = (dir: string, omit: string[] = []) => fixture.writeTree(dir, omit);
const corruptEveryPiece = (dir: string) => fixture.corruptEveryPiece(dir);
let torrent: Buffer;
let parsed: ParsedVolumeTorrent;
let target: AuditTarget;
let transmission: Transmission | null = null;
let libtorrent: LibtorrentSeeder | null = null;
let qbittorrent: Qbittorrent | null = null;
let rtorrent: Rtorrent | null = null;
let tracker: TestTracker | null = null;



beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-census-clients-'));
  fixture = await makeVolumeFixture(work, FILES, PIECE_LENGTH);
  ({ content, torrent, parsed } = fixture);
  target = { infoHash: parsed.infoHash, pieceLength: parsed.pieceLength, totalBytes: parsed.totalBytes, pieces: parsed.pieces };
});

afterAll(async () => {
  await transmission?.close();
  await libtorrent?.close();
  await qbittorrent?.stop();
  await rtorrent?.stop();
  await tracker?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('census of a transmission-daemon seeder', () => {
  let dataDir: string;
  let id: number;
  /** The standing verdict, kept as the catalogue's census runner keeps it. */
  let standing: PeerAuditResult | undefined;
  const record = (r: PeerAuditResult) => {
    if (!keepsVerdict(standing, r)) standing = r;
  };
  const copies = () => copiesPerFile(parsed, standing ? [standing] : [], { now: Date.now(), maxAgeMs: MAX_AGE_MS });
  const peer = () => ({ host: '127.0.0.1', port: transmission!.peerPort });
  const show = (r: PeerAuditResult | undefined) => JSON.stringify({ ...r, bitfield: r?.bitfield?.toString('hex') });

  beforeAll(async () => {
    dataDir = path.join(work, 'transmission-data');
    await writeTree(dataDir);
    transmission = await startTransmission(path.join(work, 'transmission-config'));
    id = await transmission.add(torrent, dataDir);
    await transmission.waitFor(id, 'the torrent to be verified and seeding', isSeeding, SEED_READY_MS);
  }, SEED_READY_MS + 10_000);

  it(`counts it as a copy in ${ROUNDS} back-to-back rounds`, async () => {
    const backoff = new HostBackoff();
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const [r] = await runCensus([{ target, peers: [peer()] }], { backoff, signal: AbortSignal.timeout(ROUND_LIMIT_MS) });
      times.push(performance.now() - started);
      expect(r, show(r)).toMatchObject({ reachable: true, complete: true });
      expect(r!.audited?.ok, r!.error).toBe(true);
      record(r!);
    }
    console.log(`census time to count transmission-daemon: ${times.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')}`);
    for (const c of copies()) expect(c.hosts, c.path).toEqual(['127.0.0.1']);
  }, ROUNDS * ROUND_LIMIT_MS);

  it('fails it once its files change on disk, and drops it once it rechecks them', async () => {
    await corruptEveryPiece(dataDir);
    const [bad] = await runCensus([{ target, peers: [peer()] }], { signal: AbortSignal.timeout(ROUND_LIMIT_MS) });
    // Transmission rechecks a piece whose file changed since it verified it before serving it
    // and hangs up when it fails; had it served the bytes, the census's own hash check fails it.
    if (bad!.audited) expect(bad!.error, show(bad)).toMatch(/does not match its hash/);
    else expect(bad!.failure, show(bad)).toEqual({ kind: 'closed', phase: 'transfer' });
    record(bad!);
    for (const c of copies()) expect(c.hosts, c.path).toEqual([]);

    // Told to recheck, Transmission finds every piece wrong and stops claiming them.
    const checked = await transmission!.verify(id, SEED_READY_MS);
    expect(checked.percentDone).toBe(0);
    const [after] = await runCensus([{ target, peers: [peer()] }], { signal: AbortSignal.timeout(ROUND_LIMIT_MS) });
    expect(after!.havePieces, show(after)).toBe(0);
    expect(after!.audited).toBeNull();
    record(after!);
    for (const c of copies()) expect(c.hosts, c.path).toEqual([]);
  }, 3 * ROUND_LIMIT_MS);
});

describe('census of a python3-libtorrent seeder', () => {
  let dataDir: string;
  const peer = () => ({ host: '127.0.0.1', port: libtorrent!.port });

  beforeAll(async () => {
    dataDir = path.join(work, 'libtorrent-data');
    await writeTree(dataDir);
    const torrentFile = path.join(work, 'volume.torrent');
    await writeFile(torrentFile, torrent);
    libtorrent = await startLibtorrentSeeder(torrentFile, dataDir);
  }, SEED_READY_MS + 10_000);

  it('counts it as a copy, then fails it once its files change on disk', async () => {
    const started = performance.now();
    const [r] = await runCensus([{ target, peers: [peer()] }], { signal: AbortSignal.timeout(ROUND_LIMIT_MS) });
    console.log(`census time to count python3-libtorrent: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    expect(r!.audited?.ok, r!.error).toBe(true);
    expect(copiesPerFile(parsed, [r!], { now: Date.now(), maxAgeMs: MAX_AGE_MS }).map((c) => c.hosts)).toEqual(FILES.map(() => ['127.0.0.1']));

    await corruptEveryPiece(dataDir);
    const [bad] = await runCensus([{ target, peers: [peer()] }], { signal: AbortSignal.timeout(ROUND_LIMIT_MS) });
    // libtorrent serves what is on disk (it may also notice nothing); either way it is not a copy any more.
    const standing = keepsVerdict(r, bad!) ? r! : bad!;
    expect(standing.audited?.ok ?? null, JSON.stringify({ ...bad, bitfield: undefined })).not.toBe(true);
    for (const c of copiesPerFile(parsed, [standing], { now: Date.now(), maxAgeMs: MAX_AGE_MS })) expect(c.hosts, c.path).toEqual([]);
  }, 3 * ROUND_LIMIT_MS);
});

/**
 * One census round against a peer that should be a copy: passes, counts on every file, and
 * prints the time it took under `name`.
 */
async function expectCounted(name: string, peer: { host: string; port: number }): Promise<PeerAuditResult> {
  const started = performance.now();
  const [r] = await runCensus([{ target, peers: [peer] }], { signal: AbortSignal.timeout(ROUND_LIMIT_MS) });
  console.log(`census time to count ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  expect(r, JSON.stringify({ ...r, bitfield: undefined })).toMatchObject({ reachable: true, complete: true });
  expect(r!.audited?.ok, r!.error).toBe(true);
  expect(copiesPerFile(parsed, [r!], { now: Date.now(), maxAgeMs: MAX_AGE_MS }).map((c) => c.hosts)).toEqual(FILES.map(() => ['127.0.0.1']));
  return r!;
}

/**
 * After corruption on disk: a round fails the peer or leaves the standing verdict not a copy
 * (a client serves what is on disk, or hangs up); once the client has rechecked, it claims
 * nothing and no file counts it.
 */
async function expectDropped(good: PeerAuditResult, peer: { host: string; port: number }, recheck: () => Promise<void>): Promise<void> {
  const [bad] = await runCensus([{ target, peers: [peer] }], { signal: AbortSignal.timeout(ROUND_LIMIT_MS) });
  const standing = keepsVerdict(good, bad!) ? good : bad!;
  expect(standing.audited?.ok ?? null, JSON.stringify({ ...bad, bitfield: undefined })).not.toBe(true);
  for (const c of copiesPerFile(parsed, [standing], { now: Date.now(), maxAgeMs: MAX_AGE_MS })) expect(c.hosts, c.path).toEqual([]);

  await recheck();
  const [after] = await runCensus([{ target, peers: [peer] }], { signal: AbortSignal.timeout(ROUND_LIMIT_MS) });
  expect(after!.havePieces ?? 0, JSON.stringify({ ...after, bitfield: undefined })).toBe(0);
  expect(after!.audited ?? null).toBeNull();
  const last = keepsVerdict(standing, after!) ? standing : after!;
  for (const c of copiesPerFile(parsed, [last], { now: Date.now(), maxAgeMs: MAX_AGE_MS })) expect(c.hosts, c.path).toEqual([]);
}

describe('census of a qbittorrent-nox seeder', () => {
  let dataDir: string;
  const peer = () => ({ host: '127.0.0.1', port: qbittorrent!.port });

  beforeAll(async () => {
    dataDir = path.join(work, 'qbittorrent-data');
    await writeTree(dataDir);
    qbittorrent = await startQbittorrent(path.join(work, 'qbittorrent-profile'));
    expect(await qbittorrent.privacy()).toMatchObject({ dht: false, pex: false, lsd: false, upnp: false, interfaceAddress: '127.0.0.1' });
    await qbittorrent.addTorrent(torrent, dataDir);
    await qbittorrent.whenComplete(parsed.infoHash, SEED_READY_MS);
  }, SEED_READY_MS + 40_000);

  it('counts it as a copy, fails it once its files change on disk, and drops it after a forced recheck', async () => {
    const good = await expectCounted('qbittorrent-nox', peer());
    await corruptEveryPiece(dataDir);
    await expectDropped(good, peer(), async () => {
      const checked = await qbittorrent!.recheck(parsed.infoHash, SEED_READY_MS);
      expect(checked.progress).toBe(0);
    });
  }, 4 * ROUND_LIMIT_MS);
});

describe('census of an rtorrent seeder', () => {
  let dataDir: string;
  let hash: string;
  const peer = () => ({ host: '127.0.0.1', port: rtorrent!.port });

  beforeAll(async () => {
    dataDir = path.join(work, 'rtorrent-data');
    await writeTree(dataDir);
    // rtorrent refuses a torrent without a tracker ("Could not find any trackers"), and DHT is off
    // here: it gets the volume with a loopback tracker added (outside the info dict, same info hash).
    tracker = await startTestTracker();
    const torrentFile = path.join(work, 'rtorrent-volume.torrent');
    await writeFile(torrentFile, retargetTorrent(torrent, { announce: [tracker.announceUrl] }));
    rtorrent = await startRtorrent(path.join(work, 'rtorrent-home'));
    hash = await rtorrent.add(torrentFile, dataDir);
    expect(hash.toLowerCase()).toBe(parsed.infoHash);
    await rtorrent.waitFor(hash, 'the download to be checked and seeding', isRtorrentSeeding, SEED_READY_MS);
  }, SEED_READY_MS + 40_000);

  it('counts it as a copy, fails it once its files change on disk, and drops it after a hash check', async () => {
    const good = await expectCounted('rtorrent', peer());
    await corruptEveryPiece(dataDir);
    await expectDropped(good, peer(), async () => {
      const checked = await rtorrent!.recheck(hash, SEED_READY_MS);
      expect(checked.completedChunks).toBe(0);
    });
  }, 4 * ROUND_LIMIT_MS);
});

// The seeder's core against real parts on loopback: a real MediaWiki as web seed, a real
// bittorrent-tracker, our seeders in-process and as processes, aria2c and python3-libtorrent.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, open, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet, type BuildResult } from '../../services/set-builder/build.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import type { Manifest } from '../../shared/formats/manifest.ts';
import { createVolumeTorrent, parseVolumeTorrent } from '../../shared/torrent/index.ts';
import { isSeedbankError } from '../../shared/errors.ts';
import { formatSize } from '../../shared/units.ts';
import { Seeder, startHttpMirror, type HttpMirror, type SeederOptions, type ServedRequest } from '../../clients/seeder/index.ts';
import { startChildSeeder, type ChildSeeder } from '../helpers/peers/child-seeder.ts';
import { sendPoisonedHandshake } from '../helpers/peers/hostile-peer.ts';
import { aria2Download, libtorrentDownload, startLibtorrentSeeder, type LibtorrentSeeder } from '../helpers/peers/other-clients.ts';
import { retargetTorrent } from '../helpers/peers/torrent-copy.ts';
import { startTestTracker, type TestTracker } from '../helpers/peers/tracker.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { runCli, waitFor } from '../helpers/run-cli.ts';
import { watchStatus } from '../helpers/peers/status-watch.ts';
import { listeningSockets } from '../helpers/peers/listening-sockets.ts';
import { story } from '../helpers/story.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';

const DOWNLOAD_TIMEOUT_MS = 30_000;
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

let wiki: Wiki;
let tracker: TestTracker;
let work: string;
let build: BuildResult;
let manifest: Manifest;
const seeders: Seeder[] = [];
const closers: (() => Promise<unknown>)[] = [];

async function openSeeder(name: string, o: Partial<SeederOptions> = {}): Promise<Seeder> {
  const s = await Seeder.open({ storage: path.join(work, name), quotaBytes: 1e9, ...o });
  seeders.push(s);
  return s;
}
const torrentOf = (infoHash: string) => readFile(path.join(build.dir, 'volumes', `${infoHash}.torrent`));
const bigVolume = () => [...manifest.volumes].sort((a, b) => b.size - a.size)[0]!;
const filesOf = (infoHash: string) => manifest.files.filter((f) => f.volume === infoHash);
async function expectFilesMatch(storage: string, files = manifest.files): Promise<void> {
  for (const f of files) expect(sha1(await readFile(path.join(storage, 'commons', ...f.path.split('/')))), f.title).toBe(f.sha1);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-seeder-'));
  [wiki, tracker] = await Promise.all([startWiki({ name: 'seeder', logRequests: true }), startTestTracker()]);
  await fillWiki(wiki, { bigFiles: 1, bulkCount: 40 });
  build = await buildSet({
    recipe: parseRecipe({ id: 'paris', title: 'Paris (seeder test)', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Paris', depth: 3 }] }, volumeSizeLimit: '1MB', pieceLength: '32KiB' }),
    dataDir: path.join(work, 'data'),
    maxBytesPerSecond: 0,
    trackers: [tracker.announceUrl],
  });
  manifest = build.manifest;
});

afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  for (const s of seeders) await s.close().catch(() => undefined);
  await tracker?.close();
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('downloading and seeding', () => {
  // The first seeder, filled from the web seed by the first step, is the source the later steps use.
  let first: Seeder;
  const step = story();

  step('first', 'downloads every volume from the web seed alone into one Commons tree, byte for byte, in merged range requests', [], async () => {
    await wiki.clearRequests();
    first = await openSeeder('first');
    for (const v of manifest.volumes) await first.addVolume(await torrentOf(v.infoHash));
    for (const v of manifest.volumes) await first.whenComplete(v.infoHash, DOWNLOAD_TIMEOUT_MS);
    await expectFilesMatch(first.storage);
    const requests = await wiki.mediaRequests();
    const big = filesOf(bigVolume().infoHash)[0]!;
    const bigRequests = requests.filter((r) => r.path.endsWith(`/${big.path}`));
    expect(bigRequests.length, 'the big file in fewer requests than pieces').toBeLessThan(bigVolume().pieces / 4);
    expect(requests.every((r) => r.status === 206)).toBe(true);
    expect(first.webSeedPeakConnections(new URL(wiki.uploadBaseUrl).host)).toBe(2);
    expect(manifest.files.some((f) => /[&']/.test(f.path))).toBe(true);
    expect(first.volumes().every((v) => v.activity === 'seeding' && v.progress === 1)).toBe(true);
  });

  step('second', 'a second seeder downloads everything from the first over BitTorrent with web seeds off', ['first'], async () => {
    const second = await openSeeder('second', { webSeeds: false });
    for (const v of manifest.volumes) await second.addVolume(await torrentOf(v.infoHash));
    for (const v of manifest.volumes) await second.whenComplete(v.infoHash, DOWNLOAD_TIMEOUT_MS);
    await expectFilesMatch(second.storage);
    expect(second.volumes().reduce((s, v) => s + v.webSeedBytes, 0)).toBe(0);
    expect(first.volumes().reduce((s, v) => s + v.uploadedBytes, 0)).toBeGreaterThan(bigVolume().size / 2);
  });

  step('aria2c', 'aria2c downloads a volume from our seeders alone (no url-list)', ['first'], async () => {
    const file = path.join(work, 'aria2.torrent');
    await writeFile(file, retargetTorrent(await torrentOf(bigVolume().infoHash), { urlList: [] }));
    const dir = path.join(work, 'aria2');
    await aria2Download(file, dir, DOWNLOAD_TIMEOUT_MS);
    const f = filesOf(bigVolume().infoHash)[0]!;
    expect(sha1(await readFile(path.join(dir, 'commons', ...f.path.split('/'))))).toBe(f.sha1);
  });

  step('libtorrent', 'serves a completed volume from its seed server: python3-libtorrent downloads it encrypted (MSE forced) and by magnet link', ['first'], async () => {
    const v = bigVolume();
    expect(first.volumes().find((x) => x.infoHash === v.infoHash)).toMatchObject({ activity: 'seeding', engine: 'seed-server' });
    const file = path.join(work, 'lt-enc.torrent');
    await writeFile(file, retargetTorrent(await torrentOf(v.infoHash), { urlList: [], announce: [] }));
    const peer = `127.0.0.1:${first.port}`;
    const encrypted = await libtorrentDownload(file, path.join(work, 'lt-enc'), peer, 'forced', DOWNLOAD_TIMEOUT_MS);
    expect(encrypted, 'libtorrent with encryption forced').toMatchObject({ seeding: true, progress: 1 });
    await expectFilesMatch(path.join(work, 'lt-enc'), filesOf(v.infoHash));
    // No .torrent: the info dictionary comes from our seed server (BEP 9), then the data.
    const byMagnet = await libtorrentDownload(`magnet:?xt=urn:btih:${v.infoHash}`, path.join(work, 'lt-magnet'), peer, 'disabled', DOWNLOAD_TIMEOUT_MS);
    expect(byMagnet, 'libtorrent from a magnet link').toMatchObject({ seeding: true, hasMetadata: true });
    await expectFilesMatch(path.join(work, 'lt-magnet'), filesOf(v.infoHash));
  });

  it('downloads a volume from a python3-libtorrent seeder', async () => {
    const file = path.join(work, 'lt.torrent');
    await writeFile(file, retargetTorrent(await torrentOf(bigVolume().infoHash), { urlList: [], announce: [] }));
    const lt: LibtorrentSeeder = await startLibtorrentSeeder(file, path.join(work, 'data', 'media'));
    closers.push(lt.close);
    const ours = await openSeeder('from-libtorrent', { webSeeds: false, trackers: false });
    const v = await ours.addVolume(await readFile(file));
    ours.addPeer(v.infoHash, `127.0.0.1:${lt.port}`);
    await ours.whenComplete(v.infoHash, DOWNLOAD_TIMEOUT_MS);
    await expectFilesMatch(ours.storage, filesOf(v.infoHash));
    await lt.close();
  });

  step('scrub', 'scrub finds a file corrupted on disk and repairs it from the web seed', ['first'], async () => {
    const f = filesOf(bigVolume().infoHash)[0]!;
    const target = path.join(first.storage, 'commons', ...f.path.split('/'));
    const h = await open(target, 'r+');
    await h.write(Buffer.from('rot'), 0, 3, 100_000);
    await h.close();
    const reports = await first.scrub({ share: 1 });
    const report = reports.find((r) => r.infoHash === bigVolume().infoHash)!;
    expect(report.bad).toEqual([Math.floor(100_000 / bigVolume().pieceLength)]);
    expect(report.damagedFiles).toEqual([f.path]);
    await first.whenComplete(bigVolume().infoHash, DOWNLOAD_TIMEOUT_MS);
    expect(sha1(await readFile(target))).toBe(f.sha1);
  });

  step('mirror', 'serves the tree over HTTP with Range, and refuses .. and symlinks out of the tree', ['first'], async () => {
    const mirror = await startHttpMirror({ storage: first.storage, port: 0, host: '127.0.0.1', isServable: (rel) => first.isFileComplete(rel) });
    closers.push(mirror.close);
    const f = manifest.files.find((x) => /[&']/.test(x.path))!;
    const url = `${mirror.url}commons/${f.path.split('/').map(encodeURIComponent).join('/')}`;
    const res = await fetch(url, { headers: { range: 'bytes=10-99' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 10-99/${f.size}`);
    const whole = await readFile(path.join(first.storage, 'commons', ...f.path.split('/')));
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(10, 100))).toBe(true);
    await writeFile(path.join(work, 'secret.txt'), 'secret');
    await mkdir(path.join(first.storage, 'commons', 'f', 'ff'), { recursive: true });
    await symlink(path.join(work, 'secret.txt'), path.join(first.storage, 'commons', 'f', 'ff', 'Escape.jpg'));
    const raw = (p: string) => new Promise<number>((resolve, reject) => http.get({ host: '127.0.0.1', port: mirror.port, path: p }, (r) => { r.resume(); resolve(r.statusCode!); }).on('error', reject));
    for (const p of ['/commons/../secret.txt', '/commons/%2e%2e/%2e%2e/secret.txt', '/commons/a/..%2f..%2f..%2fsecret.txt', '/commons/f/ff/Escape.jpg', '/.seedbank/status.json']) {
      expect([400, 404], p).toContain(await raw(p));
    }
    expect(await raw(`/commons/${f.path.split('/').map(encodeURIComponent).join('/')}`)).toBe(200);
  });
});

describe('refusals', () => {
  it('refuses a torrent with a hostile path and writes nothing', async () => {
    const hostile = bencode.encode({ info: { files: [{ length: 1, path: [Buffer.from('..'), Buffer.from('evil.jpg')] }], name: 'commons', 'piece length': 16384, pieces: Buffer.alloc(20) } });
    const s = await openSeeder('hostile');
    await expect(s.addVolume(hostile)).rejects.toSatisfy((e: unknown) => isSeedbankError(e, 'TORRENT_HOSTILE_PATH'));
    expect(s.volumes()).toEqual([]);
    await expect(stat(path.join(s.storage, 'evil.jpg'))).rejects.toThrow();
  });

  it('holds the quota: a volume that does not fit is refused with the numbers, a small one is hosted', async () => {
    const s = await openSeeder('quota', { quotaBytes: 1_000_000 });
    const err = await s.addVolume(await torrentOf(bigVolume().infoHash)).catch((e: unknown) => e);
    expect(isSeedbankError(err, 'QUOTA_EXCEEDED')).toBe(true);
    expect(String((err as Error).message)).toMatch(/needs 3\.\d+ MB .* quota is 1\.00 MB: 2\.\d+ MB short/);
    const small = [...manifest.volumes].sort((a, b) => a.size - b.size)[0]!;
    await s.addVolume(await torrentOf(small.infoHash));
    expect(s.volumes().map((v) => v.infoHash)).toEqual([small.infoHash]);
  });
});

describe('a failing disk', () => {
  it('stops downloading when a verified piece cannot be written, keeps seeding, says why, and resumes', async () => {
    const s = await openSeeder('write-fail', { trackers: false });
    const small = [...manifest.volumes].sort((a, b) => a.size - b.size)[0]!;
    await s.addVolume(await torrentOf(small.infoHash));
    await s.whenComplete(small.infoHash, DOWNLOAD_TIMEOUT_MS);
    // A folder where the big file goes: every write to it fails (EISDIR), as writes fail on a full disk (ENOSPC).
    const f = filesOf(bigVolume().infoHash)[0]!;
    const blocker = path.join(s.storage, 'commons', ...f.path.split('/'));
    await mkdir(blocker, { recursive: true });
    await s.addVolume(await torrentOf(bigVolume().infoHash));
    const reason = await waitFor('downloading to stop', async () => s.paused, 10_000);
    expect(reason.kind).toBe('write-error');
    expect(s.status()).toMatchObject({ downloading: false, pausedBecause: expect.stringMatching(/EISDIR|directory/) });
    expect(s.volumes().map((v) => v.activity).sort()).toEqual(['paused', 'seeding']);
    await rm(blocker, { recursive: true });
    s.resumeDownloads();
    await s.whenComplete(bigVolume().infoHash, DOWNLOAD_TIMEOUT_MS);
    expect(sha1(await readFile(blocker))).toBe(f.sha1);
  });
});

describe('one store for overlapping volumes', () => {
  it('stores a file shared by two volumes once and deletes only what no volume needs', async () => {
    const [x, y, z] = manifest.files.filter((f) => f.size < 20_000).slice(0, 3) as [typeof manifest.files[0], typeof manifest.files[0], typeof manifest.files[0]];
    const media = path.join(work, 'data', 'media', 'commons');
    const make = async (files: typeof manifest.files) => (await createVolumeTorrent({
      files: files.map((f) => ({ path: f.path, length: f.size, absPath: path.join(media, ...f.path.split('/')), sha1Hex: f.sha1 })),
      pieceLength: 16384,
      urlList: [wiki.uploadBaseUrl],
    })).torrent;
    const s = await openSeeder('shared', { trackers: false });
    const a = await s.addVolume(await make([x, y]));
    await s.whenComplete(a.infoHash, DOWNLOAD_TIMEOUT_MS);
    const yPath = path.join(s.storage, 'commons', ...y.path.split('/'));
    const inode = (await stat(yPath)).ino;
    const b = await s.addVolume(await make([y, z]));
    await s.whenComplete(b.infoHash, DOWNLOAD_TIMEOUT_MS);
    expect((await stat(yPath)).ino).toBe(inode);
    expect(await s.removeVolume(a.infoHash)).toEqual({ deletedFiles: 1, keptFiles: 1 });
    expect(sha1(await readFile(yPath))).toBe(y.sha1);
    await expect(stat(path.join(s.storage, 'commons', ...x.path.split('/')))).rejects.toThrow();
    expect(await s.removeVolume(b.infoHash)).toEqual({ deletedFiles: 2, keptFiles: 0 });
    await expect(stat(yPath)).rejects.toThrow();
  });
});

describe('as a process', () => {
  it('resumes after kill -9 without downloading any verified piece again', async () => {
    const big = bigVolume();
    const served: ServedRequest[] = [];
    const source: HttpMirror = await startHttpMirror({ storage: path.join(work, 'data', 'media'), port: 0, host: '127.0.0.1', onServe: (r) => void served.push(r) });
    closers.push(source.close);
    const file = path.join(work, 'resume.torrent');
    await writeFile(file, retargetTorrent(await torrentOf(big.infoHash), { urlList: [source.url], announce: [] }));
    const storage = path.join(work, 'resume');
    const run1 = startChildSeeder(storage, ['--quota', '1GB', '--torrent', file, '--max-down', '400kB/s']);
    closers.push(() => run1.stop('SIGKILL'));
    await run1.waitForStatus('a third of the volume', (s) => (s.volumes[0]?.progress ?? 0) >= 0.3, 60_000);
    await run1.stop('SIGKILL');
    const parsed = parseVolumeTorrent(await readFile(file));
    const onDisk = await readFile(path.join(storage, 'commons', ...parsed.files[0]!.path.split('/'))).catch(() => Buffer.alloc(0));
    const valid = new Set<number>();
    for (let i = 0; i * parsed.pieceLength < onDisk.length; i++) {
      const piece = onDisk.subarray(i * parsed.pieceLength, Math.min((i + 1) * parsed.pieceLength, parsed.totalBytes));
      if (sha1(piece) === parsed.pieces.subarray(i * 20, i * 20 + 20).toString('hex')) valid.add(i);
    }
    expect(valid.size).toBeGreaterThan(0);
    const before = served.length;
    const run2 = startChildSeeder(storage, ['--quota', '1GB', '--torrent', file]);
    closers.push(() => run2.stop('SIGKILL'));
    await run2.waitForStatus('the volume complete', (s) => s.volumes[0]?.progress === 1, 60_000);
    await run2.stop();
    const after = served.slice(before);
    for (const r of after) {
      const [, from, to] = /bytes=(\d+)-(\d+)/.exec(r.range ?? '')!.map(Number) as [number, number, number];
      for (let i = Math.floor(from / parsed.pieceLength); i <= Math.floor(to / parsed.pieceLength); i++) expect(valid.has(i), `piece ${i} fetched again`).toBe(false);
    }
    const validBytes = [...valid].reduce((s, i) => s + Math.min(parsed.pieceLength, parsed.totalBytes - i * parsed.pieceLength), 0);
    expect(after.reduce((s, r) => s + r.bytes, 0)).toBeLessThanOrEqual(parsed.totalBytes - validBytes);
    expect(sha1(await readFile(path.join(storage, 'commons', ...parsed.files[0]!.path.split('/'))))).toBe(parsed.files[0]!.sha1Hex);
  });

  it('counts bytes as they are written: the status file and `seedbank status` show them within a second of the last byte, long before any disk walk; it listens on the peer port alone', async () => {
    const v = bigVolume();
    const served = { bytes: 0, lastAt: 0 };
    const source = await startHttpMirror({ storage: path.join(work, 'data', 'media'), port: 0, host: '127.0.0.1', onServe: (r) => { served.bytes += r.bytes; served.lastAt = Date.now(); } });
    closers.push(source.close);
    const file = path.join(work, 'counted.torrent');
    await writeFile(file, retargetTorrent(await torrentOf(v.infoHash), { urlList: [source.url], announce: [] }));
    const storage = path.join(work, 'counted');
    await mkdir(path.join(storage, '.seedbank'), { recursive: true });
    const complete = watchStatus(storage, 'the volume complete with its bytes on disk', (s) => s.volumes[0]?.progress === 1 && s.volumes[0].bytesOnDisk >= v.size && s.diskUseBytes >= v.size, 60_000);
    const run = startChildSeeder(storage, ['--quota', '1GB', '--torrent', file, '--peer-host', '127.0.0.1']);
    closers.push(() => run.stop('SIGKILL'));
    const seen = await complete.catch((err: Error) => Promise.reject(new Error(`${err.message}\n${run.output().slice(-2000)}`)));
    expect(served.bytes, 'the whole volume came from the mirror').toBe(v.size);
    // The bytes were counted as they were written: the status shows them while its last walk of
    // the tree is from before the last byte arrived (walks run every 30 s while downloading).
    const lagMs = seen.at - served.lastAt;
    console.log(`[seeder-core] status showed ${seen.status.diskUseBytes} bytes used ${lagMs} ms after the last byte was served`);
    expect(seen.status.diskWalkedAt, 'the status names its last walk of the tree').toBeGreaterThan(0);
    expect(seen.status.diskWalkedAt!, 'the bytes were counted as written, not found by a walk').toBeLessThan(served.lastAt);
    const shown = await runCli(['status', '--storage', storage, '--once']);
    expect(shown.stdout).toContain(`: ${formatSize(seen.status.diskUseBytes)} used of a 1.00 GB quota`);
    expect(seen.status.diskUseBytes, 'what the status says is what is on disk').toBeGreaterThanOrEqual(v.size);
    // Listening: the peer port on the configured address, nothing else (no webtorrent listener, no DHT with torrent files).
    const sockets = await listeningSockets(run.child.pid!);
    expect(seen.status.listening).toEqual([{ protocol: 'tcp', address: '127.0.0.1', port: seen.status.port, purpose: 'peers' }]);
    expect(sockets).toEqual([{ protocol: 'tcp', address: '127.0.0.1', port: seen.status.port }]);
    expect(shown.stdout).toContain(`listening (nothing else is open): TCP ${seen.status.port} on 127.0.0.1: BitTorrent peers`);
    await run.stop();
  });

  it('keeps serving after a peer sends the extension handshake `l-3:e` (bencode@4 loops forever on it)', async () => {
    const small = manifest.volumes.filter((v) => v.infoHash !== bigVolume().infoHash).sort((a, b) => b.size - a.size)[0]!;
    const file = path.join(work, 'victim.torrent');
    await writeFile(file, retargetTorrent(await torrentOf(small.infoHash), { announce: [] }));
    const storage = path.join(work, 'victim');
    await cp(path.join(work, 'data', 'media'), storage, { recursive: true });
    const victim: ChildSeeder = startChildSeeder(storage, ['--quota', '1GB', '--torrent', file]);
    closers.push(() => victim.stop('SIGKILL'));
    const ready = await victim.waitForStatus('the victim seeding', (s) => s.volumes[0]?.activity === 'seeding', 60_000);
    const socket = await sendPoisonedHandshake('127.0.0.1', ready.port, small.infoHash);
    closers.push(async () => socket.destroy());
    const sent = Date.now();
    await victim.waitForStatus('a status update after the poisoned message', (s) => Date.parse(s.updatedAt) > sent + 500, 10_000);
    const client = await openSeeder('after-hostile', { webSeeds: false, trackers: false });
    const v = await client.addVolume(await readFile(file));
    client.addPeer(v.infoHash, `127.0.0.1:${ready.port}`);
    await client.whenComplete(v.infoHash, DOWNLOAD_TIMEOUT_MS);
    await expectFilesMatch(client.storage, filesOf(v.infoHash));
    await victim.stop();
  });
});

// Web seeds with a real HTTP server: the fixture wiki's upload folder is served by nginx (as
// upload.wikimedia.org is served by a real HTTP server), and three stock clients, python3-
// libtorrent, qbittorrent-nox and aria2c, each complete a set's volume from the web seed
// alone: the torrent has no tracker, DHT, LSD, UPnP/NAT-PMP and PEX are off in every client,
// so the wiki is the only source. Before nginx, `php -S` rejected libtorrent's pipelined
// requests and no libtorrent-based client had ever fetched a volume here.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet, type BuildResult } from '../../services/set-builder/build.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import type { Manifest } from '../../shared/formats/manifest.ts';
import { createVolumeTorrent, parseVolumeTorrent } from '../../shared/torrent/index.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type LoggedRequest, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { liveGroupMembers } from '../../deploy/local/wiki/php-server.ts';
import { THROTTLED_RETRY_AFTER_S } from '../../deploy/local/wiki/nginx-front.ts';
import { aria2Download } from '../helpers/peers/other-clients.ts';
import { libtorrentWebSeedDownload } from '../helpers/peers/libtorrent-web-seed.ts';
import { startQbittorrent, type Qbittorrent } from '../helpers/peers/qbittorrent.ts';
import { Seeder } from '../../clients/seeder/index.ts';
import { createLogger } from '../../shared/log.ts';

const DOWNLOAD_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = DOWNLOAD_TIMEOUT_MS + 60_000;
const LIBTORRENT_AGENT = 'libtorrent/2.0.8.0';
const QBITTORRENT_AGENT = 'qBittorrent/4.5.2';
const ARIA2_AGENT = 'aria2/1.36.0';
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
/** Wikimedia's robot policy: at most this many connections to the upload server. */
const MAX_CONNECTIONS = 2;
/**
 * A request nginx reads this soon after the fetcher read a 429 was written before it (a client
 * cannot know of a 429 it has not read yet: its event loop may send on one connection before
 * reading the other); loopback and an idle nginx take far less. nginx's times have millisecond
 * resolution. The fetcher before the shared Retry-After sent the next request 280-740 ms after.
 */
const IN_FLIGHT_MS = 20;
const CLOCK_RESOLUTION_MS = 2;

let wiki: Wiki;
let work: string;
let build: BuildResult;
let manifest: Manifest;
let qbt: Qbittorrent | undefined;
let seeder: Seeder | undefined;
const timings: Record<string, number> = {};

/** The largest volume: the big file plus small ones, with pieces that straddle files. */
const volume = () => [...manifest.volumes].sort((a, b) => b.size - a.size)[0]!;
const volumeFiles = () => manifest.files.filter((f) => f.volume === volume().infoHash);
const torrentFile = () => path.join(build.dir, 'volumes', `${volume().infoHash}.torrent`);

/** Every file of the volume is in `saveDir`/commons, byte for byte the wiki's own. */
async function expectVolumeIn(saveDir: string): Promise<void> {
  for (const f of volumeFiles()) {
    const got = await readFile(path.join(saveDir, 'commons', ...f.path.split('/')));
    expect(sha1(got), f.title).toBe(f.sha1);
    expect(got.equals(await readFile(path.join(wiki.uploadDir, ...f.path.split('/')))), f.title).toBe(true);
  }
}

/** What nginx served since the last clearRequests() (one client at a time runs here). */
async function served(): Promise<{ requests: LoggedRequest[]; bytes: number; keptAlive: number; connections: number; agents: string[] }> {
  const requests = await wiki.mediaRequests();
  return {
    // libtorrent (so qBittorrent too) names itself on a connection's first request only.
    agents: [...new Set(requests.filter((r) => r.connectionRequests === 1).map((r) => r.userAgent ?? '(none)'))],
    requests,
    bytes: requests.reduce((n, r) => n + r.bytes, 0),
    keptAlive: Math.max(0, ...requests.map((r) => r.connectionRequests)),
    connections: new Set(requests.map((r) => r.connection)).size,
  };
}

/** Checks what nginx saw of a client's download (who asked, how, how much), and prints it with the client's time. */
async function expectServedFromWebSeed(client: string, agents: string[]): Promise<void> {
  const s = await served();
  expect(s.requests.length, `${client} fetched nothing from nginx`).toBeGreaterThan(0);
  expect(s.agents).toEqual(agents);
  expect(s.requests.filter((r) => r.status !== 206 && r.status !== 200), 'every request answered').toEqual([]);
  expect(s.bytes, 'the whole volume came from the web seed').toBeGreaterThanOrEqual(volume().size);
  console.log(
    `[web-seeds] ${client}: ${Math.round(timings[client] ?? 0)} ms, ${s.requests.length} requests on ${s.connections} connection(s), ` +
      `up to ${s.keptAlive} per connection, ${s.bytes} bytes for a ${volume().size}-byte volume, agent ${s.agents.join(', ')}`,
  );
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-web-seeds-'));
  wiki = await startWiki({ name: 'web-seeds', logRequests: true });
  await fillWiki(wiki, { bigFiles: 1, bulkCount: 20 });
  build = await buildSet({
    recipe: parseRecipe({
      id: 'paris-web-seeds', title: 'Paris (web seed test)', wiki: wiki.apiUrl,
      selection: { categories: [{ name: 'Paris', depth: 3 }] }, volumeSizeLimit: '64MB', pieceLength: '64KiB',
    }),
    dataDir: path.join(work, 'data'),
    maxBytesPerSecond: 0,
    trackers: [], // tracker-less: the web seed is the only source
  });
  manifest = build.manifest;
}, 240_000);

afterAll(async () => {
  await qbt?.stop().catch(() => undefined);
  await seeder?.close().catch(() => undefined);
  const groups = wiki ? [wiki.pgid, wiki.frontPgid] : [];
  await wiki?.stop();
  for (const pgid of groups) expect(await liveGroupMembers(pgid)).toEqual([]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a volume from the web seed alone, through nginx', () => {
  it('is a tracker-less torrent whose url-list is the wiki upload base on nginx', async () => {
    const t = parseVolumeTorrent(await readFile(torrentFile()));
    expect(t.urlList).toEqual([wiki.uploadBaseUrl]);
    expect(t.announce).toEqual([]);
    const files = volumeFiles();
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files.some((f) => f.size > 3_000_000), 'a multi-megabyte file').toBe(true);
    expect(files.some((f) => /[^\x20-\x7e]|[&'(),]/.test(f.path)), 'a name that needs percent-encoding').toBe(true);
    expect(files.some((f) => f.size % volume().pieceLength !== 0), 'pieces straddle files').toBe(true);
  });

  it('python3-libtorrent completes it byte for byte, on a kept-alive connection', async () => {
    const dir = path.join(work, 'libtorrent');
    await mkdir(dir);
    await wiki.clearRequests();
    const t0 = performance.now();
    const r = await libtorrentWebSeedDownload(torrentFile(), dir, DOWNLOAD_TIMEOUT_MS);
    timings.libtorrent = performance.now() - t0;
    expect(r, 'libtorrent did not finish from the web seed').toMatchObject({ seeding: true, progress: 1, btPeers: 0 });
    expect(r.urlSeeds).toEqual([wiki.uploadBaseUrl]);
    await expectVolumeIn(dir);
    await expectServedFromWebSeed('libtorrent', [LIBTORRENT_AGENT]);
    expect((await served()).keptAlive, 'several requests on one connection').toBeGreaterThan(1);
  }, TEST_TIMEOUT_MS);

  it('qbittorrent-nox completes it byte for byte (WebUI API on 127.0.0.1, own profile)', async () => {
    const dir = path.join(work, 'qbittorrent-downloads');
    await mkdir(dir);
    qbt = await startQbittorrent(path.join(work, 'qbittorrent-profile'));
    expect(await qbt.privacy()).toEqual({ dht: false, pex: false, lsd: false, upnp: false, resolvePeerCountries: false, interfaceAddress: '127.0.0.1' });
    await wiki.clearRequests();
    const t0 = performance.now();
    await qbt.addTorrent(await readFile(torrentFile()), dir);
    const done = await qbt.whenComplete(volume().infoHash, DOWNLOAD_TIMEOUT_MS);
    timings.qbittorrent = performance.now() - t0;
    expect(done.progress).toBe(1);
    expect(done.num_seeds + done.num_leechs, 'no BitTorrent peer').toBe(0);
    expect(await qbt.webSeeds(volume().infoHash)).toEqual([wiki.uploadBaseUrl]);
    await qbt.stop(); // a clean exit: everything it wrote is on disk
    await expectVolumeIn(dir);
    await expectServedFromWebSeed('qbittorrent', [QBITTORRENT_AGENT]);
  }, TEST_TIMEOUT_MS);

  it('aria2c completes it byte for byte', async () => {
    const dir = path.join(work, 'aria2');
    await mkdir(dir);
    await wiki.clearRequests();
    const { ms } = await aria2Download(torrentFile(), dir, DOWNLOAD_TIMEOUT_MS);
    timings.aria2c = ms;
    await expectVolumeIn(dir);
    await expectServedFromWebSeed('aria2c', [ARIA2_AGENT]);
  }, TEST_TIMEOUT_MS);

  it("Seedbank's own seeder completes it with ranged requests only, each byte fetched once", async () => {
    const storage = path.join(work, 'seeder');
    await wiki.clearRequests();
    const t0 = performance.now();
    seeder = await Seeder.open({ storage, quotaBytes: 1e9, pex: false, dht: false }); // LSD and UPnP/NAT-PMP are always off
    await seeder.addVolume(await readFile(torrentFile()));
    await seeder.whenComplete(volume().infoHash, DOWNLOAD_TIMEOUT_MS);
    timings.seeder = performance.now() - t0;
    await seeder.close();
    await expectVolumeIn(storage);
    const s = await served();
    expect(s.requests.filter((r) => r.range === undefined || r.status !== 206), 'a request without Range, or not answered 206').toEqual([]);
    expect(s.bytes, 'no whole-file fetch to take a slice, nothing fetched twice').toBe(volume().size);
    console.log(`[web-seeds] seeder: ${Math.round(timings.seeder)} ms, ${s.requests.length} requests on ${s.connections} connection(s), ${s.bytes} bytes`);
  }, TEST_TIMEOUT_MS);

  it("Seedbank's own fetcher against nginx's throttled twin: ranges only, every 429's Retry-After waited out on every connection, at most 2 connections, byte for byte", async () => {
    const storage = path.join(work, 'seeder-throttled');
    // The volume's files as two volumes fetched at once, as a set's volumes are: two requests in
    // flight to one host, so a 429 on one connection must hold the other too.
    const files = [...volumeFiles()].sort((a, b) => b.size - a.size);
    const halves = [files.filter((_f, i) => i % 2 === 0), files.filter((_f, i) => i % 2 === 1)];
    const torrents = await Promise.all(halves.map(async (half) => (await createVolumeTorrent({
      files: half.map((f) => ({ path: f.path, length: f.size, absPath: path.join(wiki.uploadDir, ...f.path.split('/')), sha1Hex: f.sha1 })),
      pieceLength: volume().pieceLength,
      urlList: [wiki.throttledUploadBaseUrl],
    })).torrent));
    // When the fetcher read each 429 (its polite client logs every retry), on the clock nginx logs with.
    const clientRead429At: number[] = [];
    const logger = createLogger({ level: 'warn', format: 'json', sink: { write: (text) => {
      const line = JSON.parse(text) as { msg?: string; status?: number; time: number };
      if (line.msg === 'retrying HTTP request' && line.status === 429) clientRead429At.push(line.time);
    } } });
    await wiki.clearRequests();
    const t0 = performance.now();
    seeder = await Seeder.open({ storage, quotaBytes: 1e9, pex: false, dht: false, trackers: false, torrentHost: '127.0.0.1', logger });
    const hosted = await Promise.all(torrents.map((t) => seeder!.addVolume(t)));
    for (const v of hosted) await seeder.whenComplete(v.infoHash, DOWNLOAD_TIMEOUT_MS);
    const ms = performance.now() - t0;
    const peak = seeder.webSeedPeakConnections(new URL(wiki.throttledUploadBaseUrl).host);
    await seeder.close();
    await expectVolumeIn(storage);

    const requests = (await wiki.mediaRequests()).sort((a, b) => a.startedAtMs - b.startedAtMs);
    expect(requests.length, 'the fetcher asked the throttled twin').toBeGreaterThan(0);
    expect(requests.filter((r) => !r.path.startsWith('/throttled/')), 'only the throttled twin was asked').toEqual([]);
    const refused = requests.filter((r) => r.status === 429);
    const answered = requests.filter((r) => r.status !== 429);
    expect(refused.length, 'nginx throttled the fetcher at least once (else Retry-After was not tested)').toBeGreaterThan(0);
    // Range honoured: every request names a range and gets 206; the bytes add up to the volume once (no whole file for a slice).
    expect(requests.filter((r) => r.range === undefined), 'a request without Range').toEqual([]);
    expect(answered.filter((r) => r.status !== 206), 'a request not answered 206').toEqual([]);
    expect(answered.reduce((n, r) => n + r.bytes, 0), 'bytes served: the volume, each byte once').toBe(volume().size);
    // Retry-After honoured: once the fetcher read a 429, no request (on either connection) reaches nginx before the Retry-After is over.
    const retryAfterMs = THROTTLED_RETRY_AFTER_S * 1000;
    expect(clientRead429At.length, 'every 429 nginx sent was read by the fetcher').toBe(refused.length);
    let shortestWaitMs = Infinity;
    let inFlight = 0;
    const early: string[] = [];
    for (const readAt of clientRead429At) {
      for (const next of requests) {
        const waitMs = next.startedAtMs - readAt;
        if (waitMs > 0 && waitMs <= IN_FLIGHT_MS) inFlight++;
        if (waitMs <= IN_FLIGHT_MS) continue;
        shortestWaitMs = Math.min(shortestWaitMs, waitMs);
        if (waitMs < retryAfterMs - CLOCK_RESOLUTION_MS) early.push(`${next.range} on connection ${next.connection}, ${next.status}, ${waitMs} ms after the fetcher read a 429`);
      }
    }
    expect(early, 'requests sent before the Retry-After was over').toEqual([]);
    // At most 2 connections, as the robot policy asks: in nginx's log and in the fetcher's own count.
    const connections = new Set(requests.map((r) => r.connection)).size;
    expect(connections, 'connections nginx saw').toBeLessThanOrEqual(MAX_CONNECTIONS);
    expect(peak, 'requests the fetcher had open at once: two, so the Retry-After check covers a second connection').toBe(MAX_CONNECTIONS);
    console.log(
      `[web-seeds] seeder, throttled: ${Math.round(ms)} ms, ${requests.length} requests (${refused.length} answered 429) on ${connections} connection(s), ` +
        `shortest wait after the fetcher read a 429 ${shortestWaitMs} ms (Retry-After ${retryAfterMs} ms; ${inFlight} already on their way), ${answered.reduce((n, r) => n + r.bytes, 0)} bytes`,
    );
  }, TEST_TIMEOUT_MS);
});

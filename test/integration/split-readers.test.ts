// Readers of split (seedbank-manifest/3) versions on loopback: a set built by the real builder
// from a real MediaWiki and published to a real catalogue (v1, /2), then, after the wiki changed,
// built as a split version 2 (`--manifest-format split`), served by a loopback front to the catalogue that answers for the /3 parts (the catalogue's own serving of
// them is another helper's work; test/helpers/split-front.ts). Real seeders (runSeed) follow it
// over HTTP; two real webtorrent clients exchange its metadata as peers; restore streams it, and
// brings it into a second real MediaWiki.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAligned } from '../../shared/torrent/metadata-layout.ts';
import { buildSet } from '../../services/set-builder/build.ts';
import { publishSet } from '../../services/set-builder/publish.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { parseManifest, type Manifest } from '../../shared/formats/manifest.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import { collect, openVersionManifest } from '../../shared/formats/version-manifest.ts';
import { silentLogger } from '../../shared/log.ts';
import { seedConfigFromFlags, type SeedFlags } from '../../clients/seeder/config.ts';
import { runSeed } from '../../clients/seeder/run-seed.ts';
import { allocatedSize, VOLUME_OVERHEAD_BYTES } from '../../clients/seeder/quota.ts';
import { readStatus, formatStatus, type StatusRecord } from '../../clients/seeder/status-file.ts';
import { MetadataHost, SPLIT_TOP_FILES } from '../../clients/seeder/follow/metadata-host.ts';
import { catalogueSource, dhtSource } from '../../clients/seeder/follow/version-source.ts';
import { createClient, type WTClient } from '../../clients/seeder/webtorrent-api.ts';
import { restoredPathsOf, restoreSet } from '../../clients/restore/restore.ts';
import { restoreVersionIntoWiki } from '../../clients/restore/into-wiki/into-wiki.ts';
import { readPageTexts } from '../../clients/restore/into-wiki/pages-xml.ts';
import { TargetWiki } from '../../clients/restore/into-wiki/target-wiki.ts';
import { apiGet } from '../../deploy/local/wiki/wiki-api.ts';
import type { RestoreReport } from '../../clients/restore/restore-report.ts';
import { changeWiki, fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { waitFor } from '../helpers/run-cli.ts';
import { loadSplitVersion, makeSplitVersion, type SplitVersion } from '../helpers/split-version.ts';
import { startSplitFront, type SplitFront } from '../helpers/split-front.ts';

const WAIT_MS = 60_000;
const UA = 'seedbank-test/1 (split readers; +https://example.org/seedbank-tests)';
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

let wiki: Wiki;
let work: string;
let dataDir: string;
let catalogue: CatalogueServer;
let split: SplitVersion;
let v1: Manifest;
let wholeRestore: RestoreReport;
let target: Wiki | undefined;
let front: SplitFront;
const running = new Map<string, { stop: () => Promise<void>; out: string[] }>();
const clients: WTClient[] = [];

/** Every file under `dir`, relative, sorted (folders left out). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/')).sort();
}

/** The pieces of a version's metadata torrent that cover the named files, their bytes, and the files wholly outside them. */
function piecesCovering(v: SplitVersion, names: readonly string[]): { pieces: Set<number>; pieceBytes: number; outside: SplitVersion['files'] } {
  const total = v.files.reduce((s, f) => s + f.length, 0);
  const pieces = new Set<number>();
  for (const f of v.files.filter((x) => names.includes(x.name) && x.length > 0)) {
    for (let p = Math.floor(f.offset / v.pieceLength); p <= Math.floor((f.offset + f.length - 1) / v.pieceLength); p++) pieces.add(p);
  }
  const pieceBytes = [...pieces].reduce((s, p) => s + Math.min(v.pieceLength, total - p * v.pieceLength), 0);
  // Pads are zeros the seeder writes itself (all of them, sparse): never "outside" in this sense.
  const outside = v.files.filter((f) => !f.pad && !names.includes(f.name) && ![...pieces].some((p) => p * v.pieceLength < f.offset + f.length && (p + 1) * v.pieceLength > f.offset));
  return { pieces, pieceBytes, outside };
}

/** Disk a volume plans to take on a seeder (what its quota check counts). */
function plannedOf(ih: string): number {
  return split.records.filter((f) => f.volume === ih).reduce((s, f) => s + allocatedSize(f.size), VOLUME_OVERHEAD_BYTES);
}

function startSeeder(name: string, extra: Partial<SeedFlags>): { storage: string; out: string[] } {
  const controller = new AbortController();
  const out: string[] = [];
  const flags: SeedFlags = {
    storage: path.join(work, name), quota: 1e9, catalogue: front.url, port: 0, maxUp: 0, maxDown: 0, webSeeds: true, webSeedConnections: 2,
    scrubShare: 0, scrubInterval: 3_600_000, keepVersions: 2, pollInterval: 700, minHosting: 0, dht: false, ...extra,
  };
  const config = seedConfigFromFlags(flags);
  const done = runSeed(config, { logger: silentLogger, out: (l) => out.push(l), signal: controller.signal });
  done.catch((err: unknown) => out.push(`runSeed failed: ${String(err)}`));
  running.set(name, { stop: async () => { controller.abort(); await done.catch(() => undefined); running.delete(name); }, out });
  return { storage: config.storage, out };
}

async function waitStatus(name: string, what: string, check: (s: StatusRecord) => boolean): Promise<StatusRecord> {
  const storage = path.join(work, name);
  try {
    return await waitFor(`${name}: ${what}`, async () => {
      const s = await readStatus(storage).catch(() => null);
      return s && check(s) ? s : null;
    }, WAIT_MS, 200);
  } catch (err) {
    const s = await readStatus(storage).catch(() => null);
    throw new Error(`${(err as Error).message}\nstatus:\n${s ? formatStatus(s).join('\n') : 'none'}\noutput:\n${(running.get(name)?.out ?? []).slice(-30).join('\n')}`);
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-split-readers-'));
  dataDir = path.join(work, 'builder');
  wiki = await startWiki({ name: 'split-readers' });
  const fixtures = await fillWiki(wiki, { bigFiles: 0, bulkCount: 24 });
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, announceIntervalMs: 2_000, census: { autoStart: false, timeoutMs: 5_000 } });
  const token = await createToken(catalogue.store, 'split-readers');
  const recipe = parseRecipe({ id: 'paris', title: 'paris (split readers test)', wiki: wiki.apiUrl, copyTarget: 1, selection: { categories: [{ name: 'Paris', depth: 3 }] }, volumeSizeLimit: '40KB', pieceLength: '16KiB' });
  await buildSet({ recipe, dataDir, maxBytesPerSecond: 0 });
  await publishSet(path.join(dataDir, 'sets', 'paris'), { catalogueUrl: catalogue.url, token });
  v1 = parseManifest(await readFile(path.join(dataDir, 'sets', 'paris', 'v1', 'manifest.json'), 'utf8'));
  wholeRestore = await restoreSet({ catalogue: new CatalogueApi(catalogue.url, UA), setId: 'paris', version: 1, outDir: path.join(work, 'restore-v1'), layout: 'commons', webSeeds: true, stallTimeoutMs: 30_000, userAgent: UA, logger: silentLogger });
  // Version 2, after the wiki changed: built by the real builder as a split version (the catalogue cannot take it yet: the front serves it).
  await changeWiki(wiki, fixtures);
  const r2 = await buildSet({ recipe, dataDir, maxBytesPerSecond: 0, manifestFormat: 'split' });
  expect(r2.format).toBe('split');
  split = await loadSplitVersion(r2.dir);
  expect(split.manifest.volumes.length, `the set needs several volumes for a seeder to host only one (${split.manifest.totals.files} files, ${split.manifest.totals.bytes} bytes)`).toBeGreaterThanOrEqual(3);
  front = await startSplitFront(catalogue.url, [split]);
}, 240_000);

afterAll(async () => {
  for (const r of [...running.values()]) await r.stop().catch(() => undefined);
  await Promise.all(clients.map((c) => new Promise<void>((r) => c.destroy(() => r()))));
  await front?.close();
  await catalogue?.close().catch(() => undefined);
  await Promise.all([wiki?.stop(), target?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a seeder following a split version', () => {
  it('hosting one volume, fetches exactly the top manifest, signature, changes and that volume\'s list (the builder pads every part to a piece boundary)', async () => {
    const [first, ...others] = split.manifest.volumes;
    // Room for the first volume and less than any other: the seeder hosts exactly one.
    const quota = plannedOf(first!.infoHash) + Math.min(...others.map((v) => plannedOf(v.infoHash))) - 1;
    const s1 = startSeeder('s1', { sets: ['paris'], quota });
    await waitStatus('s1', 'paris v2 followed, its first volume complete', (s) => s.follow?.sets[0]?.versions.join() === '2' && s.volumes.some((v) => v.infoHash === first!.infoHash && v.progress === 1));
    const metaDir = path.join(s1.storage, '.seedbank', 'metadata', 'paris-v2');
    await waitFor('s1 to keep the list of its volume', () => stat(path.join(metaDir, first!.list.file)).then(() => true, () => false), WAIT_MS, 100);
    const status = (await readStatus(s1.storage))!;
    expect(status.volumes.map((v) => v.infoHash)).toEqual([first!.infoHash]);
    const kept = ['changes.ndjson', first!.list.file, 'manifest.json', 'manifest.sig'].sort();
    for (const name of kept) expect(await readFile(path.join(metaDir, name)), name).toEqual(await readFile(path.join(split.dir, name)));

    // Every part starts a piece (the top files share theirs): the pieces covering the kept files hold only them and pads (zeros the seeder writes), so nothing else is fetched.
    expect(isAligned(split.files, split.pieceLength)).toBe(true);
    const { pieces, outside } = piecesCovering(split, kept);
    const keptBytes = split.files.filter((f) => kept.includes(f.name)).reduce((n, f) => n + f.length, 0);
    const fetchedOf = (m: Map<string, number>) => [...m].filter(([k]) => k.startsWith('paris-v2/')).reduce((n, [, b]) => n + b, 0);
    await waitFor('s1 to fetch its parts', async () => fetchedOf(front.served) + fetchedOf(front.ranged) >= keptBytes, WAIT_MS, 100);
    const fetchedBytes = fetchedOf(front.served) + fetchedOf(front.ranged);
    expect(fetchedOf(front.ranged), `bytes fetched by range (edge pieces): ${JSON.stringify([...front.ranged])}`).toBe(0);
    expect(fetchedBytes).toBe(keptBytes);
    for (const f of outside) expect(await stat(path.join(metaDir, f.name)).then(() => true, () => false), f.name).toBe(false);
    const pads = split.files.filter((f) => f.pad);
    const whole = split.files.reduce((s, f) => s + f.length, 0);
    console.log(`split follow over HTTP, 1 of ${split.manifest.volumes.length} volumes: ${fetchedBytes} bytes of metadata fetched = exactly top + own list ${first!.list.size} (${pieces.size} pieces of ${split.pieceLength} bytes; the metadata torrent holds ${whole} bytes, ${pads.reduce((n, f) => n + f.length, 0)} of them in ${pads.length} pads; the /2 manifest + pages were ${(await stat(path.join(dataDir, 'sets', 'paris', 'v1', 'manifest.json'))).size + (await stat(path.join(dataDir, 'sets', 'paris', 'v1', 'pages.xml.gz'))).size})`);
    expect(s1.out.some((l) => l.startsWith('skipped ') && l.includes('QUOTA') || l.includes('does not fit'))).toBe(true);
  }, 120_000);

  it('refuses a list that does not match the signed manifest, keeps nothing of it, and fetches it again on a later poll', async () => {
    const v = split.manifest.volumes[0]!;
    const key = `paris-v2/${v.list.file}`;
    front.tampered.add(key);
    const others = split.manifest.volumes.slice(1);
    const quota = plannedOf(v.infoHash) + Math.min(...others.map((o) => plannedOf(o.infoHash))) - 1;
    const s2 = startSeeder('s2', { sets: ['paris'], quota });
    const listFile = path.join(s2.storage, '.seedbank', 'metadata', 'paris-v2', v.list.file);
    try {
      // Refused whole (its SHA-256) or, when it shares a piece with the top files, as the neighbour bytes of that edge piece (its SHA-1).
      await waitFor('s2 to refuse the altered list', async () => s2.out.some((l) => l.includes(v.list.file) && /does not have the SHA-256|does not match its hash/.test(l)), WAIT_MS, 100)
        .catch((err: Error) => { throw new Error(`${err.message}\n${s2.out.join('\n')}`); });
      expect(await stat(listFile).then(() => true, () => false)).toBe(false);
    } finally {
      front.tampered.delete(key);
    }
    await waitFor('s2 to fetch the list again once it is served right', () => stat(listFile).then(() => true, () => false), WAIT_MS, 100);
    expect(await readFile(listFile)).toEqual(await readFile(path.join(split.dir, v.list.file)));
    await running.get('s2')!.stop();
  }, 120_000);

  it('over the peer path fetches only its files of the metadata torrent, and says what the piece boundaries add', async () => {
    // The fixture's metadata is one 256 KiB piece; 2 KiB pieces show what boundaries cost (a 1M-file version's lists are megabytes, its pieces 256 KiB).
    const small = await makeSplitVersion({ wholeDir: path.join(dataDir, 'sets', 'paris', 'v1'), keysDir: path.join(dataDir, 'keys'), dir: path.join(work, 'split-small', 'paris-v2'), version: 2, pieceLength: 2048 });
    const peerOpts = { torrentPort: 0, trackers: false, pex: false, downloadLimit: -1, uploadLimit: -1, maxConns: 20, dht: false as const };
    const a = await createClient({ ...peerOpts, listen: true });
    const b = await createClient(peerOpts);
    clients.push(a, b);
    // Host A holds the whole version's metadata (as the catalogue's web seed does) and seeds it.
    const metaA = new MetadataHost(a, path.join(work, 'peer-a'));
    await cp(small.dir, metaA.folder('paris', 2), { recursive: true });
    await metaA.saveTorrent(small.torrent, 'paris', 2);
    await metaA.host('paris', 2, small.files.map((f) => f.name));
    const portA = a.address()!.port;
    // webtorrent takes peers once the torrent knows its info hash.
    b.on('add', (t) => (t as unknown as NodeJS.EventEmitter).once('infoHash', () => t.addPeer(`127.0.0.1:${portA}`)));
    const metaB = new MetadataHost(b, path.join(work, 'peer-b'));
    const source = dhtSource(b);
    expect(await source.fetchMetadata(metaB, small.pointer)).toBe('split');
    const m = await metaB.verifiedManifest('paris', 2, small.pointer.k);
    const v = m.split!.volumes[1]!;
    await source.fetchParts(metaB, 'paris', 2, [v.list]);
    expect((await collect(m.filesOf(v.infoHash))).length).toBe(v.files);

    const wanted = [...SPLIT_TOP_FILES, v.list.file];
    const dirB = metaB.folder('paris', 2);
    for (const name of wanted) expect(await readFile(path.join(dirB, name)), name).toEqual(await readFile(path.join(small.dir, name)));
    // The pieces covering the wanted files, whole: what peers must send.
    const total = small.files.reduce((s, f) => s + f.length, 0);
    const { pieces, pieceBytes, outside } = piecesCovering(small, wanted);
    const wantedBytes = small.files.filter((x) => wanted.includes(x.name)).reduce((s, f) => s + f.length, 0);
    const sent = (await a.get(small.infoHash))!.uploaded;
    console.log(`split follow over peers: ${wantedBytes} bytes wanted (top + 1 list of ${m.split!.volumes.length}), ${sent} sent by the peer = ${pieces.size} whole pieces of ${small.pieceLength} bytes (${pieceBytes} bytes): the piece boundaries add ${pieceBytes - wantedBytes} bytes; the torrent holds ${total}, its .torrent is ${small.torrent.length} bytes`);
    // Beside the pieces the peer sends the info dictionary (ut_metadata) and a little more (measured: about 1.4 KB here); never the rest.
    expect(sent).toBeGreaterThanOrEqual(pieceBytes);
    expect(sent).toBeLessThan(pieceBytes + 2 * small.pieceLength);
    expect(pieceBytes).toBeLessThan(total);
    // Of the other lists and the pages, only bytes inside those pieces were written: a file outside them is not on disk at all.
    expect(outside.length).toBeGreaterThan(0);
    for (const f of outside) expect(await stat(path.join(dirB, f.name)).then(() => true, () => false), f.name).toBe(false);
  }, 120_000);
});

describe('a split version\'s metadata among seeders with the catalogue down', () => {
  it.each([
    { pads: false, what: 'published before pads: A fetched its parts over HTTP with the neighbours\' bytes of their edge pieces' },
    { pads: true, what: 'padded: A fetched only its parts over HTTP and wrote the pads\' zeros itself' },
  ])('seeder A seeds every piece of its parts ($what); seeder B gets the same parts from A alone', async ({ pads }) => {
    // 2 KiB pieces: without pads every part's first and last piece hold bytes of its neighbours (256 KiB pieces did the same at scale).
    const label = pads ? 'padded' : 'unpadded';
    const small = await makeSplitVersion({ wholeDir: path.join(dataDir, 'sets', 'paris', 'v1'), keysDir: path.join(dataDir, 'keys'), dir: path.join(work, `split-edges-${label}`, 'paris-v2'), version: 2, pieceLength: 2048, pads });
    expect(small.files.some((f) => f.pad)).toBe(pads);
    const smallFront = await startSplitFront(catalogue.url, [small]);
    const peerOpts = { torrentPort: 0, trackers: false, pex: false, downloadLimit: -1, uploadLimit: -1, maxConns: 20, dht: false as const };
    const a = await createClient({ ...peerOpts, listen: true });
    const b = await createClient(peerOpts);
    clients.push(a, b);
    // The last volume's list: farthest from the top files, so no piece holds bytes of both (each byte is fetched once).
    const v = small.manifest.volumes.at(-1)!;
    const held = [...SPLIT_TOP_FILES, v.list.file];
    const topEnd = Math.max(...small.files.filter((f) => (SPLIT_TOP_FILES as readonly string[]).includes(f.name)).map((f) => f.offset + f.length));
    expect(small.files.find((f) => f.name === v.list.file)!.offset, 'the list starts pieces after the top files').toBeGreaterThan(topEnd + small.pieceLength);
    const metaA = new MetadataHost(a, path.join(work, `edges-a-${label}`));
    try {
      const source = catalogueSource(new CatalogueApi(smallFront.url, UA));
      expect(await source.fetchMetadata(metaA, small.pointer)).toBe('split');
      await metaA.verifiedManifest('paris', 2, small.pointer.k);
      const moved = await source.fetchParts(metaA, 'paris', 2, [v.list]);
      const { pieces, pieceBytes } = piecesCovering(small, held);
      const heldBytes = small.files.filter((f) => held.includes(f.name)).reduce((n, f) => n + f.length, 0);
      const ranged = [...smallFront.ranged.values()].reduce((n, x) => n + x, 0);
      const whole = [...smallFront.served.values()].reduce((n, x) => n + x, 0);
      console.log(`${label} metadata over HTTP: ${heldBytes} bytes of parts + ${ranged} bytes of neighbours in byte ranges = ${pieces.size} whole pieces of 2048 (${pieceBytes} bytes); the list's own edges added ${moved.edgeBytes}`);
      // Each byte of those pieces fetched once: the parts whole, their neighbours' share of the edge pieces in ranges (none when padded).
      expect(whole).toBe(heldBytes);
      const padBytes = small.files.filter((f) => f.pad && [...pieces].some((p) => p * small.pieceLength <= f.offset && f.offset < (p + 1) * small.pieceLength)).reduce((n, f) => n + f.length, 0);
      expect(ranged).toBe(pads ? 0 : pieceBytes - heldBytes);
      if (pads) expect(pieceBytes).toBe(heldBytes + padBytes);
      expect(moved.edgeBytes > 0).toBe(!pads);
      // A seeds every piece covering what it holds.
      const ta = (await a.get(small.infoHash))!;
      expect([...pieces].filter((p) => !ta.bitfield.get(p))).toEqual([]);
      expect(await metaA.partsAbsent('paris', 2, [v.list])).toEqual([]);
    } finally {
      await smallFront.close();
    }

    // The catalogue (and its web seed) is gone: B has the pointer, and A as its only peer.
    const portA = a.address()!.port;
    b.on('add', (t) => (t as unknown as NodeJS.EventEmitter).once('infoHash', () => t.addPeer(`127.0.0.1:${portA}`)));
    const metaB = new MetadataHost(b, path.join(work, `edges-b-${label}`));
    const peers = dhtSource(b);
    expect(await peers.fetchMetadata(metaB, small.pointer)).toBe('split');
    const m = await metaB.verifiedManifest('paris', 2, small.pointer.k);
    await peers.fetchParts(metaB, 'paris', 2, [v.list]);
    expect((await collect(m.filesOf(v.infoHash))).length).toBe(v.files);
    for (const name of held) expect(await readFile(path.join(metaB.folder('paris', 2), name)), name).toEqual(await readFile(path.join(small.dir, name)));
    expect((await b.get(small.infoHash))!.wires.map((w) => w.remoteAddress)).toEqual(['127.0.0.1']);
  }, 120_000);
});

describe('restore of a split version', () => {
  const api = () => new CatalogueApi(front.url, UA);
  const restore = (out: string, more: { only?: string; version?: number } = {}) =>
    restoreSet({ catalogue: api(), setId: 'paris', version: more.version ?? 2, outDir: path.join(work, out), layout: 'commons', webSeeds: true, only: more.only, stallTimeoutMs: 30_000, userAgent: UA, logger: silentLogger });

  it('streams every list and verifies every file, with each volume\'s pages beside them', async () => {
    const r = await restore('restore-all');
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
    expect(r.files).toBe(split.manifest.totals.files);
    expect(r.filesOk).toBe(split.manifest.totals.files);
    expect(r.pages).toEqual({ file: 'pages/', count: split.manifest.totals.files });
    for (const f of split.records) expect(sha1(await readFile(path.join(work, 'restore-all', 'commons', ...f.path.split('/')))), f.title).toBe(f.sha1);
    const restored = await filesUnder(path.join(work, 'restore-all'));
    // The metadata torrent's BEP 47 pads are not files of the set: a restore never writes them.
    expect(restored.filter((n) => n.split('/').includes('.pad'))).toEqual([]);
    const parts = restored.filter((n) => /^(lists|pages)\//.test(n));
    expect(parts).toEqual(split.manifest.volumes.flatMap((v) => [v.list.file, v.pages.file]).sort());
  }, 120_000);

  it('brings the restored files and their pages into a fresh MediaWiki, volume by volume', async () => {
    target = await startWiki({ name: 'split-readers-target' });
    const bot = await target.createBotPassword();
    const outDir = path.join(work, 'restore-all');
    const manifest = await openVersionManifest(outDir);
    const wiki = await TargetWiki.login({ apiUrl: target.apiUrl, username: bot.user, password: bot.password, userAgent: UA, logger: silentLogger });
    const r = await restoreVersionIntoWiki({ wiki, apiUrl: target.apiUrl, setId: 'paris', version: 2, outDir, manifest, wanted: () => true, pathOf: await restoredPathsOf(outDir, 'commons', manifest), logger: silentLogger });
    expect(r.differences, JSON.stringify(r.differences.slice(0, 5))).toEqual([]);
    expect(r.uploaded).toBe(split.records.length);
    const texts = new Map<string, string>();
    for (const v of split.manifest.volumes) for (const [t, x] of await readPageTexts(path.join(outDir, v.pages.file), () => true)) texts.set(t, x);
    expect(texts.size).toBe(split.records.length);
    const titles = split.records.map((f) => f.title);
    for (let i = 0; i < titles.length; i += 50) {
      const res = await apiGet(target.apiUrl, { action: 'query', titles: titles.slice(i, i + 50).join('|'), prop: 'imageinfo|revisions', iiprop: 'sha1', rvprop: 'content', rvslots: 'main', format: 'json', formatversion: 2 });
      for (const p of res.query.pages as Array<{ title: string; imageinfo?: Array<{ sha1: string }>; revisions?: Array<{ slots: { main: { content: string } } }> }>) {
        expect(p.imageinfo?.[0]?.sha1, p.title).toBe(split.records.find((f) => f.title === p.title)!.sha1);
        expect(p.revisions?.[0]?.slots.main.content.trimEnd(), p.title).toBe(texts.get(p.title)!.trimEnd());
      }
    }
  }, 180_000);

  it('restores a random sample chosen while streaming (what drills do)', async () => {
    const r = await restoreSet({ catalogue: api(), setId: 'paris', version: 2, outDir: path.join(work, 'restore-sample'), layout: 'commons', webSeeds: true, sample: 3, stallTimeoutMs: 30_000, userAgent: UA, logger: silentLogger });
    expect(r.ok).toBe(true);
    expect(r.files).toBe(3);
    expect(r.filesOk).toBe(3);
  }, 120_000);

  it('with --only fetches the pages of the matching volumes only', async () => {
    const target = split.records[0]!;
    const before = new Map(front.served);
    const r = await restore('restore-only', { only: target.title.replace(/^File:/, '*') });
    expect(r.ok).toBe(true);
    expect(r.files).toBeGreaterThanOrEqual(1);
    const pagesFetched = [...front.served].filter(([k, n]) => k.startsWith('paris-v2/pages/') && n !== before.get(k)).map(([k]) => k.slice('paris-v2/'.length));
    expect(pagesFetched).toEqual([`pages/${target.volume}.xml.gz`]);
  }, 120_000);

  it('with --only naming a title fetches only the lists of the volumes its prefix allows', async () => {
    const target = split.records.at(-1)!;
    const before = new Map(front.served);
    const r = await restore('restore-only-title', { only: target.title });
    expect(r.ok, JSON.stringify(r.problems)).toBe(true);
    expect(r.files).toBe(1);
    const fetchedNow = ([k, n]: [string, number]) => n !== before.get(k);
    const lists = [...front.served].filter(([k, n]) => k.startsWith('paris-v2/lists/') && fetchedNow([k, n])).map(([k]) => k.slice('paris-v2/'.length));
    // Its own volume's list, and at most the other trie's leaf on the same bits; never the rest.
    expect(lists).toContain(`lists/${target.volume}.ndjson`);
    expect(lists.length).toBeLessThanOrEqual(2);
    expect(lists.length).toBeLessThan(split.manifest.volumes.length);
    const listBytes = lists.reduce((s, k) => s + (front.served.get(`paris-v2/${k}`)! - (before.get(`paris-v2/${k}`) ?? 0)), 0);
    const allLists = split.manifest.volumes.reduce((s, v) => s + v.list.size, 0);
    console.log(`restore --only one title: ${lists.length} of ${split.manifest.volumes.length} lists fetched, ${listBytes} of ${allLists} list bytes`);
    expect(listBytes).toBe(lists.reduce((s, k) => s + split.manifest.volumes.find((v) => v.list.file === k)!.list.size, 0));
  }, 120_000);

  it('refuses a version whose list does not match the signed manifest', async () => {
    const key = `paris-v2/${split.manifest.volumes[1]!.list.file}`;
    front.tampered.add(key);
    try {
      await expect(restore('restore-tampered')).rejects.toThrow(/does not have the SHA-256 the manifest gives/);
    } finally {
      front.tampered.delete(key);
    }
  });

  it('still restores a whole (/2) version', async () => {
    // Restored in beforeAll, before the wiki changed (v1's old files are on no peer and no longer on the wiki).
    expect(wholeRestore.ok, JSON.stringify(wholeRestore.problems)).toBe(true);
    expect(wholeRestore.filesOk).toBe(v1.files.length);
    expect(wholeRestore.pages).toEqual({ file: 'pages.xml.gz', count: v1.files.length });
    for (const f of v1.files) expect(sha1(await readFile(path.join(work, 'restore-v1', 'commons', ...f.path.split('/')))), f.title).toBe(f.sha1);
  });
});

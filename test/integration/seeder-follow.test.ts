// Seeders following a real catalogue on loopback: a real MediaWiki (web seed), the catalogue
// (tracker, API, census, DHT pointers), a three-node loopback DHT, seeders in-process and one as
// a process (kill -9). Every wait has a timeout and says what it waited for.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet } from '../../services/set-builder/build.ts';
import { publishSet } from '../../services/set-builder/publish.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { createDhtNode, dhtReady, listenDht, type DhtNode } from '../../services/tracker-web/dht/dht-lib.ts';
import { startCatalogueServer, type CatalogueServer, type CatalogueServerOptions } from '../../services/tracker-web/server.ts';
import { updateTakedownList } from '../../services/tracker-web/takedown/takedown-file.ts';
import type { Manifest } from '../../shared/formats/manifest.ts';
import type { SetPointer } from '../../shared/formats/pointer.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import { silentLogger } from '../../shared/log.ts';
import { formatSize } from '../../shared/units.ts';
import { seedConfigFromFlags, type SeedFlags } from '../../clients/seeder/config.ts';
import { runSeed } from '../../clients/seeder/run-seed.ts';
import { allocatedSize, VOLUME_OVERHEAD_BYTES } from '../../clients/seeder/quota.ts';
import { readStatus, formatStatus, type StatusRecord } from '../../clients/seeder/status-file.ts';
import { startChildSeeder, type ChildSeeder } from '../helpers/peers/child-seeder.ts';
import { listeningSockets } from '../helpers/peers/listening-sockets.ts';
import { changeWiki, fillWiki, type FixtureSet } from '../../deploy/local/wiki/fixtures.ts';
import { waitFor } from '../helpers/run-cli.ts';
import { story } from '../helpers/story.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';

const WAIT_MS = 45_000;
const POLL = '700ms';
const PIECE = 16 * 1024;
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

let wiki: Wiki;
let fixtures: FixtureSet;
let work: string;
let catalogue: CatalogueServer;
let catalogueOptions: CatalogueServerOptions;
let token: string;
const dhtNodes: DhtNode[] = [];
let bootstrap: string[];
const manifests: Record<string, Manifest> = {};
const running = new Map<string, { stop: () => Promise<void>; out: string[] }>();
const children: ChildSeeder[] = [];

const recipe = (id: string, category: string, depth: number) =>
  parseRecipe({ id, title: `${id} (follow test)`, tags: id === 'birds' ? ['nature'] : ['city'], wiki: wiki.apiUrl, copyTarget: 1, selection: { categories: [{ name: category, depth }] }, volumeSizeLimit: '300KB', pieceLength: '16KiB' });

async function buildAndPublish(id: string, category: string, depth: number): Promise<Manifest> {
  const r = await buildSet({ recipe: recipe(id, category, depth), dataDir: path.join(work, 'builder'), maxBytesPerSecond: 0 });
  await publishSet(path.join(work, 'builder', 'sets', id), { catalogueUrl: catalogue.url, token });
  manifests[`${id}@${r.manifest.version}`] = r.manifest;
  return r.manifest;
}

function flags(name: string, extra: Partial<SeedFlags>): SeedFlags {
  return {
    storage: path.join(work, name), quota: 1e9, catalogue: catalogue.url, port: 0, maxUp: 0, maxDown: 0, webSeeds: true, webSeedConnections: 2,
    scrubShare: 0, scrubInterval: 3_600_000, keepVersions: 2, pollInterval: 700, minHosting: 0, dht: true, dhtBootstrap: bootstrap, ...extra,
  };
}

/** Runs `seedbank seed` in-process (runSeed, as the CLI does) until stopped. */
function startSeeder(name: string, extra: Partial<SeedFlags>): { storage: string; out: string[] } {
  const controller = new AbortController();
  const out: string[] = [];
  const config = seedConfigFromFlags(flags(name, extra));
  const done = runSeed(config, { logger: silentLogger, out: (l) => out.push(l), signal: controller.signal });
  done.catch((err: unknown) => out.push(`runSeed failed: ${String(err)}`));
  running.set(name, { stop: async () => { controller.abort(); await done.catch(() => undefined); running.delete(name); }, out });
  return { storage: config.storage, out };
}

async function status(storage: string): Promise<StatusRecord | null> {
  return readStatus(storage).catch(() => null);
}

/** Waits until the seeder's status passes `check`. */
async function waitStatus(name: string, what: string, check: (s: StatusRecord) => boolean, timeoutMs = WAIT_MS): Promise<StatusRecord> {
  const storage = path.join(work, name);
  try {
    return await waitFor(`${name}: ${what}`, async () => {
      const s = await status(storage);
      return s && check(s) ? s : null;
    }, timeoutMs, 200);
  } catch (err) {
    const s = await status(storage);
    throw new Error(`${(err as Error).message}\nstatus:\n${s ? formatStatus(s).join('\n') : 'none'}\noutput:\n${(running.get(name)?.out ?? []).slice(-30).join('\n')}`);
  }
}

const hostsComplete = (s: StatusRecord, m: Manifest) => m.volumes.every((v) => s.volumes.some((x) => x.infoHash === v.infoHash && x.progress === 1));
const hostsNone = (s: StatusRecord, m: Manifest) => m.volumes.every((v) => !s.volumes.some((x) => x.infoHash === v.infoHash));
const fileOnDisk = (storage: string, p: string) => path.join(storage, 'commons', ...p.split('/'));
/** Where the store keeps a file: a re-upload whose path another version held first lives among the variants. */
async function placed(storage: string, f: { path: string; sha1: string }): Promise<string> {
  const variant = path.join(storage, '.seedbank', 'variants', f.sha1, ...f.path.split('/'));
  return (await stat(variant).then(() => true, () => false)) ? variant : fileOnDisk(storage, f.path);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-follow-'));
  const first = createDhtNode({ bootstrap: false });
  dhtNodes.push(first);
  const firstPort = await listenDht(first, 0, '127.0.0.1');
  for (let i = 0; i < 2; i++) {
    const n = createDhtNode({ bootstrap: [`127.0.0.1:${firstPort}`] });
    dhtNodes.push(n);
    await listenDht(n, 0, '127.0.0.1');
    await dhtReady(n);
  }
  bootstrap = dhtNodes.map((n) => `127.0.0.1:${n.address().port}`);
  wiki = await startWiki({ name: 'follow' });
  fixtures = await fillWiki(wiki, { bigFiles: 0, bulkCount: 24 });
  catalogueOptions = { dataDir: path.join(work, 'catalogue'), port: 0, announceIntervalMs: 2_000, census: { autoStart: false, timeoutMs: 5_000, maxAgeMs: 2_000 }, dht: { bootstrap } };
  catalogue = await startCatalogueServer(catalogueOptions);
  catalogueOptions.port = catalogue.port;
  token = await createToken(catalogue.store, 'follow');
  await buildAndPublish('paris', 'Paris', 3);
  await buildAndPublish('birds', 'Birds', 2);
  await buildAndPublish('street', 'Unrelated', 0);
}, 240_000);

afterAll(async () => {
  for (const c of children) await c.stop('SIGKILL').catch(() => undefined);
  for (const r of [...running.values()]) await r.stop().catch(() => undefined);
  await catalogue?.close().catch(() => undefined);
  await Promise.all(dhtNodes.map((n) => new Promise<void>((r) => n.destroy(() => r()))));
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

// The follow and auto-mode tests go on from the seeders (f1, f2) and versions the earlier steps left.
const step = story();

describe('following named sets', () => {
  step('v1', 'two seeders follow paris v1 from the catalogue, byte for byte, and report their quota', [], async () => {
    const t0 = Date.now();
    const f1 = startSeeder('f1', { sets: ['paris'], http: 0, httpHost: '127.0.0.1' });
    startSeeder('f2', { sets: ['paris'], keepVersions: 1 });
    const m = manifests['paris@1']!;
    for (const name of ['f1', 'f2']) await waitStatus(name, 'paris v1 complete', (s) => hostsComplete(s, m) && s.follow?.sets[0]?.versions.join() === '1');
    for (const f of m.files) expect(sha1(await readFile(fileOnDisk(f1.storage, f.path))), f.title).toBe(f.sha1);
    // A report counts once its host has announced to the tracker: the first poll's report may predate that.
    const offered = async () => ((await (await fetch(`${catalogue.url}/api/view/home`)).json()) as { totals: { offeredBytes: number } }).totals.offeredBytes;
    await waitFor('both seeders\' quotas (2 x 1 GB) to count as offered space once they announced', async () => (await offered()) === 2e9, 20_000);
    expect(await offered()).toBe(2e9);
    console.log(`follow v1: ${m.volumes.length} volumes, ${m.totals.bytes} bytes, ${Date.now() - t0} ms`);
  }, 90_000);

  step('v2', 'moves to v2 moving only the changed bytes, keeping v1 where asked; a seeder cut off from the catalogue finds v2 through the DHT', ['v1'], async () => {
    await running.get('f2')!.stop();
    await changeWiki(wiki, fixtures);
    const v1 = manifests['paris@1']!;
    const v2 = await buildAndPublish('paris', 'Paris', 3);
    expect(v2.version).toBe(2);
    const had = new Set(v1.files.map((f) => `${f.path}:${f.sha1}`));
    const changedFiles = v2.files.filter((f) => !had.has(`${f.path}:${f.sha1}`));
    const changedBytes = changedFiles.reduce((s, f) => s + f.size, 0);
    const newVolumes = v2.volumes.filter((v) => !v1.volumes.some((o) => o.infoHash === v.infoHash));
    const s1 = await waitStatus('f1', 'paris v2 complete with v1 kept', (s) => hostsComplete(s, v2) && hostsComplete(s, v1) && s.follow?.sets[0]?.versions.join() === '1,2');
    const received = s1.volumes.filter((v) => newVolumes.some((n) => n.infoHash === v.infoHash)).reduce((s, v) => s + v.receivedBytes, 0);
    const ratio = received / changedBytes;
    console.log(`v1→v2 via the catalogue: ${received} bytes received for ${changedBytes} changed bytes in ${changedFiles.length} files (ratio ${ratio.toFixed(3)}; ${newVolumes.length} of ${v2.volumes.length} volumes new)`);
    expect(received).toBeLessThanOrEqual(changedBytes * 1.05 + changedFiles.length * PIECE);

    // The catalogue goes down; v2's pointer stays in the DHT (put like the catalogue's publisher does).
    const pointer = JSON.parse(await readFile(path.join(work, 'builder', 'sets', 'paris', 'v2', 'pointer.json'), 'utf8')) as SetPointer;
    await catalogue.close();
    try {
    await new Promise<void>((resolve, reject) => dhtNodes[0]!.put({ k: Buffer.from(pointer.k, 'hex'), salt: Buffer.from(pointer.salt), seq: pointer.seq, v: { ih: Buffer.from(pointer.ih, 'hex') }, sig: Buffer.from(pointer.sig, 'hex') }, (err) => (err && (err as { code?: number }).code !== 302 ? reject(err) : resolve())));
    startSeeder('f2', { sets: ['paris'], keepVersions: 1 });
    // The status is rewritten as soon as anything changes, so it can show v2 complete before the v1-only volumes are gone: wait for both.
    const onlyV2 = (s: StatusRecord) => s.volumes.every((x) => v2.volumes.some((v) => v.infoHash === x.infoHash));
    const s2 = await waitStatus('f2', 'paris v2 through the DHT, v1-only volumes dropped', (s) => hostsComplete(s, v2) && s.follow?.sets[0]?.versions.join() === '2' && onlyV2(s), 60_000);
    expect(s2.follow?.lastContact?.ok).toBe(false);
    expect(running.get('f2')!.out).toContain(`paris v2: ${v2.volumes.length} volumes, ${formatSize(v2.totals.bytes)} (via dht)`);
    expect(s2.volumes.map((v) => v.infoHash).sort()).toEqual(v2.volumes.map((v) => v.infoHash).sort());
    const received2 = s2.volumes.reduce((s, v) => s + v.receivedBytes, 0);
    console.log(`v1→v2 via the DHT and peers: ${received2} bytes received (ratio ${(received2 / changedBytes).toFixed(3)})`);
    expect(received2).toBeLessThanOrEqual(changedBytes * 1.05 + changedFiles.length * PIECE);
    for (const f of v2.files) expect(sha1(await readFile(await placed(path.join(work, 'f2'), f))), f.title).toBe(f.sha1);
    // f1 kept seeding while the catalogue was down.
    expect((await status(path.join(work, 'f1')))!.volumes.every((v) => v.progress === 1)).toBe(true);
    } finally {
      catalogue = await startCatalogueServer(catalogueOptions);
    }
  }, 120_000);

  step('takedown', 'applies a signed takedown: the file leaves the disk and the HTTP mirror', ['v2'], async () => {
    const v2 = manifests['paris@2']!;
    const victim = v2.files[0]!;
    const f1 = path.join(work, 'f1');
    const port = (await status(f1))!.httpPort!;
    const url = `http://127.0.0.1:${port}/commons/${victim.path.split('/').map(encodeURIComponent).join('/')}`;
    expect((await fetch(url)).status).toBe(200);
    await updateTakedownList(catalogueOptions.dataDir, { add: { sha1: victim.sha1, title: victim.title, reason: 'test takedown', addedAt: new Date().toISOString() } });
    await waitStatus('f1', 'the takedown applied', (s) => s.volumes.some((v) => v.blockedPieces > 0) && s.follow?.takedownSerial === 1);
    await expect(stat(fileOnDisk(f1, victim.path))).rejects.toThrow();
    expect((await fetch(url)).status).toBe(404);
  }, 60_000);

  step('unfollowed', 'stops hosting a set taken out of --sets: its volumes and the files only it held leave the disk', ['v2'], async () => {
    const paris = manifests['paris@2']!;
    const birds = manifests['birds@1']!;
    await running.get('f2')!.stop();
    const f2 = startSeeder('f2', { sets: ['birds'], keepVersions: 1 });
    await waitStatus('f2', 'birds hosted, paris dropped', (s) => hostsComplete(s, birds) && hostsNone(s, paris) && s.follow?.sets.map((x) => x.setId).join() === 'birds');
    expect(f2.out.join('\n')).toContain('paris is no longer followed: dropping v2');
    const birdsPaths = new Set(birds.files.map((f) => f.path));
    const parisOnly = paris.files.filter((f) => !birdsPaths.has(f.path));
    expect(parisOnly.length).toBeGreaterThan(0);
    for (const f of parisOnly) await expect(stat(fileOnDisk(f2.storage, f.path)), f.path).rejects.toThrow();
    for (const f of birds.files) expect(sha1(await readFile(fileOnDisk(f2.storage, f.path))), f.title).toBe(f.sha1);
  }, 60_000);
});

describe('auto mode', () => {
  step('auto', 'spreads two sets over two auto seeders, and picks up the volumes of one that leaves without a word', ['v1'], async () => {
    // Copies are counted per host and every seeder here is 127.0.0.1: the paris followers (whose
    // files overlap birds) leave first, after checking that they kept within their quota.
    for (const name of ['f1', 'f2']) {
      const s = (await status(path.join(work, name)))!;
      expect(s.diskUseBytes, `${name} within its quota`).toBeLessThanOrEqual(s.quotaBytes);
      await running.get(name)?.stop();
    }
    const birds = manifests['birds@1']!;
    const street = manifests['street@1']!;
    const planned = (m: Manifest) => m.files.reduce((s, f) => s + allocatedSize(f.size), m.volumes.length * VOLUME_OVERHEAD_BYTES);
    const quota = Math.max(planned(birds), planned(street)) * 1.05;
    console.log(`auto: birds plans ${planned(birds)} bytes, street ${planned(street)} bytes, quota ${Math.round(quota)}`);
    expect(planned(birds) + planned(street), 'the two sets must not fit one quota').toBeGreaterThan(quota);
    startSeeder('a1', { catalogue: catalogue.url, auto: true, quota: Math.round(quota), dht: false });
    const a2dir = path.join(work, 'a2');
    const a2 = startChildSeeder(a2dir, ['--catalogue', catalogue.url, '--auto', '--quota', `${Math.round(quota)}B`, '--poll-interval', POLL, '--min-hosting', '1ms', '--no-dht']);
    children.push(a2);
    const holds = (s: StatusRecord, m: Manifest) => hostsComplete(s, m);
    const [s1, s2] = await waitFor('a1 and a2 to hold different sets, completely', async () => {
      const x = await status(path.join(work, 'a1'));
      const y = await a2.status();
      if (!x || !y) return null;
      const ok = (holds(x, birds) && holds(y, street) && hostsNone(x, street) && hostsNone(y, birds)) || (holds(x, street) && holds(y, birds) && hostsNone(x, birds) && hostsNone(y, street));
      return ok ? [x, y] as const : null;
    }, 60_000, 300).catch(async (err: Error) => {
      throw new Error(`${err.message}\na1:\n${formatStatus((await status(path.join(work, 'a1')))!).join('\n')}\na2:\n${a2.output().slice(-3000)}`);
    });
    const leftSet = holds(s2, birds) ? birds : street;
    expect(holds(s1, leftSet)).toBe(false);
    await catalogue.census.runOnce();
    const copiesOf = (m: Manifest) => Math.min(...m.volumes.map((v) => catalogue.copies.volumeCopies(v.infoHash)));
    expect(copiesOf(leftSet)).toBe(1);
    await a2.stop('SIGKILL');
    await waitFor('the census to notice the killed seeder is gone', async () => {
      await catalogue.census.runOnce();
      return copiesOf(leftSet) === 0;
    }, 30_000, 200);
    startSeeder('a3', { catalogue: catalogue.url, auto: true, quota: Math.round(quota), dht: false });
    await waitStatus('a3', `the volumes of ${leftSet.set.id} the killed seeder held`, (s) => hostsComplete(s, leftSet), 60_000);
    for (const name of ['a1', 'a3']) {
      const s = (await status(path.join(work, name)))!;
      expect(s.diskUseBytes, `${name} within its quota`).toBeLessThanOrEqual(s.quotaBytes);
    }
  }, 150_000);
});

describe('open ports', () => {
  it('a following seeder with the DHT and an HTTP mirror listens on exactly the ports its status names: peers (TCP), DHT (UDP, same number), mirror', async () => {
    const dir = path.join(work, 'ports');
    const child = startChildSeeder(dir, [
      '--catalogue', catalogue.url, '--sets', 'birds', '--quota', '1GB', '--poll-interval', POLL, '--dht-bootstrap', bootstrap.join(','),
      '--peer-host', '127.0.0.1', '--http', '0', '--http-host', '127.0.0.1',
    ]);
    children.push(child);
    const birds = manifests['birds@1']!;
    const s = await child.waitForStatus('birds complete, listening for peers, the DHT and HTTP', (x) => hostsComplete(x, birds) && x.listening.length === 3, 60_000);
    const sockets = await listeningSockets(child.child.pid!);
    const key = (l: { protocol: string; address: string; port: number }) => `${l.protocol} ${l.address}:${l.port}`;
    expect(sockets.map(key).sort(), `open sockets of the seeder process\n${formatStatus(s).join('\n')}`).toEqual(s.listening.map(key).sort());
    // The DHT takes the peer port's number over UDP; when another program (here: another test
    // file's UDP socket) already has that number, it takes a free one and says so in the log.
    const dhtPort = s.listening.find((l) => l.purpose === 'dht')?.port;
    if (dhtPort !== s.port) expect(child.output(), `the DHT is on UDP ${dhtPort}, not ${s.port}, without saying why`).toContain('the DHT could not use the peer port number');
    expect(s.listening).toEqual(expect.arrayContaining([
      { protocol: 'tcp', address: '127.0.0.1', port: s.port, purpose: 'peers' },
      { protocol: 'udp', address: '0.0.0.0', port: dhtPort, purpose: 'dht' },
      { protocol: 'tcp', address: '127.0.0.1', port: s.httpPort, purpose: 'http-mirror' },
    ]));
    expect(formatStatus(s)).toContain(
      `listening (nothing else is open): TCP ${s.port} on 127.0.0.1: BitTorrent peers; UDP ${dhtPort} on every interface: BitTorrent DHT; TCP ${s.httpPort} on 127.0.0.1: HTTP mirror of the tree`,
    );
    await child.stop();
  }, 90_000);
});

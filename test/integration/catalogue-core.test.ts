// The catalogue's core against real parts on loopback: sets built from a real MediaWiki,
// published through the real CLI into a real `seedbank serve` (Express + LMDB), announced by
// real BitTorrent clients (webtorrent, aria2c, bittorrent-tracker over UDP), metadata fetched
// from its web seed by aria2c, and set pointers put into a small loopback DHT.
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { threadNices } from '../helpers/thread-nice.ts';
import os from 'node:os';
import path from 'node:path';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet } from '../../services/set-builder/build.ts';
import { createDhtNode, dhtReady, listenDht, type DhtNode } from '../../services/tracker-web/dht/dht-lib.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { ERRORS } from '../../shared/errors.ts';
import { serializeManifest } from '../../shared/formats/manifest.ts';
import { parseRecipe, type Recipe } from '../../shared/formats/recipe.ts';
import { parseVolumeTorrent } from '../../shared/torrent/index.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import {
  announceFailure, ARIA2_BASE, NETWORK_WAIT_MS, percentBytes, readManifest, scrape, startLoopbackDht, startServe, startTool, stopServe,
  uploadAndCommit, type ApiBody, type ServeHandle,
} from '../helpers/catalogue-serve.ts';
import { runCli, runTool, waitFor } from '../helpers/run-cli.ts';
import { story } from '../helpers/story.ts';

let wiki: Wiki;
let work: string;
let dataA: string; // the builder's folder: v1 and v2 of "paris"
let dataB: string; // another builder, another key, same set id
let catDir: string;
let token: string;
let serve: ServeHandle | null = null;
const dhtNodes: DhtNode[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

function recipe(over: Record<string, unknown> = {}): Recipe {
  return parseRecipe({ id: 'paris', title: 'Paris (catalogue test)', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Paris', depth: 3 }] }, volumeSizeLimit: '1MB', pieceLength: '64KiB', ...over });
}
const v1Dir = () => path.join(dataA, 'sets', 'paris', 'v1');
const v2Dir = () => path.join(dataA, 'sets', 'paris', 'v2');
/** The running catalogue and the token made in step "token", where uploads go by default. */
const here = () => ({ url: serve!.url, token });

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-catalogue-'));
  dataA = path.join(work, 'builder-a');
  dataB = path.join(work, 'builder-b');
  catDir = path.join(work, 'catalogue');
  wiki = await startWiki({ name: 'catalogue-core' });
  await fillWiki(wiki, { bigFiles: 1, bulkCount: 12 });
  await buildSet({ recipe: recipe(), dataDir: dataA, maxBytesPerSecond: 0 });
  // A narrower selection: a new recipe, fewer files, so the same data folder makes v2.
  await buildSet({ recipe: recipe({ selection: { categories: [{ name: 'Paris', depth: 1 }] } }), dataDir: dataA, maxBytesPerSecond: 0 });
  await buildSet({ recipe: recipe(), dataDir: dataB, maxBytesPerSecond: 0 });
  dhtNodes.push(...(await startLoopbackDht(3)));
  const bootstrap = dhtNodes.map((n) => `127.0.0.1:${n.address().port}`).join(',');
  serve = await startServe(catDir, ['--dht-bootstrap', bootstrap, '--dht-reput-interval', '5s']);
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  if (serve) {
    serve.child.kill('SIGTERM');
    await serve.done;
  }
  await Promise.all(dhtNodes.map((n) => new Promise<void>((r) => n.destroy(() => r()))));
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

// Most steps go on from what earlier ones left in the shared catalogue (the token, v1 and v2,
// v2's staged files): each says which.
const step = story();

describe('publishing', () => {
  step('token', 'makes a token with the CLI, printed on the last line and stored only as its SHA-256', [], async () => {
    const r = await runCli(['catalogue', 'token', 'create', '--data', catDir, '--label', 'ci']);
    expect(r.code, r.stderr).toBe(0);
    token = r.stdout.trim().split('\n').at(-1)!;
    expect(token).toMatch(/^sbk_[\w-]{40,}$/);
    const db = await readFile(path.join(catDir, 'catalogue.lmdb', 'data.mdb'));
    expect(db.includes(Buffer.from(token))).toBe(false);
    expect(db.includes(Buffer.from(createHash('sha256').update(token).digest('hex')))).toBe(true);
  });

  step('no-token', 'refuses a publish without a token or with a wrong one (401)', [], async () => {
    const none = await fetch(`${serve!.url}/api/publish/paris/1/manifest.json`, { method: 'PUT', body: 'x' });
    expect(none.status).toBe(401);
    expect(((await none.json()) as ApiBody).error.code).toBe('TOKEN_MISSING');
    const r = await runCli(['publish', v1Dir(), '--catalogue', serve!.url, '--token', 'sbk_wrong']);
    expect(r.code).toBe(ERRORS.TOKEN_INVALID.exit);
    expect(r.stderr).toMatch(/token is not valid/);
  });

  step('too-big', 'refuses bodies over the limits with a clear 413, declared or streamed', ['token'], async () => {
    const auth = { authorization: `Bearer ${token}` };
    const big = await fetch(`${serve!.url}/api/publish/paris/9/pointer.json`, { method: 'PUT', headers: auth, body: Buffer.alloc(100 * 1024, 0x20) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as ApiBody).error).toMatchObject({ code: 'UPLOAD_TOO_LARGE', message: expect.stringContaining('pointer.json') });
    const chunks = (function* () { for (let i = 0; i < 80; i++) yield new Uint8Array(64 * 1024); })();
    const stream = new ReadableStream({ pull(c) { const n = chunks.next(); if (n.done) c.close(); else c.enqueue(n.value); } });
    const streamed = await fetch(`${serve!.url}/api/publish/paris/9/manifest.json`, { method: 'PUT', headers: auth, body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await fetch(`${serve!.url}/api/publish/paris/9`, { method: 'DELETE', headers: auth })).status).toBe(204);
  });

  step('tampered', 'refuses a tampered manifest, saying the signature does not hold', ['token'], async () => {
    const dir = path.join(work, 'tampered', 'v1');
    await cp(v1Dir(), dir, { recursive: true });
    const m = await readManifest(dir);
    await writeFile(path.join(dir, 'manifest.json'), serializeManifest({ ...m, set: { ...m.set, title: 'Not Paris' } }));
    const r = await uploadAndCommit(here(), dir);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('SIGNATURE_INVALID');
    expect(r.body.error.message).toMatch(/signature does not match the manifest/);
  });

  step('hostile', 'refuses a volume torrent with a hostile path', ['token'], async () => {
    const m = await readManifest(v1Dir());
    const hostile = bencode.encode({ info: { files: [{ length: 1, path: ['..', '..', 'etc', 'passwd'] }], name: 'commons', 'piece length': 16384, pieces: new Uint8Array(20) } });
    const r = await uploadAndCommit(here(), v1Dir(), { [m.volumes[0]!.torrent]: hostile });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('TORRENT_HOSTILE_PATH');
  });

  step('v2-first', 'says clearly that v1 is missing when v2 comes first (409)', ['token'], async () => {
    const r = await runCli(['publish', v2Dir(), '--catalogue', serve!.url, '--token', token]);
    expect(r.code).toBe(ERRORS.VERSION_OUT_OF_ORDER.exit);
    expect(r.stderr).toMatch(/paris v2 cannot be published yet: v1 is missing/);
    expect(r.stderr).toMatch(/publish paris v1 first/);
    const raw = await uploadAndCommit(here(), v2Dir());
    expect([raw.status, raw.body.error.code]).toEqual([409, 'VERSION_OUT_OF_ORDER']);
  });

  step('published', 'publishes v1 with the CLI, then v2 with build --publish; both land in the store and staging is cleaned', ['token', 'v2-first'], async () => {
    const r1 = await runCli(['publish', v1Dir(), '--catalogue', serve!.url], { env: { SEEDBANK_TOKEN: token } });
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(/paris v1: published/);
    // The recipe file is named after the set id, as the builder requires.
    const recipeFile = path.join(work, 'recipes', 'paris.json');
    await mkdir(path.dirname(recipeFile), { recursive: true });
    await writeFile(recipeFile, JSON.stringify({ ...recipe({ selection: { categories: [{ name: 'Paris', depth: 1 }] } }), wiki: wiki.apiUrl }));
    const b = await runCli(['build', recipeFile, '--data', dataA, '--max-rate', '0', '--publish', serve!.url, '--token', token]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/no change since v2/);
    // Resumed: every file of v2 was staged by the refused attempt above, so none is sent again.
    expect(b.stdout).toMatch(/paris v2: published to \S+ \(0 files uploaded/);
    const again = await runCli(['build', recipeFile, '--data', dataA, '--max-rate', '0', '--publish', serve!.url, '--token', token]);
    expect(again.stdout).toMatch(/paris v2: already in the catalogue/);
    await expect(stat(path.join(catDir, 'catalogue-staging', 'paris', 'v1'))).rejects.toThrow();

    const [m1, m2] = [await readManifest(v1Dir()), await readManifest(v2Dir())];
    const store = CatalogueStore.open(catDir);
    try {
      expect(store.getSet('paris')).toMatchObject({ latestVersion: 2, publicKey: m1.set.publicKey, title: m2.set.title });
      expect(store.getVersions('paris').map((v) => [v.version, v.volumes.length])).toEqual([[1, m1.volumes.length], [2, m2.volumes.length]]);
      expect(store.versionFiles.manifestText('paris', 2)).toBe(await readFile(path.join(v2Dir(), 'manifest.json'), 'utf8'));
      const f = m1.files[0]!;
      expect(store.filesBySha1(f.sha1)).toContainEqual(expect.objectContaining({ setId: 'paris', version: 1, title: f.title, path: f.path, volume: f.volume }));
      expect(store.sha1sForTitle(f.title)).toContain(f.sha1);
      const vol = store.getVolume(m1.volumes[0]!.infoHash)!;
      expect(vol).toMatchObject({ prefix: m1.volumes[0]!.prefix, size: m1.volumes[0]!.size, files: m1.volumes[0]!.files });
      expect(parseVolumeTorrent(store.volumeTorrent(vol.infoHash)!).infoHash).toBe(vol.infoHash);
      expect(store.isTracked(store.getVersion('paris', 2)!.metadataInfoHash)).toBe(true);
      // The census's table: one observation per (torrent, host, port), latest wins.
      const seen = { lastSeen: 1, complete: true, havePieces: vol.pieces, auditedAt: 2, auditOk: true, bitfield: new Uint8Array([0xff]) };
      await store.observations.put(vol.infoHash, '127.0.0.9', 6881, { ...seen, auditOk: false, reason: 'piece 0 did not match' });
      await store.observations.put(vol.infoHash, '127.0.0.9', 6881, seen);
      expect([...store.observations.all()].filter((o) => o.infoHash === vol.infoHash)).toEqual([{ infoHash: vol.infoHash, host: '127.0.0.9', port: 6881, ...seen, bitfield: expect.any(Uint8Array) }]);
      await store.observations.remove(vol.infoHash, '127.0.0.9', 6881);
    } finally {
      await store.close();
    }
  });

  step('no-op', 'treats the identical version as a no-op (200) and another one under the same number as a conflict (409)', ['published'], async () => {
    const same = await uploadAndCommit(here(), v1Dir());
    expect([same.status, same.body.status]).toEqual([200, 'unchanged']);
    const dir = path.join(work, 'resigned', 'v1');
    await cp(path.join(dataB, 'sets', 'paris', 'v1'), dir, { recursive: true });
    const other = await uploadAndCommit(here(), dir);
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'KEY_MISMATCH', hint: expect.stringContaining('rotate-key') });
  });

  step('rotated', 'lets an operator rotate the key with the CLI', ['published'], async () => {
    const keyB = (await readManifest(path.join(dataB, 'sets', 'paris', 'v1'))).set.publicKey;
    const keyA = (await readManifest(v1Dir())).set.publicKey;
    const r = await runCli(['catalogue', 'rotate-key', '--data', catDir, 'paris', keyB]);
    expect(r.code, r.stderr).toBe(0);
    const set = (await (await fetch(`${serve!.url}/api/sets/paris`)).json()) as { set: { publicKey: string } };
    expect(set.set.publicKey).toBe(keyB);
    // Under the new key B's v1 is no longer refused for its key, but v1 exists with other content.
    const conflict = await uploadAndCommit(here(), path.join(dataB, 'sets', 'paris', 'v1'));
    expect([conflict.status, conflict.body.error.code]).toEqual([409, 'VERSION_EXISTS']);
    expect((await runCli(['catalogue', 'rotate-key', '--data', catDir, 'paris', keyA])).code).toBe(0);
  });
});

describe('metadata web seed', () => {
  step('metadata', 'serves the metadata torrent with the catalogue as web seed, info hash unchanged', ['published'], async () => {
    const pointer = JSON.parse(await readFile(path.join(v1Dir(), 'pointer.json'), 'utf8')) as { ih: string };
    const served = Buffer.from(await (await fetch(`${serve!.url}/sets/paris/v1/metadata.torrent`)).arrayBuffer());
    const t = parseVolumeTorrent(served);
    expect(t.infoHash).toBe(pointer.ih);
    expect(t.urlList).toEqual([`${serve!.url}/meta/`]);
    const byHash = Buffer.from(await (await fetch(`${serve!.url}/torrents/${pointer.ih}.torrent`)).arrayBuffer());
    expect(byHash.equals(served)).toBe(true);
    const ranged = await fetch(`${serve!.url}/meta/paris-v1/manifest.json`, { headers: { range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual((await readFile(path.join(v1Dir(), 'manifest.json'))).subarray(10, 20));
  });

  step('metadata-aria2c', 'lets aria2c fetch a version\'s metadata from the web seed alone, byte for byte', ['published'], async () => {
    const file = path.join(work, 'paris-v2-meta.torrent');
    await writeFile(file, Buffer.from(await (await fetch(`${serve!.url}/sets/paris/latest/metadata.torrent`)).arrayBuffer()));
    const out = path.join(work, 'aria2-meta');
    await runTool('aria2c', ['--dir', out, '--seed-time=0', '--check-integrity=true', '--bt-stop-timeout=60', ...ARIA2_BASE, file], { timeoutMs: NETWORK_WAIT_MS });
    for (const name of ['manifest.json', 'manifest.sig', 'pages.xml.gz']) {
      expect((await readFile(path.join(out, 'paris-v2', name))).equals(await readFile(path.join(v2Dir(), name))), name).toBe(true);
    }
  });
});

describe('tracker', () => {
  step('tracked', 'counts a webtorrent seeder and an aria2c downloader of a published volume', ['published'], async () => {
    const m = await readManifest(v1Dir());
    const vol = m.volumes[0]!;
    const torrent = await readFile(path.join(v1Dir(), vol.torrent));
    const specifier: string = 'webtorrent';
    const WebTorrent = ((await import(specifier)) as { default: new (o: object) => { add(t: Uint8Array, o: object): unknown; destroy(cb: () => void): void } }).default;
    const client = new WebTorrent({ dht: false, lsd: false, natUpnp: false, natPmp: false, utp: false, utPex: false, webSeeds: false });
    cleanups.push(() => new Promise<void>((r) => client.destroy(() => r())));
    client.add(torrent, { path: path.join(dataA, 'media'), announce: [`${serve!.url}/announce`] });
    await waitFor('webtorrent to be counted as a seeder', async () => (await scrape(serve!.url, vol.infoHash)).complete >= 1, NETWORK_WAIT_MS, 250);

    const file = path.join(work, 'volume.torrent');
    await writeFile(file, Buffer.from(await (await fetch(`${serve!.url}/torrents/${vol.infoHash}.torrent`)).arrayBuffer()));
    const aria = startTool('aria2c', ['--dir', path.join(work, 'aria2-volume'), `--bt-tracker=${serve!.url}/announce`, '--seed-time=10', '--seed-ratio=0.0', ...ARIA2_BASE, file]);
    cleanups.push(aria.stop);
    await waitFor('aria2c to finish and be counted as a second seeder', async () => (await scrape(serve!.url, vol.infoHash)).complete >= 2, NETWORK_WAIT_MS, 250);
    const got = await readFile(path.join(work, 'aria2-volume', 'commons', ...m.files.find((f) => f.volume === vol.infoHash)!.path.split('/')));
    expect(createHash('sha1').update(got).digest('hex')).toBe(m.files.find((f) => f.volume === vol.infoHash)!.sha1);

    // The history counts seeding hosts: webtorrent and aria2c both announce from 127.0.0.1, one host.
    const history = await waitFor('a history sample with the seeders', async () => {
      const h = ((await (await fetch(`${serve!.url}/api/swarms/${vol.infoHash}`)).json()) as { history: Array<{ complete: number }> }).history;
      return h.some((s) => s.complete >= 1) ? h : null;
    }, NETWORK_WAIT_MS, 250);
    expect(Math.max(...history.map((s) => s.complete))).toBe(1);
    await aria.stop();
    await waitFor('aria2c\'s stop announce to lower the count', async () => (await scrape(serve!.url, vol.infoHash)).complete === 1, NETWORK_WAIT_MS, 250);
  });

  step('bad-announces', 'answers an unknown info hash and malformed announces with a bencoded failure, and stays up', ['published'], async () => {
    const peer = 'peer_id=-SB0001-abcdefghijkl&port=6881&left=0';
    expect(await announceFailure(serve!.url, `info_hash=${percentBytes('ab'.repeat(20))}&${peer}`)).toMatch(/not in this catalogue/);
    const known = (await readManifest(v1Dir())).volumes[0]!.infoHash;
    expect(await announceFailure(serve!.url, '')).toMatch(/info_hash/);
    expect(await announceFailure(serve!.url, `info_hash=short&${peer}`)).toMatch(/invalid info_hash/);
    expect(await announceFailure(serve!.url, `info_hash=${percentBytes(known)}&peer_id=x&port=1`)).toMatch(/invalid peer_id/);
    expect(await announceFailure(serve!.url, `info_hash=${percentBytes(known)}&peer_id=-SB0001-abcdefghijkl&port=99999`)).toMatch(/invalid port/);
    expect(await announceFailure(serve!.url, `info_hash=${percentBytes(known)}&${peer}&event=exploded`)).toMatch(/invalid event/);
    expect(await announceFailure(serve!.url, `info_hash=%zz%&info_hash=1&${peer}`)).not.toBe('');
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.send(Buffer.from('garbage that is not a tracker packet'), serve!.port, '127.0.0.1', () => r()));
    udp.close();
    expect((await fetch(`${serve!.url}/healthz`)).status).toBe(200);
  });

  step('udp', 'serves the UDP tracker protocol on the same port', ['published'], async () => {
    const specifier: string = 'bittorrent-tracker';
    interface UdpClient {
      once(event: 'update', cb: (u: { complete: number }) => void): void;
      once(event: 'warning' | 'error', cb: (e: Error) => void): void;
      start(): void;
      destroy(): void;
    }
    const { Client } = (await import(specifier)) as { Client: new (o: object) => UdpClient };
    const known = (await readManifest(v2Dir())).volumes.at(-1)!.infoHash;
    const announce = async (infoHash: string) => {
      const client = new Client({ infoHash, peerId: Buffer.from('-SB0001-udp-client01'), announce: [`udp://127.0.0.1:${serve!.port}`], port: 6999, getAnnounceOpts: () => ({ left: 0, uploaded: 0, downloaded: 0 }) });
      try {
        return await new Promise<{ update?: { complete: number }; warning?: string }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no UDP tracker answer within 30 s')), 30_000);
          client.once('update', (u: { complete: number }) => (clearTimeout(timer), resolve({ update: u })));
          client.once('warning', (e: Error) => (clearTimeout(timer), resolve({ warning: e.message })));
          client.once('error', (e: Error) => (clearTimeout(timer), reject(e)));
          client.start();
        });
      } finally {
        client.destroy();
      }
    };
    const ok = await announce(known);
    expect(ok.update?.complete).toBeGreaterThanOrEqual(1);
    const refused = await announce('cd'.repeat(20));
    expect(refused.warning).toMatch(/not in this catalogue/);
  });
});

describe('DHT', () => {
  step('dht', "puts the set's latest pointer where a separate node can get it", ['published'], async () => {
    const pointer = JSON.parse(await readFile(path.join(v2Dir(), 'pointer.json'), 'utf8')) as { k: string; salt: string; ih: string; seq: number };
    const reader = createDhtNode({ bootstrap: [`127.0.0.1:${dhtNodes[0]!.address().port}`] });
    cleanups.push(() => new Promise<void>((r) => reader.destroy(() => r())));
    await listenDht(reader, 0, '127.0.0.1');
    await dhtReady(reader);
    const target = createHash('sha1').update(Buffer.concat([Buffer.from(pointer.k, 'hex'), Buffer.from(pointer.salt)])).digest();
    const item = await waitFor('the pointer to be in the DHT', () => new Promise<{ seq: number; v: Record<string, Uint8Array> } | null>((resolve) => {
      reader.get(target, { salt: Buffer.from(pointer.salt), cache: false }, (err, value) => resolve(!err && value && value.seq === pointer.seq ? value : null));
    }), NETWORK_WAIT_MS, 500);
    expect(Buffer.from(item.v.ih!).toString('hex')).toBe(pointer.ih);
    expect(item.seq).toBe(2);
  });
});

describe('the app in-process (port 0)', () => {
  it('rate-limits the API per address with a JSON 429, and drops silent peers from the live counts', async () => {
    const { startCatalogueServer } = await import('../../services/tracker-web/server.ts');
    const { createToken } = await import('../../services/tracker-web/auth/tokens.ts');
    const server = await startCatalogueServer({ dataDir: path.join(work, 'in-process'), port: 0, rateLimits: { readPerMinute: 3 }, peerTtlMs: 300, sampleIntervalMs: 60_000 });
    cleanups.push(() => server.close());
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${server.url}/api/sets`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(((await (await fetch(`${server.url}/api/sets`)).json()) as ApiBody).error.code).toBe('RATE_LIMITED');

    const published = await uploadAndCommit({ url: server.url, token: await createToken(server.store, 'in-process') }, v1Dir());
    expect(published.status).toBe(201);
    const ih = (await readManifest(v1Dir())).volumes[0]!.infoHash;
    expect(await fetch(`${server.url}/announce?info_hash=${percentBytes(ih)}&peer_id=-SB0001-abcdefghijkl&port=6881&left=0`).then((r) => r.status)).toBe(200);
    expect(server.tracker.counts(ih).complete).toBe(1);
    await server.sampler.sampleNow();
    await waitFor('the silent peer to leave the live counts', async () => server.tracker.counts(ih).complete === 0, NETWORK_WAIT_MS, 100);
    await server.sampler.sampleNow();
    expect(server.store.history.swarmHistory(ih).map((x) => x.complete)).toEqual([1, 0]);
  });
});

describe('restart', () => {
  step('restart', 'keeps sets, versions, tokens, metadata and tracking across a restart', ['published'], async () => {
    const before = await (await fetch(`${serve!.url}/api/sets/paris`)).json();
    const old = serve!;
    serve = null;
    await stopServe(old);
    serve = await startServe(catDir);
    expect(await (await fetch(`${serve.url}/api/sets/paris`)).json()).toEqual(before);
    // `seedbank serve` runs its other threads (V8's helpers, libuv's pool) 10 nice values below the event loop.
    const nices = await threadNices(serve.child.pid!);
    const main = nices.get(serve.child.pid!);
    expect(main).toBeDefined();
    expect(nices.size).toBeGreaterThan(2);
    for (const [tid, nice] of nices) if (tid !== serve.child.pid) expect(nice, `thread ${tid}`).toBe(Math.min(19, main! + 10));
    const manifest = await fetch(`${serve.url}/meta/paris-v2/manifest.json`);
    expect(Buffer.from(await manifest.arrayBuffer()).equals(await readFile(path.join(v2Dir(), 'manifest.json')))).toBe(true);
    const known = (await readManifest(v1Dir())).volumes[1]!.infoHash;
    expect(await announceFailure(serve!.url, `info_hash=${percentBytes(known)}&peer_id=-SB0001-abcdefghijkl&port=6881&left=0`)).toBe('');
    expect((await scrape(serve!.url, known)).complete).toBe(1);
    const same = await uploadAndCommit(here(), v2Dir());
    expect([same.status, same.body.status]).toEqual([200, 'unchanged']);
  });
});

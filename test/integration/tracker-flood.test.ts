// A tracker flood from one address against a real catalogue (HTTP tracker, port 0): a real
// webtorrent seeder on 127.0.0.1 announces a volume, then 127.0.0.2 sends 25,000 announces with
// different peer ids and ports. The seeder stays in the swarm, the seeder count shown (API,
// metrics) is at most 2 hosts, a real aria2c leecher finds the seeder through the tracker and
// downloads, and the seeder's own `stopped` still removes it.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { createVolumeTorrent } from '../../shared/torrent/index.ts';
import { newVersion } from '../helpers/catalogue-records.ts';
import { aria2Download } from '../helpers/peers/other-clients.ts';
import { waitFor } from '../helpers/run-cli.ts';

const FLOOD_ANNOUNCES = 25_000;
const FLOOD_CONCURRENCY = 64;
const FILE_BYTES = 3 * 256 * 1024;
const NETWORK_WAIT_MS = 30_000;
const FILE_PATH = 'a/ab/Flood_test.bin';

interface WebTorrentLike {
  add(t: Uint8Array, o: object): unknown;
  address(): { port: number } | null;
  destroy(cb: () => void): void;
}

let work: string;
let catalogue: CatalogueServer;
let torrent: Buffer;
let infoHash: string;
let content: Buffer;
const cleanups: Array<() => Promise<void>> = [];

const pct = (b: Buffer) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-flood-'));
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: null, sampleIntervalMs: 60_000, announceIntervalMs: 60_000 });
  content = randomBytes(FILE_BYTES);
  const abs = path.join(work, 'seed', 'commons', ...FILE_PATH.split('/'));
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, content);
  const t = await createVolumeTorrent({ files: [{ path: FILE_PATH, length: FILE_BYTES, absPath: abs }], pieceLength: 256 * 1024, urlList: [], announce: [`${catalogue.url}/announce`], workers: 1 });
  torrent = t.torrent;
  infoHash = t.infoHash;
  catalogue.store.putVersion(await newVersion(path.join(work, 'keys'), 1, 'ee'.repeat(20), [infoHash]));
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await catalogue?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Sends `count` announces from 127.0.0.2, each a different peer id and port; returns how many were refused. */
async function flood(count: number): Promise<{ refused: number; ms: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: FLOOD_CONCURRENCY, localAddress: '127.0.0.2' });
  const ih = pct(Buffer.from(infoHash, 'hex'));
  let next = 0;
  let refused = 0;
  const started = performance.now();
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const peerId = pct(Buffer.from(`-XX0001-${String(i).padStart(12, '0')}`));
      const req = http.get(`${catalogue.url}/announce?info_hash=${ih}&peer_id=${peerId}&port=${10_000 + i}&left=0&event=started&numwant=0`, { agent }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (body.includes('failure reason')) refused++;
          resolve();
        });
      });
      req.on('error', reject);
    });
  const worker = async () => {
    while (next < count) await one(next++);
  };
  await Promise.all(Array.from({ length: FLOOD_CONCURRENCY }, worker));
  agent.destroy();
  return { refused, ms: performance.now() - started };
}

describe('tracker flood from one address', () => {
  it('keeps the real seeder, counts hosts not entries, and still lets a leecher find the seeder', async () => {
    const specifier: string = 'webtorrent';
    const WebTorrent = ((await import(specifier)) as { default: new (o: object) => WebTorrentLike }).default;
    const client = new WebTorrent({ dht: false, lsd: false, natUpnp: false, natPmp: false, utp: false, utPex: false, webSeeds: false });
    let destroyed = false;
    const destroy = () => (destroyed ? Promise.resolve() : new Promise<void>((r) => ((destroyed = true), client.destroy(() => r()))));
    cleanups.push(destroy);
    client.add(torrent, { path: path.join(work, 'seed') });
    const seederPort = await waitFor('webtorrent to announce itself as a seeder', async () => {
      const p = catalogue.tracker.swarmStore.peers(infoHash).find((x) => x.ip === '127.0.0.1' && x.complete);
      return p?.port;
    }, NETWORK_WAIT_MS, 100);

    const { refused, ms } = await flood(FLOOD_ANNOUNCES);
    console.log(`flood: ${FLOOD_ANNOUNCES} announces from 127.0.0.2 in ${Math.round(ms)} ms, ${refused} refused by the rate limit`);
    expect(refused).toBeGreaterThan(FLOOD_ANNOUNCES * 0.9);

    const peers = catalogue.tracker.swarmStore.peers(infoHash);
    expect(peers.filter((p) => p.ip === '127.0.0.2').length).toBeLessThanOrEqual(8);
    expect(peers.some((p) => p.ip === '127.0.0.1' && p.port === seederPort)).toBe(true);
    const api = (await (await fetch(`${catalogue.url}/api/volumes/${infoHash}`)).json()) as { swarm: { seedingHosts: number } };
    expect(api.swarm.seedingHosts).toBe(2);
    const metrics = await (await fetch(`${catalogue.url}/metrics`)).text();
    expect(metrics).toMatch(/^seedbank_swarm_seeders 2$/m);

    // A real leecher on 127.0.0.1 (its own rate budget untouched by 127.0.0.2's flood) finds the seeder through the tracker.
    const file = path.join(work, 'volume.torrent');
    await writeFile(file, torrent);
    await aria2Download(file, path.join(work, 'leecher'), NETWORK_WAIT_MS * 2);
    expect((await readFile(path.join(work, 'leecher', 'commons', ...FILE_PATH.split('/')))).equals(content)).toBe(true);

    await destroy(); // sends `stopped`
    await waitFor("the seeder's stopped announce to remove it", async () => !catalogue.tracker.swarmStore.peers(infoHash).some((p) => p.ip === '127.0.0.1' && p.port === seederPort), NETWORK_WAIT_MS, 100);
  });
});

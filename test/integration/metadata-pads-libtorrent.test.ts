// A padded split metadata torrent (BEP 47 pads, shared/torrent/metadata-layout.ts) between our
// seeder's MetadataHost (webtorrent 2.8) and python3-libtorrent 2.0 on 127.0.0.1, both ways:
// libtorrent downloads every part from our seeder byte for byte, and our seeder downloads every
// part from libtorrent seeding a folder that holds the parts and no pad file. Going that way our
// seeder must not ask for the pads' whole 16 KiB blocks (it marks them as received zeros), so it
// receives exactly the torrent's bytes less those blocks. No DHT, LSD, UPnP, NAT-PMP or tracker
// anywhere; no wiki is needed: the parts are random bytes under the contract's names.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomMetadataParts } from '../helpers/metadata-parts.ts';
import { MetadataHost } from '../../clients/seeder/follow/metadata-host.ts';
import { createClient, WIRE_BLOCK_BYTES, type WTClient } from '../../clients/seeder/webtorrent-api.ts';
import { metadataTorrentBytes, paddedMetadataInfo, type MetadataEntry } from '../../shared/torrent/metadata-layout.ts';
import { libtorrentDownload, startLibtorrentSeeder, type LibtorrentSeeder } from '../helpers/peers/other-clients.ts';

/** Four 16 KiB blocks a piece, so a pad can cover whole blocks of the piece it ends. */
const PIECE = 64 * 1024;
const TIMEOUT_MS = 60_000;
const parts = randomMetadataParts(PIECE);
const names = [...parts.keys()];

let work: string;
let torrent: Buffer;
let torrentFile: string;
let infoHash: string;
let entries: MetadataEntry[];
let totalBytes: number;
const clients: WTClient[] = [];
let libtorrent: LibtorrentSeeder | undefined;

/** Writes the parts (no pad) under `root/pads-v1/`. */
async function writeParts(root: string): Promise<void> {
  for (const [name, bytes] of parts) {
    const file = path.join(root, 'pads-v1', ...name.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
  }
}

/** Bytes of the pads' whole blocks: a pad runs from a part's end to a piece boundary, so its blocks from the first one after that end. */
function wholePadBlockBytes(): number {
  return entries.filter((e) => e.pad).reduce((n, e) => n + (PIECE - Math.ceil((e.offset % PIECE) / WIRE_BLOCK_BYTES) * WIRE_BLOCK_BYTES), 0);
}

async function ourClient(listen: boolean): Promise<WTClient> {
  const c = await createClient({ torrentPort: 0, trackers: false, pex: false, downloadLimit: -1, uploadLimit: -1, maxConns: 20, dht: false, listen });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-pads-libtorrent-'));
  const source = path.join(work, 'source');
  await writeParts(source);
  const made = await paddedMetadataInfo(path.join(source, 'pads-v1'), 'pads-v1', names, PIECE);
  ({ infoHash, entries, totalBytes } = made);
  torrent = metadataTorrentBytes(made.info);
  torrentFile = path.join(work, 'pads-v1.torrent');
  await writeFile(torrentFile, torrent);
  expect(wholePadBlockBytes(), 'the fixture needs pads that cover whole blocks').toBeGreaterThan(0);
});

afterAll(async () => {
  await libtorrent?.close();
  await Promise.all(clients.map((c) => new Promise<void>((r) => c.destroy(() => r()))));
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a padded metadata torrent with python3-libtorrent', () => {
  it('libtorrent downloads every part from our seeder, byte for byte, and writes no pad file', async () => {
    const a = await ourClient(true);
    const root = path.join(work, 'our-seeder');
    await writeParts(root);
    const host = new MetadataHost(a, root);
    await host.saveTorrent(torrent, 'pads', 1);
    await host.host('pads', 1, names);
    const t = (await a.get(infoHash))!;
    expect(t.files.every((f) => f.done), 'our seeder holds every file (pads written by the host)').toBe(true);

    const into = path.join(work, 'libtorrent-data');
    const r = await libtorrentDownload(torrentFile, into, `127.0.0.1:${a.address()!.port}`, 'disabled', TIMEOUT_MS);
    expect(r, 'libtorrent finished the padded torrent from our seeder').toMatchObject({ seeding: true, progress: 1 });
    for (const [name, bytes] of parts) expect((await readFile(path.join(into, 'pads-v1', ...name.split('/')))).equals(bytes), name).toBe(true);
    const written = (await readdir(path.join(into, 'pads-v1'), { recursive: true })).map(String).filter((n) => n.startsWith('.pad'));
    expect(written, 'libtorrent 2 knows BEP 47: pads are not files on its disk').toEqual([]);
    const padBytes = entries.filter((e) => e.pad).reduce((n, e) => n + e.length, 0);
    console.log(`libtorrent from our seeder: ${r.downloaded} payload bytes received of ${totalBytes} in the torrent (${padBytes} of them pads); our seeder sent ${t.uploaded}`);
  }, 120_000);

  it('our seeder downloads every part from libtorrent seeding without pad files, and never asks for the pads\' whole blocks', async () => {
    const seeded = path.join(work, 'libtorrent-seed');
    await writeParts(seeded);
    libtorrent = await startLibtorrentSeeder(torrentFile, seeded);

    const b = await ourClient(false);
    const port = libtorrent.port;
    // webtorrent takes peers once the torrent knows its info hash.
    b.on('add', (t) => (t as unknown as NodeJS.EventEmitter).once('infoHash', () => t.addPeer(`127.0.0.1:${port}`)));
    // Every block the peer sent (bittorrent-protocol's 'piece' event: payload only, no message framing).
    const blocks: Array<{ start: number; length: number }> = [];
    b.on('add', (t) => t.on('wire', (w) => (w as unknown as NodeJS.EventEmitter).on('piece', (index: number, offset: number, data: Uint8Array) => blocks.push({ start: index * PIECE + offset, length: data.length }))));
    const root = path.join(work, 'our-follower');
    const host = new MetadataHost(b, root);
    await host.saveTorrent(torrent, 'pads', 1);
    await host.host('pads', 1, names, TIMEOUT_MS);
    for (const [name, bytes] of parts) expect((await readFile(path.join(host.folder('pads', 1), ...name.split('/')))).equals(bytes), name).toBe(true);
    const t = (await b.get(infoHash))!;
    expect(t.done, 'every piece verified, pads included').toBe(true);
    const skipped = wholePadBlockBytes();
    const payload = blocks.reduce((n, x) => n + x.length, 0);
    console.log(`our seeder from libtorrent: ${payload} payload bytes in ${blocks.length} blocks (${t.received} on the wire) of ${totalBytes} in the torrent; ${skipped} bytes of pads' whole blocks not asked for`);
    const padBlocks = blocks.filter((x) => entries.some((e) => e.pad && x.start >= e.offset && x.start + x.length <= e.offset + e.length));
    expect(padBlocks, 'blocks wholly inside a pad that webtorrent asked for').toEqual([]);
    expect(payload, 'payload = the torrent less the pads\' whole blocks, each block once').toBe(totalBytes - skipped);
  }, 120_000);
});

// The webtorrent internals the seeder relies on (clients/seeder/webtorrent-api.ts lists them),
// checked against a real WebTorrent client and torrent with every discovery off (no DHT,
// trackers, LSD, UPnP, NAT-PMP, uTP; no peer is contacted). An upgrade that removes or
// reshapes one fails here, naming it, instead of breaking seeders in the field.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import bencode from 'bencode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDone, createClient, markUnverified, markVerified, presetZeroTail, WEBTORRENT_INTERNALS, WIRE_BLOCK_BYTES, type WTClient, type WTTorrent } from '../../clients/seeder/webtorrent-api.ts';

const PIECE = 16 * 1024;
const PIECES = 3;
const WAIT_MS = 10_000;
const root = path.resolve(import.meta.dirname, '../..');

let work: string;
let client: WTClient;
let torrent: WTTorrent;

/** A three-piece, one-file torrent laid out as a volume. */
function tinyTorrent(): Uint8Array {
  const data = Buffer.alloc(PIECE * PIECES, 7);
  const pieces = Buffer.concat(Array.from({ length: PIECES }, (_, i) => createHash('sha1').update(data.subarray(i * PIECE, (i + 1) * PIECE)).digest()));
  const info = { name: 'commons', 'piece length': PIECE, pieces, files: [{ length: data.length, path: ['a', 'ab', 'Internals.bin'] }] };
  return bencode.encode({ info });
}

/** Resolves when `emitter` emits `event`, or fails naming what did not happen. */
function next<T>(emitter: WTTorrent, event: 'verified' | 'done', what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' event within ${WAIT_MS} ms: ${what}`)), WAIT_MS);
    const on = (value?: unknown) => {
      clearTimeout(timer);
      resolve(value as T);
    };
    if (event === 'verified') emitter.once('verified' as 'ready', on);
    else emitter.once('done', on);
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-wt-internals-'));
  client = await createClient({ torrentPort: 0, trackers: false, pex: false, downloadLimit: -1, uploadLimit: -1, maxConns: 4, dht: false });
  client.on('error', (err) => {
    throw err instanceof Error ? err : new Error(err);
  });
  torrent = client.add(tinyTorrent(), { path: work, deselect: true, storeCacheSlots: 0 });
  await new Promise<void>((resolve, reject) => {
    if (torrent.ready) return resolve();
    const timer = setTimeout(() => reject(new Error(`torrent not ready within ${WAIT_MS} ms`)), WAIT_MS);
    torrent.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
});

afterAll(async () => {
  if (client) await new Promise<void>((resolve) => client.destroy(() => resolve()));
  if (work) await rm(work, { recursive: true, force: true });
});

describe('webtorrent internals the seeder relies on', () => {
  it('webtorrent is pinned to the exact version installed (an upgrade is a reviewed change, with this test run)', () => {
    const wanted = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['webtorrent'];
    const installed = (JSON.parse(readFileSync(path.join(root, 'node_modules/webtorrent/package.json'), 'utf8')) as { version: string }).version;
    expect(wanted, 'package.json must pin webtorrent exactly (no ^ or ~): the seeder uses its internals').toBe(installed);
  });

  it.each(WEBTORRENT_INTERNALS.map((i) => [i.name, i] as const))('%s is still there', (name, internal) => {
    expect(internal.present(client, torrent), `webtorrent internal ${name} is gone or changed shape; the seeder uses it to ${internal.why}`).toBe(true);
  });

  it('markVerified sets the bit and emits verified; markUnverified clears it; checkDone emits done once all are had', async () => {
    expect(torrent.bitfield.get(0)).toBe(false);
    const verified = next<number>(torrent, 'verified', 'Torrent#_markVerified(0) did not announce the piece');
    markVerified(torrent, 0);
    expect(await verified).toBe(0);
    expect(torrent.bitfield.get(0), 'Torrent#_markVerified no longer sets the bitfield').toBe(true);

    markUnverified(torrent, 0);
    expect(torrent.bitfield.get(0), 'Torrent#_markUnverified no longer clears the bitfield').toBe(false);

    for (let i = 0; i < PIECES; i++) markVerified(torrent, i);
    const done = next<void>(torrent, 'done', 'Torrent#_checkDone() did not emit done with every piece had');
    expect(checkDone(torrent), 'Torrent#_checkDone() no longer returns true with every piece had').toBe(true);
    await done;
    expect(torrent.done).toBe(true);
  });

  it('presetZeroTail marks the whole blocks from a byte on of an untouched missing piece, once, and leaves a piece with none before them alone', async () => {
    // One piece of four blocks, nothing on disk.
    const data = Buffer.alloc(4 * WIRE_BLOCK_BYTES, 3);
    const info = { name: 'preset', 'piece length': data.length, pieces: createHash('sha1').update(data).digest(), files: [{ length: data.length, path: ['x.bin'] }] };
    const t = client.add(bencode.encode({ info }), { path: work, deselect: true, storeCacheSlots: 0 });
    await new Promise<void>((resolve, reject) => {
      if (t.ready) return resolve();
      const timer = setTimeout(() => reject(new Error(`four-block torrent not ready within ${WAIT_MS} ms`)), WAIT_MS);
      t.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    expect(presetZeroTail(t, 0, 0), 'a piece that would be all preset is left to be fetched').toBe(0);
    expect(presetZeroTail(t, 0, WIRE_BLOCK_BYTES + 1), 'blocks 2 and 3 (block 1 holds bytes before)').toBe(2 * WIRE_BLOCK_BYTES);
    expect(presetZeroTail(t, 0, WIRE_BLOCK_BYTES + 1), 'a piece already changed is left as it is').toBe(0);
    markVerified(t, 0);
    expect(presetZeroTail(t, 0, WIRE_BLOCK_BYTES), 'a verified piece').toBe(0);
  });

  it("createClient closes webtorrent's own listener (the seed server owns the peer port); its handler stays for passIncoming", () => {
    const server = (client as unknown as { _connPool: { tcpServer: { listening: boolean; listenerCount(e: string): number } } })._connPool.tcpServer;
    expect(server.listening, 'webtorrent still listens on a port of its own').toBe(false);
    expect(server.listenerCount('connection'), 'webtorrent no longer handles connections emitted on its server').toBe(1);
  });
});

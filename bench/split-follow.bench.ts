// node bin/run-ts.js bench/split-follow.bench.ts [--files 1000000] [--per-volume 10000]
// Bytes of metadata a seeder following one volume of a large split (seedbank-manifest/3)
// version downloads. A synthetic version (lists written with the format module's ListWriter,
// a signed top manifest, a 256 KiB-piece metadata torrent in the contract's file order) is
// seeded by one webtorrent client on 127.0.0.1; a second one follows it as a seeder does over
// the peer path (MetadataHost + dhtSource: the top files, then one volume's list, only those
// selected), and a third folder follows as a seeder does over HTTP (the parts written whole,
// then MetadataHost.completeEdges with byte ranges read from the source: what an unpadded,
// pre-pads torrent needs, nothing for a padded one). Over peers the follower asks for no whole
// 16 KiB block of a pad (MetadataHost marks them received zeros). --no-pads builds the torrent as builders
// did before BEP 47 pads, for the figures before. The pages parts are filler of a plausible size (300 bytes a page):
// nothing here opens them. Nothing reaches beyond 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bencodeToBuffer } from '../shared/torrent/bencode-writer.ts';
import { metadataTorrentBytes, paddedMetadataInfo, PieceDigests, type MetadataInfo } from '../shared/torrent/metadata-layout.ts';
import type { ManifestFile } from '../shared/formats/manifest.ts';
import { makePointer } from '../shared/formats/pointer.ts';
import { signManifestText } from '../shared/formats/signature.ts';
import { ListWriter, pagesFileName, serializeSplitManifest, splitPartNames, writeChanges, type SplitManifest, type SplitVolume } from '../shared/formats/split-manifest.ts';
import { loadOrCreateSetKey } from '../shared/signing.ts';
import { MetadataHost, SPLIT_TOP_FILES } from '../clients/seeder/follow/metadata-host.ts';
import { dhtSource } from '../clients/seeder/follow/version-source.ts';
import { createClient, WIRE_BLOCK_BYTES } from '../clients/seeder/webtorrent-api.ts';

const PIECE_BYTES = 256 * 1024;
/** Filler bytes per description page in a pages part (gzip of a real page is about this). */
const PAGE_BYTES = 300;
const MIB = 1024 * 1024;

const { values } = parseArgs({ options: { files: { type: 'string', default: '1000000' }, 'per-volume': { type: 'string', default: '10000' }, 'no-pads': { type: 'boolean', default: false } } });
const pads = !values['no-pads'];
const totalFiles = Number(values.files);
const perVolume = Number(values['per-volume']);

function record(v: number, i: number, ih: string): ManifestFile {
  const title = `File:Synthetic ${String(v).padStart(4, '0')} photograph of a street corner ${String(i).padStart(7, '0')}.jpg`;
  const name = title.slice(5).replace(/ /g, '_');
  const md5 = createHash('md5').update(name).digest('hex');
  return {
    title, path: `${md5[0]}/${md5.slice(0, 2)}/${name}`, size: 1_000_000 + i, sha1: createHash('sha1').update(title).digest('hex'), mime: 'image/jpeg',
    uploadTimestamp: '2024-05-01T12:00:00Z', pageId: v * perVolume + i + 1, revisionId: v * perVolume + i + 100, license: 'CC BY-SA 4.0', author: 'Some Photographer',
    categories: ['Streets in Paris', 'Photographs by Some Photographer'], coordinates: null, volume: ih,
  };
}

/** The metadata torrent's info as builders made it before pads: every file end to end (for --no-pads, the figures before). */
async function unpaddedInfo(dir: string, name: string, names: readonly string[]): Promise<MetadataInfo> {
  const digests = new PieceDigests(PIECE_BYTES);
  const entries = [];
  let offset = 0;
  for (const n of names) {
    const length = (await stat(path.join(dir, n))).size;
    entries.push({ name: n, offset, length, pad: false });
    offset += length;
    for await (const chunk of createReadStream(path.join(dir, n), { highWaterMark: MIB })) digests.update(chunk as Buffer);
  }
  const info = bencodeToBuffer({ files: entries.map((e) => ({ length: e.length, path: e.name.split('/') })), name, 'piece length': PIECE_BYTES, pieces: digests.end() });
  return { info, infoHash: createHash('sha1').update(info).digest('hex'), entries, totalBytes: offset };
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-split-follow-'));
  try {
    const t0 = performance.now();
    const dir = path.join(work, 'source', 'bench-v1');
    await mkdir(dir, { recursive: true });
    const key = await loadOrCreateSetKey(path.join(work, 'keys'), 'bench');
    const volumes: SplitVolume[] = [];
    const count = Math.ceil(totalFiles / perVolume);
    for (let v = 0; v < count; v++) {
      const ih = createHash('sha1').update(`volume ${v}`).digest('hex');
      const n = Math.min(perVolume, totalFiles - v * perVolume);
      const w = await ListWriter.open(dir, ih);
      for (let i = 0; i < n; i++) await w.add(record(v, i, ih));
      const list = await w.close();
      const filler = randomBytes(n * PAGE_BYTES);
      await mkdir(path.join(dir, 'pages'), { recursive: true });
      await writeFile(path.join(dir, pagesFileName(ih)), filler);
      const pages = { file: pagesFileName(ih), sha256: createHash('sha256').update(filler).digest('hex'), size: filler.length, count: n };
      const size = n * 1_000_000 + (n * (n - 1)) / 2;
      volumes.push({ infoHash: ih, prefix: v.toString(2).padStart(Math.max(1, Math.ceil(Math.log2(count))), '0'), pieceLength: 4 * MIB, pieces: Math.ceil(size / (4 * MIB)), size, files: n, torrent: `volumes/${ih}.torrent`, portable: true, list, pages });
    }
    const changes = await writeChanges(dir, { added: [], removed: [], changed: [], renamed: [], pagesUpdated: [] });
    const top: SplitManifest = {
      format: 'seedbank-manifest/3',
      set: { id: 'bench', title: 'Bench', description: '', tags: [], copyTarget: 3, publicKey: key.publicKeyHex },
      version: 1,
      recipe: {},
      source: { wiki: 'http://127.0.0.1/api.php', siteName: 'W', generator: 'MediaWiki', uploadBase: 'http://127.0.0.1/images', articleUrl: 'http://127.0.0.1/wiki/$1' },
      snapshot: { builtAt: '2026-12-05T00:00:00Z', maxRevisionId: 9, maxLogId: 9, dumpRun: '20261201' },
      parent: null,
      volumes,
      volumeLayout: volumes.map((v) => v.prefix),
      changes,
      skipped: [],
      totals: { files: totalFiles, bytes: volumes.reduce((s, v) => s + v.size, 0) },
    };
    const text = serializeSplitManifest(top);
    await writeFile(path.join(dir, 'manifest.json'), text);
    await writeFile(path.join(dir, 'manifest.sig'), `${JSON.stringify(signManifestText(text, key.publicKeyHex, key), null, 2)}\n`);

    // The metadata torrent as the builder makes it: BEP 47 pads so every part starts a piece (--no-pads: end to end, as before pads).
    const names = ['manifest.json', 'manifest.sig', ...splitPartNames(top)];
    const made = pads ? await paddedMetadataInfo(dir, 'bench-v1', names, PIECE_BYTES) : await unpaddedInfo(dir, 'bench-v1', names);
    const { info, infoHash, entries } = made;
    const files = entries;
    const torrent = metadataTorrentBytes(info);
    const pointer = makePointer(key, 'bench', 1, infoHash);
    const total = made.totalBytes;
    const padTotal = entries.filter((e) => e.pad).reduce((n, e) => n + e.length, 0);
    const dataBytes = total - padTotal;
    console.log(`synthetic /3 version: ${totalFiles} files in ${count} volumes; metadata ${(dataBytes / MIB).toFixed(1)} MiB (${dataBytes} bytes) ${pads ? `+ ${padTotal} bytes of pads (${((padTotal / dataBytes) * 100).toFixed(1)}%, ${entries.filter((e) => e.pad).length} pads)` : 'without pads'} in ${Math.ceil(total / PIECE_BYTES)} pieces of ${PIECE_BYTES / 1024} KiB (lists ${(volumes.reduce((s, v) => s + v.list.size, 0) / MIB).toFixed(1)} MiB), top manifest ${text.length} bytes, .torrent ${torrent.length} bytes; made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const opts = { torrentPort: 0, trackers: false, pex: false, downloadLimit: -1, uploadLimit: -1, maxConns: 20, dht: false as const };
    const a = await createClient({ ...opts, listen: true });
    const b = await createClient(opts);
    try {
      const metaA = new MetadataHost(a, path.join(work, 'source'));
      await metaA.saveTorrent(torrent, 'bench', 1);
      await metaA.host('bench', 1, names, 10 * 60_000);
      const portA = a.address()!.port;
      b.on('add', (t) => (t as unknown as NodeJS.EventEmitter).once('infoHash', () => t.addPeer(`127.0.0.1:${portA}`)));
      const rssBefore = process.memoryUsage().rss;
      const t1 = performance.now();
      const metaB = new MetadataHost(b, path.join(work, 'follower'));
      const source = dhtSource(b);
      await source.fetchMetadata(metaB, pointer);
      const m = await metaB.verifiedManifest('bench', 1, key.publicKeyHex);
      const v = m.split!.volumes[Math.floor(count / 2)]!;
      await source.fetchParts(metaB, 'bench', 1, [v.list]);
      let records = 0;
      for await (const _ of m.filesOf(v.infoHash)) records++;
      const seconds = (performance.now() - t1) / 1000;
      const sent = (await a.get(infoHash))!.uploaded;
      const wanted = [...SPLIT_TOP_FILES, v.list.file];
      const wantedBytes = files.filter((f) => wanted.includes(f.name)).reduce((s, f) => s + f.length, 0);
      const covering = new Set<number>();
      for (const f of files.filter((x) => wanted.includes(x.name))) for (let p = Math.floor(f.offset / PIECE_BYTES); p <= Math.floor((f.offset + f.length - 1) / PIECE_BYTES); p++) covering.add(p);
      const pieceBytes = [...covering].reduce((s, p) => s + Math.min(PIECE_BYTES, total - p * PIECE_BYTES), 0);
      const padsInPieces = files.filter((f) => f.pad && covering.has(Math.floor(f.offset / PIECE_BYTES)));
      const padInPieces = padsInPieces.reduce((n, f) => n + f.length, 0);
      // The follower marks a pad's whole 16 KiB blocks as received zeros (MetadataHost, presetZeroTail): only the block a pad shares with its part's end goes over the wire.
      const padUnasked = padsInPieces.reduce((n, f) => n + PIECE_BYTES - Math.ceil((f.offset % PIECE_BYTES) / WIRE_BLOCK_BYTES) * WIRE_BLOCK_BYTES, 0);

      // Over HTTP, as catalogueSource does: the parts whole (checked by SHA-256), then the edge pieces by range (a padded torrent needs none).
      const metaH = new MetadataHost(b, path.join(work, 'follower-http'));
      await metaH.saveTorrent(torrent, 'bench', 1);
      const partsH: Record<string, Uint8Array> = {};
      for (const name of wanted) partsH[name] = await readFile(path.join(dir, name));
      await metaH.writeFiles('bench', 1, partsH);
      let ranged = 0;
      const edges = await metaH.completeEdges('bench', 1, wanted, async (name, start, end) => {
        const fh = await open(path.join(dir, name), 'r');
        try {
          const buf = Buffer.alloc(end - start);
          await fh.read(buf, 0, buf.length, start);
          ranged += buf.length;
          return buf;
        } finally {
          await fh.close();
        }
      });
      const httpBytes = wantedBytes + edges.fetchedBytes;
      const target = httpBytes === wantedBytes ? 'the target exactly' : `${((httpBytes / wantedBytes - 1) * 100).toFixed(1)}% over the target`;
      console.log(`follow one volume over HTTP: ${httpBytes} bytes = the parts ${wantedBytes} (top ${text.length} + sig + changes ${changes.list.size} + list ${v.list.size}) + ${ranged} bytes of neighbours in ${edges.piecesCompleted} edge pieces fetched by range: ${target} (${httpBytes / wantedBytes}x of top + own list)`);
      console.log(`follow one volume over peers: ${sent} bytes sent = ${covering.size} whole ${PIECE_BYTES / 1024} KiB pieces (${pieceBytes} bytes${padInPieces ? `, ${padInPieces} of them pad zeros: ${padUnasked} in whole blocks not asked for, ${padInPieces - padUnasked} sent in blocks shared with a part; expected payload ${pieceBytes - padUnasked}` : ''}) + info dictionary ${info.length} and protocol; boundaries add ${pieceBytes - padUnasked - wantedBytes} bytes of payload (${((pieceBytes - padUnasked) / wantedBytes).toFixed(4)}x of top + own list); ${records} records streamed and checked; ${seconds.toFixed(1)} s; the whole metadata is ${total} bytes (${(total / wantedBytes).toFixed(0)}x)`);
      console.log(`process RSS (both clients, seeding side included): ${(rssBefore / MIB).toFixed(0)} MiB before following, ${(process.memoryUsage().rss / MIB).toFixed(0)} MiB after`);
    } finally {
      await Promise.all([a, b].map((c) => new Promise<void>((r) => c.destroy(() => r()))));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();

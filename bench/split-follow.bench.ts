// node bin/run-ts.js bench/split-follow.bench.ts [--files 1000000] [--per-volume 10000]
// Bytes of metadata a seeder following one volume of a large split (seedbank-manifest/3)
// version downloads. A synthetic version (lists written with the format module's ListWriter,
// a signed top manifest, a 256 KiB-piece metadata torrent in the contract's file order) is
// seeded by one webtorrent client on 127.0.0.1; a second one follows it as a seeder does over
// the peer path (MetadataHost + dhtSource: the top files, then one volume's list, only those
// selected). Over HTTP a seeder fetches exactly the top files and its list (see
// test/integration/split-readers.test.ts); over peers whole pieces move, and the boundaries add
// the rest, printed here. The pages parts are filler of a plausible size (300 bytes a page):
// nothing here opens them. Nothing reaches beyond 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import bencode from 'bencode';
import type { ManifestFile } from '../shared/formats/manifest.ts';
import { makePointer } from '../shared/formats/pointer.ts';
import { signManifestText } from '../shared/formats/signature.ts';
import { ListWriter, pagesFileName, serializeSplitManifest, splitPartNames, writeChanges, type SplitManifest, type SplitVolume } from '../shared/formats/split-manifest.ts';
import { loadOrCreateSetKey } from '../shared/signing.ts';
import { MetadataHost, SPLIT_TOP_FILES } from '../clients/seeder/follow/metadata-host.ts';
import { dhtSource } from '../clients/seeder/follow/version-source.ts';
import { createClient } from '../clients/seeder/webtorrent-api.ts';

const PIECE_BYTES = 256 * 1024;
/** Filler bytes per description page in a pages part (gzip of a real page is about this). */
const PAGE_BYTES = 300;
const MIB = 1024 * 1024;

const { values } = parseArgs({ options: { files: { type: 'string', default: '1000000' }, 'per-volume': { type: 'string', default: '10000' } } });
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

    // The metadata torrent, hashed in one streaming pass over the files in the contract's order.
    const names = ['manifest.json', 'manifest.sig', ...splitPartNames(top)];
    const files: Array<{ name: string; offset: number; length: number }> = [];
    const pieces: Buffer[] = [];
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let offset = 0;
    for (const name of names) {
      const length = (await stat(path.join(dir, name))).size;
      files.push({ name, offset, length });
      offset += length;
      for await (const chunk of createReadStream(path.join(dir, name), { highWaterMark: MIB })) {
        let buf = chunk as Buffer;
        while (buf.length > 0) {
          const take = Math.min(buf.length, PIECE_BYTES - pendingBytes);
          pending.push(buf.subarray(0, take));
          pendingBytes += take;
          buf = buf.subarray(take);
          if (pendingBytes === PIECE_BYTES) {
            pieces.push(createHash('sha1').update(Buffer.concat(pending)).digest());
            pending = [];
            pendingBytes = 0;
          }
        }
      }
    }
    if (pendingBytes > 0) pieces.push(createHash('sha1').update(Buffer.concat(pending)).digest());
    const info = {
      files: files.map((f) => ({ length: f.length, path: f.name.split('/').map((s) => Buffer.from(s)) })),
      name: Buffer.from('bench-v1'),
      'piece length': PIECE_BYTES,
      pieces: Buffer.concat(pieces),
    };
    const infoHash = createHash('sha1').update(bencode.encode(info)).digest('hex');
    const torrent = bencode.encode({ 'created by': 'seedbank', info });
    const pointer = makePointer(key, 'bench', 1, infoHash);
    const total = offset;
    console.log(`synthetic /3 version: ${totalFiles} files in ${count} volumes; metadata ${(total / MIB).toFixed(1)} MiB in ${pieces.length} pieces (lists ${(volumes.reduce((s, v) => s + v.list.size, 0) / MIB).toFixed(1)} MiB), top manifest ${text.length} bytes; made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

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
      console.log(`follow one volume over HTTP: ${pieceBytes} bytes = the parts ${wantedBytes} (top ${text.length} + sig + changes ${changes.list.size} + list ${v.list.size}) + their neighbours' ${pieceBytes - wantedBytes} bytes in the edge pieces, fetched by range so every piece of the parts is seeded`);
      console.log(`follow one volume over peers: ${sent} bytes sent = ${covering.size} whole 256 KiB pieces (${pieceBytes} bytes) + info dictionary ${bencode.encode(info).length} and protocol; boundaries add ${pieceBytes - wantedBytes} bytes (${((pieceBytes / wantedBytes - 1) * 100).toFixed(0)}%); ${records} records streamed and checked; ${seconds.toFixed(1)} s; the whole metadata is ${total} bytes (${(total / wantedBytes).toFixed(0)}x)`);
      console.log(`process RSS (both clients, seeding side included): ${(rssBefore / MIB).toFixed(0)} MiB before following, ${(process.memoryUsage().rss / MIB).toFixed(0)} MiB after`);
    } finally {
      await Promise.all([a, b].map((c) => new Promise<void>((r) => c.destroy(() => r()))));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();

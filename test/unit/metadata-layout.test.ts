// BEP 47 pads in a split version's metadata torrent: where they go, that the pieces hash the
// pads as zeros, that the strict parser, parse-torrent (webtorrent's) and the edge-piece fetch
// read the result as intended, and that pads cannot be used to smuggle files.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import parseTorrent from 'parse-torrent';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeEdgePieces } from '../../clients/seeder/follow/edge-pieces.ts';
import { bencodeToBuffer } from '../../shared/torrent/bencode-writer.ts';
import { parseVolumeTorrent } from '../../shared/torrent/index.ts';
import { isAligned, metadataTorrentBytes, paddedLayout, paddedMetadataInfo, padNameLength, PieceDigests } from '../../shared/torrent/metadata-layout.ts';

const PIECE = 16 * 1024;
let dir: string;
const content = new Map<string, Buffer>([
  ['manifest.json', randomBytes(5_000)],
  ['manifest.sig', randomBytes(200)],
  ['changes.ndjson', randomBytes(0)],
  ['lists/a.ndjson', randomBytes(3 * PIECE)],
  ['pages/a.xml.gz', randomBytes(PIECE + 7)],
  ['lists/b.ndjson', randomBytes(20_000)],
]);
const names = [...content.keys()];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'metadata-layout-'));
  for (const [name, bytes] of content) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), bytes);
  }
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('padded metadata layout', () => {
  it('puts a pad before each part that would not start a piece, none between the top files', () => {
    const { entries, totalBytes } = paddedLayout(names.map((name) => ({ name, length: content.get(name)!.length })), PIECE);
    expect(entries.map((e) => e.name)).toEqual([
      'manifest.json', 'manifest.sig', 'changes.ndjson', `.pad/${PIECE - 5_200}`, 'lists/a.ndjson', 'pages/a.xml.gz', `.pad/${PIECE - 7}`, 'lists/b.ndjson',
    ]);
    expect(isAligned(entries, PIECE)).toBe(true);
    expect(totalBytes).toBe(6 * PIECE + 20_000);
    expect(isAligned([{ name: 'manifest.json', offset: 0, length: 10, pad: false }, { name: 'lists/a.ndjson', offset: 10, length: 5, pad: false }], PIECE)).toBe(false);
    // Any rule: here every file starts a piece.
    expect(paddedLayout([{ name: 'a', length: 3 }, { name: 'b', length: 0 }, { name: 'c', length: 1 }], PIECE, () => true).entries.map((e) => e.name)).toEqual(['a', `.pad/${PIECE - 3}`, 'b', 'c']);
  });

  it('hashes pads as zeros: the torrent equals one hashed over the bytes with zeros written in', async () => {
    const { info, infoHash, entries } = await paddedMetadataInfo(dir, 'set-v1', names, PIECE);
    const all = Buffer.concat(entries.map((e) => (e.pad ? Buffer.alloc(e.length) : content.get(e.name)!)));
    const expected: Buffer[] = [];
    for (let at = 0; at < all.length; at += PIECE) expected.push(createHash('sha1').update(all.subarray(at, at + PIECE)).digest());
    const torrent = metadataTorrentBytes(info, new Date('2026-12-05T00:00:00Z'));
    const strict = parseVolumeTorrent(torrent);
    expect(strict.infoHash).toBe(infoHash);
    expect(strict.pieces).toEqual(Buffer.concat(expected));
    expect(strict.files.filter((f) => f.pad).map((f) => [f.path, f.length, f.offset % PIECE + f.length])).toEqual([
      [`.pad/${PIECE - 5_200}`, PIECE - 5_200, PIECE], [`.pad/${PIECE - 7}`, PIECE - 7, PIECE],
    ]);
    // webtorrent's parser sees the pads as plain files at .pad/<length> (it knows nothing of BEP 47): the seeder writes them.
    const loose = (await parseTorrent(torrent)) as unknown as { infoHash: string; files: Array<{ path: string; offset: number }> };
    expect(loose.infoHash).toBe(infoHash);
    expect(loose.files.map((f) => f.path.split(path.sep).slice(1).join('/')).filter((n) => padNameLength(n) !== null)).toHaveLength(2);
  });

  it('feeds zeros in any size, across pieces', () => {
    const a = new PieceDigests(PIECE);
    a.update(Buffer.from('x'));
    a.zeros(3 * PIECE);
    const b = new PieceDigests(PIECE);
    b.update(Buffer.concat([Buffer.from('x'), Buffer.alloc(3 * PIECE)]));
    expect(a.end()).toEqual(b.end());
  });

  it('lets a seeder holding one list and the pads seed its pieces with nothing fetched', async () => {
    const { entries, info } = await paddedMetadataInfo(dir, 'set-v1', names, PIECE);
    const pieces = parseVolumeTorrent(metadataTorrentBytes(info)).pieces;
    const layout = {
      pieceLength: PIECE,
      pieces: Array.from({ length: pieces.length / 20 }, (_, i) => pieces.subarray(i * 20, i * 20 + 20).toString('hex')),
      files: entries.map((e) => ({ name: e.name, offset: e.offset, length: e.length })),
    };
    const pads = entries.filter((e) => e.pad).map((e) => e.name);
    const fetched: string[] = [];
    const fetch = async (name: string, s: number, e: number) => {
      fetched.push(name);
      return content.get(name)!.subarray(s, e);
    };
    expect(await completeEdgePieces(dir, layout, ['manifest.json', 'manifest.sig', 'changes.ndjson', 'lists/b.ndjson'], fetch, pads)).toEqual({ piecesCompleted: 0, fetchedBytes: 0 });
    expect(await completeEdgePieces(dir, layout, ['lists/a.ndjson'], fetch, pads)).toEqual({ piecesCompleted: 0, fetchedBytes: 0 });
    expect(fetched).toEqual([]);
  });
});

describe('pads in torrents from outside', () => {
  const torrentWith = (files: unknown[], total: number) =>
    bencodeToBuffer({ info: { files: files as never, name: 'set-v1', 'piece length': PIECE, pieces: Buffer.alloc(Math.ceil(total / PIECE) * 20) } });

  it('refuses a pad outside .pad/ and a plain file inside it', () => {
    expect(() => parseVolumeTorrent(torrentWith([{ length: 10, path: ['lists', 'a.ndjson'] }, { attr: 'p', length: PIECE - 10, path: ['lists', 'b.ndjson'] }], PIECE))).toThrow(/not under \.pad/);
    expect(() => parseVolumeTorrent(torrentWith([{ length: 10, path: ['a'] }, { length: 5, path: ['.pad', '5'] }], 15))).toThrow(/is not a pad file/);
  });

  it('lets pads of one length share their path (as libtorrent writes them), not plain files', () => {
    const ok = parseVolumeTorrent(torrentWith([{ length: 10, path: ['a'] }, { attr: 'p', length: PIECE - 10, path: ['.pad', String(PIECE - 10)] }, { length: 10, path: ['b'] }, { attr: 'p', length: PIECE - 10, path: ['.pad', String(PIECE - 10)] }, { length: 1, path: ['c'] }], 2 * PIECE + 1));
    expect(ok.files.filter((f) => f.pad)).toHaveLength(2);
    expect(() => parseVolumeTorrent(torrentWith([{ length: 10, path: ['a'] }, { length: 10, path: ['a'] }], 20))).toThrow(/two entries claim/);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeedbankError, type ErrorCode } from '../errors.ts';
import { decodeTorrent, type BDict } from './bencode-strict.ts';
import { closeHashWorkers, createVolumeTorrent, hashPieces, magnetUri, parseVolumeTorrent, type VolumeFile } from './index.ts';

const PIECE = 16 * 1024;
const MB = 1024 * 1024;
const UPLOAD_BASE = 'https://upload.wikimedia.org/wikipedia/';

/** Relative path and size, deliberately NOT in sorted order, with every awkward name we care about. */
const LAYOUT: Array<[string, number]> = [
  ['f/f5/Several_MB (scan).tif', 5 * MB + 123],
  ['a/ab/Empty.bin', 0],
  ['0/0a/One_byte.txt', 1],
  ['b/b1/Île_de_France.jpg', PIECE],
  ['c/c2/Tom_&_Jerry.png', PIECE - 1],
  ["d/d3/O'Brien_(1900) with space.jpg", PIECE + 1],
  ['e/e4/.x', 777],
  ['e/e4/Thumbs.db', 3 * PIECE],
  ['a/ab/Desktop.ini', 10],
  ['9/9f/Zürich_日本.webp', 2 * MB - 5],
];

let dir: string;
let root: string;
let files: VolumeFile[];

const HAS_LIBTORRENT = spawnSync('/usr/bin/python3', ['-c', 'import libtorrent'], { stdio: 'ignore' }).status === 0;
const HAS_MKTORRENT = spawnSync('mktorrent', ['-h']).error === undefined;
const HAS_TRANSMISSION = spawnSync('transmission-show', ['--help']).error === undefined;

/** Reference torrent from libtorrent, files added in OUR order, v1 only (no pad files). */
const LT_CREATE = `
import sys, json, libtorrent as lt
spec = json.load(sys.stdin)
fs = lt.file_storage()
for p, n in spec['files']:
    fs.add_file('commons/' + p, n)
ct = lt.create_torrent(fs, spec['pieceLength'], flags=lt.create_torrent.v1_only)
lt.set_piece_hashes(ct, spec['parent'])
ti = lt.torrent_info(ct.generate())
st = ti.files()
print(json.dumps({'infoHash': str(ti.info_hash()),
  'pieces': ''.join(ti.hash_for_piece(i).hex() for i in range(ti.num_pieces())),
  'pads': sum(1 for i in range(st.num_files()) if st.file_flags(i) & lt.file_storage.flag_pad_file)}))
`;

/** What libtorrent reads from a .torrent given as hex on stdin. */
const LT_READ = `
import sys, json, libtorrent as lt
ti = lt.torrent_info(bytes.fromhex(sys.stdin.read()))
st = ti.files()
print(json.dumps({'infoHash': str(ti.info_hash()), 'numPieces': ti.num_pieces(), 'pieceLength': ti.piece_length(),
  'name': ti.name(), 'files': [[st.file_path(i), st.file_size(i)] for i in range(st.num_files())],
  'webSeeds': [w['url'] for w in ti.web_seeds()], 'trackers': [t.url for t in ti.trackers()]}))
`;

function python(script: string, input: string): Record<string, unknown> {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input, encoding: 'utf8' })) as Record<string, unknown>;
}

async function expectCode(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(isSeedbankError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
}

function volume(subset: VolumeFile[], extra: Partial<Parameters<typeof createVolumeTorrent>[0]> = {}) {
  return createVolumeTorrent({ files: subset, pieceLength: PIECE, urlList: [UPLOAD_BASE], ...extra });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'seedbank-torrent-test-'));
  root = path.join(dir, 'commons');
  files = LAYOUT.map(([rel, length]) => {
    const absPath = path.join(root, rel);
    mkdirSync(path.dirname(absPath), { recursive: true });
    writeFileSync(absPath, randomBytes(length));
    return { path: rel, length, absPath };
  });
});

afterAll(async () => {
  await closeHashWorkers();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('createVolumeTorrent against independent implementations', () => {
  it.skipIf(!HAS_LIBTORRENT)('has the same pieces and info hash as libtorrent, in our file order, without pad files', async () => {
    const ours = await volume(files);
    const ref = python(LT_CREATE, JSON.stringify({ parent: dir, pieceLength: PIECE, files: LAYOUT }));
    expect(ref.pads).toBe(0);
    expect(ours.pieces.toString('hex')).toBe(ref.pieces);
    expect(ours.infoHash).toBe(ref.infoHash);
  });

  it.skipIf(!HAS_MKTORRENT)('matches mktorrent when given mktorrent’s (byte-sorted) order', async () => {
    const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
    const out = path.join(dir, 'mktorrent.torrent');
    // mktorrent's smallest piece is 2^15 bytes.
    const pieceLength = 2 * PIECE;
    execFileSync('mktorrent', ['-l', String(Math.log2(pieceLength)), '-o', out, root], { stdio: 'ignore' });
    const ref = parseVolumeTorrent(readFileSync(out));
    const ours = await volume(sorted, { pieceLength });
    expect(ref.files.map((f) => f.path)).toEqual(sorted.map((f) => f.path));
    expect(ours.pieces.equals(ref.pieces)).toBe(true);
    expect(ours.infoHash).toBe(ref.infoHash);
  });

  it.skipIf(!HAS_LIBTORRENT)('reads back in libtorrent with the same files, sizes, order, pieces and hash', async () => {
    // With real BEP 47 per-file SHA-1s, which libtorrent must accept.
    const withSha1 = files.map((f) => ({ ...f, sha1Hex: createHash('sha1').update(readFileSync(f.absPath)).digest('hex') }));
    const ours = await volume(withSha1, { announce: ['udp://tracker.example:6969/announce', 'https://t2.example/announce'] });
    const seen = python(LT_READ, ours.torrent.toString('hex'));
    expect(seen).toEqual({
      infoHash: ours.infoHash,
      numPieces: ours.pieces.length / 20,
      pieceLength: PIECE,
      name: 'commons',
      files: LAYOUT.map(([rel, n]) => [`commons/${rel}`, n]),
      webSeeds: [UPLOAD_BASE],
      trackers: ['udp://tracker.example:6969/announce', 'https://t2.example/announce'],
    });
  });

  it.skipIf(!HAS_TRANSMISSION)('reads back in transmission-show with the same hash, piece count and files', async () => {
    const ours = await volume(files, { comment: 'Seedbank test volume' });
    const file = path.join(dir, 'ours.torrent');
    writeFileSync(file, ours.torrent);
    const out = execFileSync('transmission-show', [file], { encoding: 'utf8' });
    expect(out).toContain(`Hash: ${ours.infoHash}`);
    expect(out).toContain(`Piece Count: ${ours.pieces.length / 20}`);
    expect(out).toContain('Name: commons');
    expect(out).toContain('Comment: Seedbank test volume');
    expect(out).toContain(UPLOAD_BASE);
    // transmission-show lists files sorted and with rounded sizes: check names only.
    for (const [rel] of LAYOUT) expect(out).toContain(`commons/${rel} (`);
  });
});

describe('createVolumeTorrent', () => {
  it('is deterministic: same bytes on every run and with any number of workers', async () => {
    const a = await volume(files);
    const b = await volume(files, { workers: 1 });
    const c = await volume(files, { workers: 3 });
    // Concurrent calls share the worker pool without mixing their pieces.
    const [d, e] = await Promise.all([volume(files), volume([...files].reverse())]);
    await closeHashWorkers();
    const cold = await volume(files);
    for (const x of [b, c, d, cold]) expect(x.torrent.equals(a.torrent)).toBe(true);
    expect(e.torrent.equals((await volume([...files].reverse())).torrent)).toBe(true);
    expect(e.infoHash).not.toBe(a.infoHash);
    expect(a.piecesHashed).toBe(a.pieces.length / 20);
    expect(a.piecesReused).toBe(0);
  });

  it('keeps the exact order given, hidden and junk names included, and round-trips through parseVolumeTorrent', async () => {
    const withSha1 = files.map((f, i) => (i % 2 === 0 ? { ...f, sha1Hex: createHash('sha1').update(f.path).digest('hex') } : f));
    const t = await volume(withSha1, { announce: ['udp://a.example:1/announce'], comment: 'c' });
    const p = parseVolumeTorrent(t.torrent);
    expect(p.files.map((f) => f.path)).toEqual(LAYOUT.map(([rel]) => rel));
    expect(p.files.map((f) => f.length)).toEqual(LAYOUT.map(([, n]) => n));
    expect(p.files.map((f) => f.sha1Hex)).toEqual(withSha1.map((f) => f.sha1Hex));
    let offset = 0;
    for (const f of p.files) {
      expect(f.offset).toBe(offset);
      offset += f.length;
    }
    expect(p).toMatchObject({
      infoHash: t.infoHash,
      name: 'commons',
      pieceLength: PIECE,
      totalBytes: offset,
      urlList: [UPLOAD_BASE],
      announce: ['udp://a.example:1/announce'],
      comment: 'c',
      createdBy: 'seedbank',
      creationDate: undefined,
    });
    expect(p.pieces.equals(t.pieces)).toBe(true);
  });

  it('puts nothing but files, name, piece length and pieces in the info dict, and no creation date by default', async () => {
    const t = await volume([{ ...files[2]!, sha1Hex: 'a'.repeat(40) }, files[3]!]);
    const { root: top } = decodeTorrent(t.torrent);
    expect([...top.keys()]).toEqual(['created by', 'info', 'url-list']);
    const info = top.get('info') as BDict;
    expect([...info.keys()]).toEqual(['files', 'name', 'piece length', 'pieces']);
    const entries = info.get('files') as BDict[];
    expect(entries.map((e) => [...e.keys()])).toEqual([['length', 'path', 'sha1'], ['length', 'path']]);
    // Path segments are raw UTF-8 byte strings.
    expect(Buffer.from((entries[1]!.get('path') as Uint8Array[])[2]!).toString('utf8')).toBe('Île_de_France.jpg');

    const dated = await volume([files[2]!, files[3]!], { creationDate: new Date('2025-01-02T03:04:05Z') });
    expect(parseVolumeTorrent(dated.torrent).creationDate).toBe(1735787045);
    expect(dated.infoHash).toBe((await volume([files[2]!, files[3]!])).infoHash);
    await expectCode(volume(files.slice(0, 3), { creationDate: 0 }), 'TORRENT_BAD_DATE');
  });

  it('reuses the pieces of an unchanged prefix and hashes only the tail', async () => {
    const before = files.slice(0, 6);
    const after = files;
    const v1 = await volume(before);
    const full = await volume(after);
    const reuse = { files: before, pieces: v1.pieces, pieceLength: PIECE };
    const v2 = await volume(after, { reuse });
    expect(v2.torrent.equals(full.torrent)).toBe(true);
    const prefixBytes = before.reduce((a, f) => a + f.length, 0);
    expect(v2.piecesReused).toBe(Math.floor(prefixBytes / PIECE));
    expect(v2.piecesHashed).toBe(full.pieces.length / 20 - v2.piecesReused);
    expect(v2.piecesHashed).toBeLessThan(full.pieces.length / 20 / 2);

    // Identical volume: everything reused, including the short last piece.
    const same = await volume(after, { reuse: { files: after, pieces: full.pieces, pieceLength: PIECE } });
    expect(same.piecesHashed).toBe(0);
    expect(same.torrent.equals(full.torrent)).toBe(true);

    // A file that differs in the middle (here: another path) stops the prefix there.
    const changed = [...before.slice(0, 2), { ...before[2]!, path: 'x/xx/Old_name.txt' }, ...before.slice(3)];
    const partial = await volume(after, { reuse: { files: changed, pieces: v1.pieces, pieceLength: PIECE } });
    expect(partial.torrent.equals(full.torrent)).toBe(true);
    expect(partial.piecesReused).toBe(Math.floor((before[0]!.length + before[1]!.length) / PIECE));
    // Same path and length but a different known SHA-1 also stops it.
    const resha = await volume(after.map((f, i) => (i === 0 ? { ...f, sha1Hex: '1'.repeat(40) } : f)), {
      reuse: { files: before.map((f, i) => (i === 0 ? { ...f, sha1Hex: '2'.repeat(40) } : f)), pieces: v1.pieces, pieceLength: PIECE },
    });
    expect(resha.piecesReused).toBe(0);
    // Truncated volume: the now-short last piece must be re-hashed, not copied.
    const shorter = await volume(before.slice(0, 5), { reuse });
    expect(shorter.torrent.equals((await volume(before.slice(0, 5))).torrent)).toBe(true);
    // Another piece length: nothing reusable.
    const other = await volume(after, { pieceLength: 2 * PIECE, reuse });
    expect(other.piecesReused).toBe(0);
  });

  it('reports progress up to the bytes hashed and honours an AbortSignal', async () => {
    const seen: number[] = [];
    const t = await volume(files, { onProgress: (done, total) => seen.push(done, total) });
    const total = LAYOUT.reduce((a, [, n]) => a + n, 0);
    expect(seen.at(-2)).toBe(total);
    expect(seen.at(-1)).toBe(total);
    expect(t.totalBytes).toBe(total);

    const controller = new AbortController();
    const run = volume(files, { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await expect(volume(files, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(volume(files, { onProgress: () => { throw new Error('callback failed'); } })).rejects.toThrow('callback failed');
  });

  it('fails cleanly when a file is shorter than declared while hashing', async () => {
    // Bypasses the stat check, as if the file shrank between stat and read.
    const shrunk = [files[2]!, { ...files[3]!, length: files[3]!.length + 5 }];
    await expectCode(hashPieces({ files: shrunk, pieceLength: PIECE }), 'TORRENT_FILE_CHANGED');
    await expectCode(hashPieces({ files: [{ ...files[2]!, absPath: path.join(dir, 'gone') }], pieceLength: PIECE }), 'TORRENT_READ_FAILED');
  });

  it('rejects bad input with clear SeedbankErrors', async () => {
    await expectCode(volume([]), 'TORRENT_EMPTY');
    await expectCode(volume([files[1]!]), 'TORRENT_EMPTY');
    await expectCode(volume(files, { pieceLength: 8192 }), 'TORRENT_BAD_PIECE_LENGTH');
    await expectCode(volume(files, { pieceLength: 3 * PIECE }), 'TORRENT_BAD_PIECE_LENGTH');
    for (const bad of ['../x.jpg', '/a/ab/x.jpg', 'a//x.jpg', 'a/./x.jpg', 'a\\b.jpg', 'a/b\0.jpg', 'a/ab/', '', 'a/\ud800.jpg']) {
      await expectCode(volume([{ ...files[2]!, path: bad }]), 'TORRENT_BAD_PATH');
    }
    await expectCode(volume([files[2]!, { ...files[3]!, path: files[2]!.path }]), 'TORRENT_BAD_PATH');
    await expectCode(volume([{ ...files[2]!, path: 'a/ab' }, { ...files[3]!, path: 'a/ab/x.jpg' }]), 'TORRENT_BAD_PATH');
    await expectCode(volume([{ ...files[2]!, length: 2 }]), 'TORRENT_LENGTH_MISMATCH');
    await expectCode(volume([{ ...files[2]!, absPath: path.join(dir, 'missing') }]), 'TORRENT_FILE_MISSING');
    await expectCode(volume([{ ...files[2]!, sha1Hex: 'xyz' }]), 'TORRENT_BAD_SHA1');
    await expectCode(volume(files, { urlList: ['https://upload.wikimedia.org/wikipedia'] }), 'TORRENT_BAD_URL');
    await expectCode(volume(files, { urlList: ['ftp://x/'] }), 'TORRENT_BAD_URL');
  });
});

describe('magnetUri', () => {
  it('builds a v1 magnet with encoded name, trackers and web seeds', () => {
    const hash = 'AB'.repeat(20);
    expect(magnetUri(hash, { name: 'commons', trackers: ['udp://t.example:1/a'], webSeeds: [UPLOAD_BASE] })).toBe(
      `magnet:?xt=urn:btih:${'ab'.repeat(20)}&dn=commons&tr=udp%3A%2F%2Ft.example%3A1%2Fa&ws=${encodeURIComponent(UPLOAD_BASE)}`,
    );
    expect(magnetUri(hash)).toBe(`magnet:?xt=urn:btih:${'ab'.repeat(20)}`);
    expect(() => magnetUri('abc')).toThrow(/info hash/);
  });
});

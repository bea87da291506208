// The pieces at the edges of metadata parts: neighbours' bytes fetched by range, checked against
// the piece hash before a byte is written, and written at their offsets without truncating.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeEdgePieces, edgePieces, type MetadataLayout } from '../../clients/seeder/follow/edge-pieces.ts';

const PIECE = 100;
const sizes = { 'a.json': 150, 'lists/b.ndjson': 230, 'pages/c.xml.gz': 40, 'lists/d.ndjson': 300 } as const;
let dir: string;
let content: Map<string, Buffer>;
let layout: MetadataLayout;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'edge-pieces-'));
  content = new Map(Object.entries(sizes).map(([n, s]) => [n, randomBytes(s)]));
  let offset = 0;
  const files = [...content].map(([name, b]) => {
    const f = { name, offset, length: b.length };
    offset += b.length;
    return f;
  });
  const all = Buffer.concat([...content.values()]);
  const pieces: string[] = [];
  for (let at = 0; at < all.length; at += PIECE) pieces.push(createHash('sha1').update(all.subarray(at, at + PIECE)).digest('hex'));
  layout = { pieceLength: PIECE, pieces, files };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const fetched: string[] = [];
const honest = async (name: string, start: number, end: number) => {
  fetched.push(`${name}:${start}-${end}`);
  return content.get(name)!.subarray(start, end);
};

describe('edge pieces of held metadata parts', () => {
  it('fetches only the neighbours\' bytes of the first and last piece, and the pieces then hash right on disk', async () => {
    const held = 'lists/b.ndjson';
    await mkdir(path.join(dir, 'lists'), { recursive: true });
    await writeFile(path.join(dir, held), content.get(held)!);
    // b spans bytes 150-380: pieces 1, 2, 3; piece 1 starts in a.json, piece 3 ends in c and d.
    expect(edgePieces(layout, new Set([held]))).toEqual([1, 3]);
    fetched.length = 0;
    const r = await completeEdgePieces(dir, layout, [held], honest);
    expect(fetched).toEqual(['a.json:100-150', 'pages/c.xml.gz:0-20']);
    expect(r).toEqual({ piecesCompleted: 2, fetchedBytes: 70 });
    // a.json holds its last 50 bytes at their offset (a hole before), c its first 20; d is untouched.
    expect((await readFile(path.join(dir, 'a.json'))).subarray(100)).toEqual(content.get('a.json')!.subarray(100));
    expect((await readFile(path.join(dir, 'pages/c.xml.gz')))).toEqual(content.get('pages/c.xml.gz')!.subarray(0, 20));
    expect(await stat(path.join(dir, 'lists/d.ndjson')).then(() => true, () => false)).toBe(false);
    // Run again: complete pieces are read from disk, nothing fetched.
    fetched.length = 0;
    expect(await completeEdgePieces(dir, layout, [held], honest)).toEqual({ piecesCompleted: 0, fetchedBytes: 0 });
    expect(fetched).toEqual([]);
  });

  it('refuses neighbours\' bytes that do not give the piece hash, writing nothing of that piece', async () => {
    await mkdir(path.join(dir, 'lists'), { recursive: true });
    await writeFile(path.join(dir, 'lists/b.ndjson'), content.get('lists/b.ndjson')!);
    const altered = async (name: string, start: number, end: number) => {
      const b = Buffer.from(content.get(name)!.subarray(start, end));
      if (name === 'a.json') b[0] = b[0]! ^ 1;
      return b;
    };
    await expect(completeEdgePieces(dir, layout, ['lists/b.ndjson'], altered)).rejects.toMatchObject({ code: 'METADATA_REFUSED' });
    expect(await stat(path.join(dir, 'a.json')).then(() => true, () => false)).toBe(false);
  });
});

// A split version's list is read in 1 MiB chunks: a character whose bytes straddle a chunk
// boundary must come out whole, or non-ASCII titles (most of Commons) would be mangled.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import { readListFile, writeList, type SplitVolume } from '../../shared/formats/split-manifest.ts';
import { linesSync } from '../../services/tracker-web/store/version-parts.ts';

const VOL = 'c'.repeat(40);
const CHUNK_BYTES = 1 << 20;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function file(title: string): ManifestFile {
  return {
    title, path: `a/ab/${title}`, size: 1, sha1: '0'.repeat(40), mime: 'image/jpeg', uploadTimestamp: '2026-01-01T00:00:00Z',
    pageId: 1, revisionId: 2, license: null, author: null, categories: [], coordinates: null, volume: VOL,
  };
}

describe('split lists across chunk boundaries', () => {
  it('streams a title whose two-byte character is cut by the 1 MiB read boundary intact', async () => {
    // Shift the records by one byte until a continuation byte sits at the boundary.
    for (let pad = 0; pad < 4; pad++) {
      const dir = await mkdtemp(path.join(tmpdir(), 'split-utf8-'));
      dirs.push(dir);
      const titles = Array.from({ length: 6000 }, (_, i) => `File:${'x'.repeat(pad)}${String(i).padStart(5, '0')} ${'é'.repeat(80)}.jpg`);
      const list = await writeList(dir, VOL, titles.map(file));
      const bytes = await readFile(path.join(dir, list.file));
      if ((bytes[CHUNK_BYTES]! & 0xc0) !== 0x80) continue;
      const volume = { infoHash: VOL, list } as unknown as SplitVolume;
      const read: string[] = [];
      for await (const f of readListFile(dir, volume)) read.push(`${f.title} ${f.path}`);
      const want = titles.map((t) => `${t} a/ab/${t}`);
      expect(read).toEqual(want);
      // The catalogue's synchronous reader of checked lists, too.
      expect([...linesSync(path.join(dir, list.file))].map((l) => JSON.parse(l) as { title: string; path: string }).map((f) => `${f.title} ${f.path}`)).toEqual(want);
      return;
    }
    throw new Error('no padding put a continuation byte at the chunk boundary');
  });
});

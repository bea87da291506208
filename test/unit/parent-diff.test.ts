import { describe, expect, it } from 'vitest';
import { commonsPath, originalUrl } from '../../shared/commons-path.ts';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import { diffAgainstParent, diffVersions } from '../../services/set-builder/diff.ts';
import { FileTable } from '../../services/set-builder/listing/file-table.ts';
import type { ListedFile } from '../../services/set-builder/listing/listed-file.ts';
import { ParentFiles } from '../../services/set-builder/parent-files.ts';

const BASE = 'http://127.0.0.1:9/wikipedia/';
const sha = (s: string) => s.repeat(40).slice(0, 40);

function rec(name: string, sha1: string, revisionId = 1, categories = ['A']): ManifestFile {
  return {
    title: `File:${name.replace(/_/g, ' ')}`, path: commonsPath(name), size: 10, sha1: sha(sha1), mime: 'image/jpeg', uploadTimestamp: '2024-05-01T00:00:00Z',
    pageId: 1, revisionId, license: null, author: null, categories, coordinates: null, volume: '0'.repeat(40),
  };
}

function listed(f: ManifestFile): ListedFile {
  const { volume: _v, ...meta } = f;
  const name = f.path.split('/').pop()!;
  return { ...meta, name, url: originalUrl(BASE, f.path), uploadBase: BASE };
}

async function* lists(...volumes: ManifestFile[][]): AsyncGenerator<ManifestFile> {
  for (const v of volumes) for (const f of [...v].sort((a, b) => (a.title < b.title ? -1 : 1))) yield f;
}

describe('the streamed diff against the parent', () => {
  // Two parent volumes, each a list in title order, the titles interleaved across them.
  const volA = [rec('A.jpg', 'a'), rec('C.jpg', 'c'), rec('E.jpg', 'e'), rec('G.jpg', 'd')];
  const volB = [rec('B.jpg', 'b'), rec('D.jpg', 'd'), rec('Twin_1.jpg', 'f'), rec('Twin_2.jpg', 'f')];
  const next = [
    rec('A.jpg', 'a'), rec('B.jpg', 'b2'), rec('C2.jpg', 'c'), rec('E.jpg', 'e', 2, ['A', 'Birds']), rec('F.jpg', 'f9'),
    rec('Twin_3.jpg', 'f'), rec('G2.jpg', 'd'), rec('D2.jpg', 'd'),
  ];

  it('finds what the in-memory diff finds, from lists read one after the other against the title-ordered table', async () => {
    const table = FileTable.from(next.map(listed));
    expect(table).toBeInstanceOf(FileTable);
    (table as FileTable).sortByTitle();
    const streamed = await diffAgainstParent(lists(volA, volB), table);
    expect(streamed).toEqual(diffVersions([...volA, ...volB].sort((a, b) => (a.title < b.title ? -1 : 1)), next));
    expect(streamed).toEqual({
      added: ['File:F.jpg'],
      removed: ['File:Twin 2.jpg'],
      changed: ['File:B.jpg'],
      renamed: [{ from: 'File:C.jpg', to: 'File:C2.jpg' }, { from: 'File:G.jpg', to: 'File:D2.jpg' }, { from: 'File:D.jpg', to: 'File:G2.jpg' }, { from: 'File:Twin 1.jpg', to: 'File:Twin 3.jpg' }]
        .sort((a, b) => (a.to < b.to ? -1 : 1)),
      pagesUpdated: ['File:E.jpg'],
    });
    expect((await diffAgainstParent(null, table)).added).toEqual([...next.map((f) => f.title)].sort());
  });
});

describe("the parent's media index", () => {
  it('finds each parent path and a path for each SHA-1 (the last in parent order), and forgets archived bytes', async () => {
    const files = [rec('A.jpg', 'a'), rec('B.jpg', 'b'), rec('Twin_1.jpg', 'f'), rec('Ünï_çödé.jpg', 'c'), rec('Twin_2.jpg', 'f')];
    const index = await ParentFiles.read(lists(files));
    expect(index.count).toBe(5);
    for (const f of files) expect(index.at(f.path)).toEqual({ path: f.path, sha1: f.sha1, size: f.size, uploadTimestamp: f.uploadTimestamp });
    expect(index.at(commonsPath('Nowhere.jpg'))).toBeUndefined();
    expect(index.sourceOf(sha('a'))).toBe(commonsPath('A.jpg'));
    expect(index.sourceOf(sha('f'))).toBe(commonsPath('Twin_2.jpg'));
    expect(index.sourceOf(sha('9'))).toBeUndefined();
    index.archived(sha('b'));
    expect(index.sourceOf(sha('b'))).toBeUndefined();
    expect((await ParentFiles.read([])).at('a/ab/X.jpg')).toBeUndefined();
  });
});

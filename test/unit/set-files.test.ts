// The per-version file lists in a real LMDB environment: pages by position however deep,
// bounded title search, licence figures, the exact-title lookup, and indexing a version from
// its manifest when it was published before the lists existed. Plus the pieces of the set
// page's boxes (quota, shell words, thumbnail URLs, the file-list query).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Manifest } from '../../shared/formats/manifest.ts';
import { isSeedbankError } from '../../shared/errors.ts';
import { openCatalogueTables, type CatalogueTables } from '../../services/tracker-web/store/open-lmdb.ts';
import { derivedPath } from '../../services/tracker-web/store/file-index.ts';
import { inTitleOrder, licenceCounts, SetFileIndex, type PublishedFile } from '../../services/tracker-web/store/set-files.ts';
import { positionKey, positionValue, versionStart } from '../../services/tracker-web/store/set-positions.ts';
import { fillPendingPositions, markPositionFillPending } from '../../services/tracker-web/store/position-fill.ts';
import { TitleIds } from '../../services/tracker-web/store/title-ids.ts';
import { shellWord, suggestedQuota } from '../../services/tracker-web/views/set-actions.ts';
import { parseSetFilesQuery } from '../../services/tracker-web/views/set-files-model.ts';
import { previewImageUrl, SHOW_ORIGINAL_MAX_BYTES, thumbnailUrl } from '../../services/tracker-web/views/thumbnail.ts';
import { contentSecurityPolicy, CONTENT_SECURITY_POLICY } from '../../services/tracker-web/pages/layout.ts';

const FILES = 250;
let dir: string;
let t: CatalogueTables;
let index: SetFileIndex;
let manifestReads = 0;

const VOLUMES = ['ab'.repeat(20), 'cd'.repeat(20)];
// Rows keep numbers where they can and the text where it does not round-trip: paths that do
// not follow from the title, upload times that are not whole UTC seconds, no author or licence.
const file = (i: number): PublishedFile => {
  const title = i === 7 ? 'Bare title without namespace.jpg' : `File:${i % 2 ? 'Tower' : 'Bridge'} ${String(i).padStart(3, '0')}.jpg`;
  return {
    sha1: i.toString(16).padStart(40, '0'), setId: 's', version: 1, title,
    path: i % 3 ? `a/ab/F${i}.jpg` : derivedPath(title), size: 10 + i * 1_000_000_007, volume: VOLUMES[i % 2]!, mime: i % 4 ? 'image/jpeg' : 'image/png',
    license: i % 5 === 0 ? null : i % 2 ? 'cc-by-sa-4.0' : 'cc0', author: i % 6 === 0 ? null : `Author ${i % 9}`,
    uploaded: i % 7 === 0 ? '2026-01-01T00:00:00.250Z' : i % 11 === 0 ? '' : new Date(Date.UTC(2010, 0, 1) + i * 86_399_000).toISOString().replace('.000Z', 'Z'),
  };
};
const files = Array.from({ length: FILES }, (_, i) => file(FILES - 1 - i));
const sorted = files.map((f) => f.title).sort();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-set-files-'));
  t = openCatalogueTables(dir);
  const tables = { rows: t.setRows, positions: t.setPositions, facts: t.setFacts, strings: t.factStrings };
  // Version 2 was "published before the lists existed": only its manifest knows its files.
  const old = { files: files.slice(0, 3).map((f) => ({ ...f, uploadTimestamp: f.uploaded!, categories: [], coordinates: null, pageId: 1, revisionId: 1 })) } as unknown as Manifest;
  index = new SetFileIndex(t.env, tables, {
    titles: new TitleIds(t.titleNames, t.titleIds),
    versionNo: (setId, version) => (setId === 's' && version <= 3 ? version : undefined),
    volumeNo: (ih) => VOLUMES.indexOf(ih) + 1,
    volumeOfNo: (no) => VOLUMES[no - 1],
    manifestOf: (setId, version) => {
      manifestReads++;
      return setId === 's' && version === 2 ? old : undefined;
    },
  });
  t.env.transactionSync(() => index.putSync('s', 1, inTitleOrder(files), { append: true }));
});

afterAll(async () => {
  await t?.env.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('SetFileIndex', () => {
  it('pages by position in title order, and a page past the end is empty', () => {
    expect(index.page('s', 1, 0, 100).map((r) => r.title)).toEqual(sorted.slice(0, 100));
    expect(index.page('s', 1, 200, 100).map((r) => r.title)).toEqual(sorted.slice(200));
    expect(index.page('s', 1, 250, 100)).toEqual([]);
    expect(index.page('s', 9, 0, 100)).toEqual([]);
    const all = index.page('s', 1, 0, FILES);
    expect(all).toEqual(inTitleOrder(files).map((f) => ({ title: f.title, sha1: f.sha1, path: f.path, size: f.size, volume: f.volume, mime: f.mime, license: f.license, author: f.author, uploaded: f.uploaded })));
  });

  it('finds every file by exact title, and no other', () => {
    for (const f of files) expect(index.get('s', 1, f.title)).toMatchObject({ title: f.title, sha1: f.sha1, path: f.path, uploaded: f.uploaded });
    expect(index.get('s', 1, 'File:Tower 000.jpg')).toBeUndefined();
    expect(index.get('s', 1, 'File:Aaa.jpg')).toBeUndefined();
    expect(index.get('s', 1, 'File:Zzz.jpg')).toBeUndefined();
    expect(index.get('s', 9, files[0]!.title)).toBeUndefined();
  });

  it('finds a title with one read of the list through its position (and none of the title ids); without positions (or a wrong one), by binary search', async () => {
    const titles = new TitleIds(t.titleNames, t.titleIds);
    // Every read of a row goes through lmdb-js's getBinaryFast (get calls it too).
    const rowReads = vi.spyOn(t.setRows, 'getBinaryFast');
    const idReads = vi.spyOn(t.titleIds, 'getKeys');
    const readsFor = (title: string) => {
      rowReads.mockClear();
      idReads.mockClear();
      expect(index.get('s', 1, title)?.title).toBe(title);
      if (rowReads.mock.calls.length === 1) expect(idReads).not.toHaveBeenCalled();
      return rowReads.mock.calls.length;
    };
    try {
      for (const f of files) expect(readsFor(f.title)).toBe(1);
      // A list written before format 4 has no positions: the binary search still finds every title.
      t.env.transactionSync(() => {
        for (const key of [...t.setPositions.getKeys({ start: versionStart(1), end: versionStart(2) })]) t.setPositions.removeSync(key);
      });
      for (const f of files) expect(readsFor(f.title)).toBeGreaterThan(1);
      // A position that points at another title's row is not believed.
      const victim = sorted[FILES - 1]!;
      t.env.transactionSync(() => t.setPositions.putSync(positionKey(1, victim), positionValue(0)));
      expect(readsFor(victim)).toBeGreaterThan(1);
      // The format 3 → 4 migration (in the background after listen) writes them all back from the rows.
      const fill = { rows: t.setRows, positions: t.setPositions, storeInfo: t.storeInfo, title: (id: number) => titles.title(id) };
      markPositionFillPending(fill);
      expect(await fillPendingPositions(fill)).toBe((t.setRows.getStats() as { entryCount: number }).entryCount);
      for (const f of files) expect(readsFor(f.title)).toBe(1);
    } finally {
      rowReads.mockRestore();
      idReads.mockRestore();
    }
  });


  it('given the file\'s SHA-1, takes the row without reading its title back, and no figures record after the first; a row with other bytes is checked by title', () => {
    const nameReads = vi.spyOn(t.titleNames, 'get');
    const factReads = vi.spyOn(t.setFacts, 'get');
    try {
      index.get('s', 1, files[0]!.title);
      factReads.mockClear();
      for (const f of files) {
        nameReads.mockClear();
        expect(index.get('s', 1, f.title, { sha1: f.sha1 })).toMatchObject({ title: f.title, sha1: f.sha1, path: f.path, license: f.license, author: f.author });
        expect(nameReads).not.toHaveBeenCalled();
      }
      expect(factReads).not.toHaveBeenCalled();
      // Upper-case hex is the same bytes; bytes the row does not hold: the title decides, as without a SHA-1.
      expect(index.get('s', 1, files[3]!.title, { sha1: files[3]!.sha1.toUpperCase() })?.title).toBe(files[3]!.title);
      nameReads.mockClear();
      expect(index.get('s', 1, files[3]!.title, { sha1: files[4]!.sha1 })).toMatchObject({ title: files[3]!.title, sha1: files[3]!.sha1 });
      expect(nameReads).toHaveBeenCalled();
      // A position that points at another title's row (a hash collision) is not believed for a SHA-1 that row does not hold.
      const victim = sorted[FILES - 1]!;
      const own = files.find((f) => f.title === victim)!;
      t.env.transactionSync(() => t.setPositions.putSync(positionKey(1, victim), positionValue(0)));
      expect(index.get('s', 1, victim, { sha1: own.sha1 })).toMatchObject({ title: victim, sha1: own.sha1 });
      t.env.transactionSync(() => t.setPositions.putSync(positionKey(1, victim), positionValue(FILES - 1)));
    } finally {
      nameReads.mockRestore();
      factReads.mockRestore();
    }
  });
  it('searches titles case-insensitively with _ as a space, and stops at the scan cap saying so', () => {
    const all = index.search('s', 1, 'tOWER_1', { offset: 0, limit: 100, scanCap: 1000 });
    const expected = sorted.filter((x) => x.toLowerCase().includes('tower 1'));
    expect(all).toMatchObject({ matches: expected.length, scanned: FILES, complete: true });
    expect(all.rows.map((r) => r.title)).toEqual(expected);
    const second = index.search('s', 1, 'tower', { offset: 100, limit: 100, scanCap: 1000 });
    expect(second.rows.map((r) => r.title)).toEqual(sorted.filter((x) => x.includes('Tower')).slice(100, 200));
    const capped = index.search('s', 1, 'tower', { offset: 0, limit: 10, scanCap: 100 });
    expect(capped).toMatchObject({ scanned: 100, complete: false, matches: sorted.slice(0, 100).filter((x) => x.includes('Tower')).length });
    expect(index.search('s', 1, 'no such', { offset: 0, limit: 10, scanCap: 1000 }).rows).toEqual([]);
  });

  it('counts licences, null apart, most files first', () => {
    const facts = index.versionFacts('s', 1)!;
    expect(facts.files).toBe(FILES);
    expect(facts.licences.reduce((n, l) => n + l.files, 0)).toBe(FILES);
    expect(facts.licences).toEqual(licenceCounts(files));
    expect(facts.licences.find((l) => l.licence === null)?.files).toBe(FILES / 5);
    expect(facts.licences.map((l) => l.files)).toEqual([...facts.licences.map((l) => l.files)].sort((a, b) => b - a));
  });

  it('indexes a version published before the lists existed from its manifest, once', () => {
    const before = manifestReads;
    expect(index.versionFacts('s', 2)?.files).toBe(3);
    expect(index.page('s', 2, 0, 10).map((r) => r.title)).toEqual(files.slice(0, 3).map((f) => f.title).sort());
    expect(index.get('s', 2, files[0]!.title)?.uploaded).toBe(files[0]!.uploaded);
    expect(manifestReads).toBe(before + 1);
    expect(index.versionFacts('s', 3)).toBeUndefined();
  });
});

describe('set page pieces', () => {
  it('suggests a quota with room for new versions, in whole MB or GB', () => {
    expect(suggestedQuota(194_000).text).toBe('1MB');
    expect(suggestedQuota(10_000_000).text).toBe('15MB');
    expect(suggestedQuota(2_100_000_000).text).toBe('4GB');
  });

  it('quotes a URL for the shell only when it needs it', () => {
    expect(shellWord('https://catalogue.example.org')).toBe('https://catalogue.example.org');
    expect(shellWord("http://h/?a=1&b='x'")).toBe(`'http://h/?a=1&b='\\''x'\\'''`);
  });

  it('builds the wiki thumbnail URL per media type, and none for audio or a non-http base', () => {
    const base = 'https://upload.wikimedia.org/wikipedia/';
    expect(thumbnailUrl(base, 'a/ab/Eiffel_Tower.jpg', 'image/jpeg')).toBe('https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/Eiffel_Tower.jpg/330px-Eiffel_Tower.jpg');
    expect(thumbnailUrl(base, 'a/ab/Map.svg', 'image/svg+xml')).toBe('https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/Map.svg/330px-Map.svg.png');
    expect(thumbnailUrl(base, 'a/ab/Doc.pdf', 'application/pdf')).toMatch(/\/page1-330px-Doc\.pdf\.jpg$/);
    expect(thumbnailUrl(base, 'a/ab/Caf%C3%A9 #1.jpg', 'image/jpeg')).toContain('/Caf%25C3%25A9%20%231.jpg/');
    expect(thumbnailUrl(base, 'a/ab/Song.ogg', 'audio/ogg')).toBeNull();
    expect(thumbnailUrl('javascript:alert(1)//', 'a/ab/X.jpg', 'image/jpeg')).toBeNull();
    // A small image is shown as it is; a large one, or a type a browser cannot show, by its thumbnail.
    expect(previewImageUrl(base, 'a/ab/X.jpg', 'image/jpeg', 1000)).toBe('https://upload.wikimedia.org/wikipedia/commons/a/ab/X.jpg');
    expect(previewImageUrl(base, 'a/ab/X.jpg', 'image/jpeg', SHOW_ORIGINAL_MAX_BYTES + 1)).toBe(thumbnailUrl(base, 'a/ab/X.jpg', 'image/jpeg'));
    expect(previewImageUrl(base, 'a/ab/X.tif', 'image/tiff', 1000)).toMatch(/lossy-page1-330px-X\.tif\.jpg$/);
    expect(previewImageUrl(base, 'a/ab/X.ogg', 'audio/ogg', 1000)).toBeNull();
  });

  it('adds only bare http(s) origins to img-src', () => {
    expect(contentSecurityPolicy(['https://upload.wikimedia.org'])).toBe(CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", "img-src 'self' data: https://upload.wikimedia.org"));
    expect(contentSecurityPolicy(["https://x.org; script-src 'unsafe-inline'", 'https://*', 'data:', 'http://[::1]:8080'])).toBe(
      CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", "img-src 'self' data: http://[::1]:8080"),
    );
  });

  it('reads the file-list query, refusing what is not one', () => {
    expect(parseSetFilesQuery({})).toEqual({ q: '', under: false, page: 1 });
    expect(parseSetFilesQuery({ q: ' tower ', under: '1', page: '3' })).toEqual({ q: 'tower', under: true, page: 3 });
    for (const bad of [{ page: '0' }, { page: '-1' }, { page: '2.5' }, { page: ['1', '2'] }, { q: ['a'] }, { q: 'x'.repeat(241) }, { under: 'yes' }]) {
      let err: unknown;
      try {
        parseSetFilesQuery(bad);
      } catch (e) {
        err = e;
      }
      expect(isSeedbankError(err, 'BAD_REQUEST'), JSON.stringify(bad).slice(0, 60)).toBe(true);
    }
  });
});

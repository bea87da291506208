// The title search index inside a real catalogue store (LMDB in a temporary folder), filled
// through putVersion as the publish path fills it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueStore } from '../store/catalogue-store.ts';
import { openCatalogueTables } from '../store/open-lmdb.ts';
import { titledVersion } from '../../../test/helpers/titled-version.ts';
import { isSeedbankError } from '../../../shared/errors.ts';

const TITLES = [
  'File:Eiffel Tower from Trocadéro.png',
  'File:Tour Eiffel, Paris.jpg',
  'File:Gustave Eiffel portrait.jpg',
  'File:Paris Paris Paris.jpg',
  'File:Łódź Manufaktura.jpg',
  'File:Straße in Köln.jpg',
  'File:東京タワー.jpg',
];

let work: string;
let store: CatalogueStore;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-title-index-'));
  store = CatalogueStore.open(path.join(work, 'cat'));
  store.putVersion(await titledVersion(work, { setId: 'paris', version: 1, titles: TITLES }));
});

afterAll(async () => {
  await store?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const search = (q: string, limit = 50, after?: string) => store.searchTitles(q, { limit, after });

describe('title search', () => {
  it('finds a title by the beginning of any word, whatever the case and accents', () => {
    expect(search('eiffel').titles.sort()).toEqual(['File:Eiffel Tower from Trocadéro.png', 'File:Gustave Eiffel portrait.jpg', 'File:Tour Eiffel, Paris.jpg']);
    expect(search('TROCADERO').titles).toEqual(['File:Eiffel Tower from Trocadéro.png']);
    expect(search('lodz').titles).toEqual(['File:Łódź Manufaktura.jpg']);
    expect(search('strasse koln').titles).toEqual(['File:Straße in Köln.jpg']);
    expect(search('タワ').titles).toEqual(['File:東京タワー.jpg']);
    expect(search('eif tow').titles).toEqual(['File:Eiffel Tower from Trocadéro.png']);
    expect(search('eiffel zzz').titles).toEqual([]);
    expect(search('portrait.jpg').titles).toEqual(['File:Gustave Eiffel portrait.jpg']);
    const page = search('eiffel');
    expect(page).toMatchObject({ words: ['eiffel'], capped: false, nextCursor: null, indexComplete: true });
  });

  it('lists a title once when several of its words begin with the query', () => {
    expect(search('pa').titles.sort()).toEqual(['File:Paris Paris Paris.jpg', 'File:Tour Eiffel, Paris.jpg']);
    expect(search('p').titles.sort()).toEqual(['File:Eiffel Tower from Trocadéro.png', 'File:Gustave Eiffel portrait.jpg', 'File:Paris Paris Paris.jpg', 'File:Tour Eiffel, Paris.jpg']);
  });

  it('pages with a cursor, every title once, and refuses a cursor from another query', () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = search('j', 2, after);
      seen.push(...page.titles);
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    expect(seen.sort()).toEqual(TITLES.filter((t) => t.endsWith('.jpg')).sort());
    const first = search('eiffel', 1);
    expect(() => search('tour', 1, first.nextCursor!)).toThrow(/cursor does not belong to this search/);
    expect(() => search('eiffel', 1, 'garbage')).toThrow(/cursor/);
  });

  it('stops after the scan budget and says so, handing back a cursor that goes on', () => {
    // Every .jpg title has "jpg"; a second word no title has makes the scan read without finding.
    const page = store.searchTitles('j nothing', { limit: 10, maxScannedKeys: 2 });
    expect(page.titles).toEqual([]);
    expect(page.capped).toBe(false); // "nothing" begins no word: answered from the probe, exhaustively
    const capped = store.searchTitles('jpg p', { limit: 10, maxScannedKeys: 2 });
    expect(capped).toMatchObject({ capped: true, scanned: 2 });
    expect(capped.nextCursor).not.toBeNull();
    const rest = store.searchTitles('jpg p', { limit: 10, after: capped.nextCursor! });
    expect([...capped.titles, ...rest.titles].sort()).toEqual(['File:Gustave Eiffel portrait.jpg', 'File:Paris Paris Paris.jpg', 'File:Tour Eiffel, Paris.jpg']);
  });

  it('refuses a query without letters or digits, and one with too many words, as bad requests', () => {
    for (const q of ['?!...', '', '— ()', Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ')]) {
      let err: unknown;
      try {
        search(q);
      } catch (e) {
        err = e;
      }
      expect(isSeedbankError(err) && err.code, q).toBe('BAD_REQUEST');
    }
  });

  it('indexes a title once for every set and version holding it, and keeps titles an older version had', async () => {
    store.putVersion(await titledVersion(work, { setId: 'paris', version: 2, titles: ['File:Eiffel Tower from Trocadéro.png', 'File:Arc de Triomphe.jpg'] }));
    store.putVersion(await titledVersion(work, { setId: 'france', version: 1, titles: ['File:Eiffel Tower from Trocadéro.png'], contentOf: () => 'other bytes' }));
    expect(search('eiffel tower').titles).toEqual(['File:Eiffel Tower from Trocadéro.png']);
    expect(search('arc').titles).toEqual(['File:Arc de Triomphe.jpg']);
    // v2 dropped the portrait; v1 still holds it and the exact lookup finds it, so the search does too.
    expect(search('gustave').titles).toEqual(['File:Gustave Eiffel portrait.jpg']);
    expect(store.filesByTitle('File:Gustave Eiffel portrait.jpg')).toHaveLength(1);
  });
});

describe('an older catalogue without the index', () => {
  it('is indexed from its titles by rebuildTitleIndex, and searches say the index is incomplete until then', async () => {
    const dir = path.join(work, 'old');
    const old = CatalogueStore.open(dir);
    old.putVersion(await titledVersion(work, { setId: 'old', version: 1, titles: Array.from({ length: 50 }, (_, i) => `File:Old photo ${i}.jpg`) }));
    await old.close();
    // What a catalogue from before the index looks like: titles, no index table contents.
    const t = openCatalogueTables(dir);
    await t.titleWords.clearAsync();
    await t.env.close();
    const reopened = CatalogueStore.open(dir);
    try {
      expect(reopened.searchTitles('photo', { limit: 100 })).toMatchObject({ titles: [], indexComplete: false });
      const batches: number[] = [];
      await reopened.rebuildTitleIndex({ onBatch: (n) => batches.push(n) });
      expect(batches).toEqual([50]);
      const page = reopened.searchTitles('photo', { limit: 100 });
      expect(page.indexComplete).toBe(true);
      expect(page.titles).toHaveLength(50);
    } finally {
      await reopened.close();
    }
  });
});

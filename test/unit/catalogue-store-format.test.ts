import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildVersion } from '../../bench/catalogue/synthetic.ts';
import { BulkIndex } from '../../services/tracker-web/store/bulk-index.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { openCatalogueTables } from '../../services/tracker-web/store/open-lmdb.ts';
import { SortedBulkLoad } from '../../services/tracker-web/store/sorted-bulk-load.ts';
import { STORE_FORMAT } from '../../services/tracker-web/store/store-format.ts';

const SETS = 3;
const FILES_PER_SET = 40;
const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'seedbank-store-format-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const versions = () => Array.from({ length: SETS }, (_, i) => buildVersion(i, FILES_PER_SET, 0).version);

/** Everything the per-file index answers, for every file of the versions. */
function answers(store: CatalogueStore) {
  const out: unknown[] = [];
  for (const v of versions()) {
    for (const f of v.files) {
      out.push(store.filesBySha1(f.sha1), store.sha1sForTitle(f.title));
      for (const c of f.categories ?? []) out.push(c, store.categoryFiles(c)?.sort((a, b) => (a.sha1 + a.setId < b.sha1 + b.setId ? -1 : 1)));
    }
  }
  return out;
}

/** What the set pages and the word search answer: every file list in full, by exact title, and a few searches. */
async function listAnswers(store: CatalogueStore) {
  await store.rebuildTitleIndex();
  const out: unknown[] = [];
  for (const v of versions()) {
    const id = v.set.id;
    out.push(store.setFiles.versionFacts(id, 1), store.setFiles.page(id, 1, 0, FILES_PER_SET + 1), store.setFiles.search(id, 1, 'a', { offset: 0, limit: 5, scanCap: 20 }));
    for (const f of v.files) out.push(store.setFiles.get(id, 1, f.title));
    out.push(store.versionFiles.versionPage(id, 1));
  }
  for (const q of ['paris', 'bridge', 'jpg', 'zzz']) out.push(store.searchTitles(q, { limit: 1000 }).titles.sort());
  return out;
}

describe('the catalogue store, format 3', () => {
  it('finds every file by SHA-1, title and category, with its path, size, volume and offset', async () => {
    const store = CatalogueStore.open(await tmp());
    const vs = versions();
    for (const v of vs) store.putVersion(v);
    for (const v of vs) {
      for (const f of v.files) {
        const found = store.filesBySha1(f.sha1).find((l) => l.setId === v.set.id);
        expect(found).toMatchObject({ sha1: f.sha1, setId: v.set.id, version: 1, title: f.title, path: f.path, size: f.size, volume: f.volume });
        expect(found!.offset).toBeGreaterThanOrEqual(0);
        expect(store.sha1sForTitle(f.title)).toEqual([f.sha1]);
        for (const c of f.categories!) expect(store.categoryFiles(c)).toContainEqual({ sha1: f.sha1, setId: v.set.id, version: 1 });
      }
    }
    expect(store.filesBySha1('00'.repeat(20))).toEqual([]);
    expect(store.categoryFiles('No such category')).toBeNull();
    await store.close();
  });

  it('answers the same after a sorted bulk load (spilled runs merged) as after publishing one by one', async () => {
    const direct = CatalogueStore.open(await tmp());
    for (const v of versions()) direct.putVersion(v, 1);
    const bulkStore = CatalogueStore.open(await tmp());
    // A tiny arena forces several sorted runs on disk and the merge.
    const bulk = new BulkIndex(4096);
    for (const v of versions()) bulkStore.putVersion(v, 1, bulk);
    const rows = bulkStore.finishBulkIndex(bulk);
    expect(rows.files).toBe(SETS * FILES_PER_SET);
    expect(answers(bulkStore)).toEqual(answers(direct));
    expect(await listAnswers(bulkStore)).toEqual(await listAnswers(direct));
    await direct.close();
    await bulkStore.close();
  });

  it('writes rows added in any order in key order, once each', async () => {
    const dir = await tmp();
    const t = openCatalogueTables(dir);
    const load = new SortedBulkLoad(64);
    const keys = Array.from({ length: 300 }, (_, i) => Buffer.from(`k${String((i * 7919) % 300).padStart(4, '0')}`));
    for (const k of keys) load.add(k, Buffer.from('v'));
    load.add(keys[0]!, Buffer.from('v'));
    expect(load.finish(t.env, t.fileIndex)).toBe(301);
    const stored = [...t.fileIndex.getKeys()].map((k) => Buffer.from(k).toString());
    expect(stored).toEqual([...new Set(keys.map(String))].sort());
    await t.env.close();
  });

  it('migrates a store written in format 1 on open, and refuses one from a newer Seedbank', async () => {
    const dir = await tmp();
    const store = CatalogueStore.open(dir);
    for (const v of versions()) store.putVersion(v, 1);
    const before = answers(store);
    await store.close();
    // Turn it into what the previous code wrote: no numbers, no format, the old per-file tables.
    const t = openCatalogueTables(dir);
    t.env.transactionSync(() => {
      for (const db of [t.fileIndex, t.titleIndex, t.categoryIndex, t.categories, t.versionNumbers, t.volumeNumbers]) db.clearSync();
      t.storeInfo.clearSync();
      for (const { key, value } of [...t.versions.getRange()]) t.versions.putSync(key, { ...value, no: undefined, facts: undefined });
      for (const { key, value } of [...t.volumes.getRange()]) t.volumes.putSync(key, { ...value, no: undefined });
      for (const v of versions()) {
        for (const f of v.files) {
          t.legacyFilesBySha1.putSync([f.sha1, f.setId, f.version, f.title], { path: f.path, size: f.size, volume: f.volume });
          t.legacyTitles.putSync([f.title, f.sha1], 1);
        }
      }
    });
    await t.env.close();
    const migrated = CatalogueStore.open(dir);
    expect(answers(migrated)).toEqual(before);
    await migrated.close();
    const t2 = openCatalogueTables(dir);
    expect(t2.legacyFilesBySha1.getKeysCount()).toBe(0);
    t2.storeInfo.putSync('format', STORE_FORMAT + 1);
    await t2.env.close();
    expect(() => CatalogueStore.open(dir)).toThrow(expect.objectContaining({ code: 'STORE_FORMAT_NEWER' }));
  });

  /** Turns a closed store back into format 3, which had no position table. */
  async function asFormat3(dir: string): Promise<void> {
    const t = openCatalogueTables(dir);
    t.env.transactionSync(() => {
      t.setPositions.clearSync();
      t.storeInfo.putSync('format', 3);
    });
    await t.env.close();
  }

  it('migrates a format-3 store: every title\'s position written from the lists, the same file rows', async () => {
    const dir = await tmp();
    const store = CatalogueStore.open(dir);
    for (const v of versions()) store.putVersion(v, 1);
    const rows = (s: CatalogueStore) => versions().flatMap((v) => v.files.map((f) => s.setFiles.get(v.set.id, 1, f.title)));
    const before = rows(store);
    expect(before.every((r) => r !== undefined)).toBe(true);
    await store.close();
    await asFormat3(dir);
    const migrated = CatalogueStore.open(dir);
    // The open only marks the fill pending: rows are found by binary search until it is done.
    expect(migrated.positionFillPending()).toBe(true);
    expect(rows(migrated)).toEqual(before);
    expect(await migrated.fillPendingPositions()).toBe(SETS * FILES_PER_SET);
    expect(migrated.positionFillPending()).toBe(false);
    expect(rows(migrated)).toEqual(before);
    await migrated.close();
    const t2 = openCatalogueTables(dir);
    expect((t2.setPositions.getStats() as { entryCount: number }).entryCount).toBe(SETS * FILES_PER_SET);
    expect(t2.storeInfo.get('format')).toBe(STORE_FORMAT);
    await t2.env.close();
  });

  it('fills a format-3 store\'s positions in the background: serves meanwhile, resumes where a stopped fill left off, keeps what a publish meanwhile wrote', async () => {
    const dir = await tmp();
    const store = CatalogueStore.open(dir);
    const [first, ...rest] = versions();
    for (const v of rest) store.putVersion(v, 1);
    const rows = (s: CatalogueStore, vs = versions()) => vs.flatMap((v) => v.files.map((f) => s.setFiles.get(v.set.id, 1, f.title)));
    const before = rows(store, rest);
    await store.close();
    await asFormat3(dir);

    // Stopped after the first version, as a catalogue killed mid-fill would be.
    const upgraded = CatalogueStore.open(dir);
    const stop = new AbortController();
    const done: number[] = [];
    await upgraded.fillPendingPositions({ signal: stop.signal, onVersion: (no) => (done.push(no), stop.abort()) });
    expect(done).toEqual([1]);
    expect(upgraded.positionFillPending()).toBe(true);
    // A version published before the fill is done writes its own positions.
    upgraded.putVersion(first!, 1);
    await upgraded.close();

    const t2 = openCatalogueTables(dir);
    const count = () => (t2.setPositions.getStats() as { entryCount: number }).entryCount;
    expect(count(), 'the stopped fill\'s version and the publish\'s').toBe(2 * FILES_PER_SET);
    expect(t2.storeInfo.get('positionFill'), 'the next version to fill').toBe(2);
    await t2.env.close();

    const resumed = CatalogueStore.open(dir);
    expect(rows(resumed, rest)).toEqual(before);
    const resumedAt: number[] = [];
    expect(await resumed.fillPendingPositions({ onVersion: (no) => resumedAt.push(no) })).toBe(FILES_PER_SET);
    expect(resumedAt, 'only the versions not filled yet').toEqual([2]);
    expect(resumed.positionFillPending()).toBe(false);
    expect(rows(resumed, rest)).toEqual(before);
    expect(rows(resumed).every((r) => r !== undefined)).toBe(true);
    await resumed.close();
    const t3 = openCatalogueTables(dir);
    expect((t3.setPositions.getStats() as { entryCount: number }).entryCount).toBe(SETS * FILES_PER_SET);
    await t3.env.close();
  });

  it('migrates a format-2 store: the same file lists and searches, the old tables emptied', async () => {
    const dir = await tmp();
    const store = CatalogueStore.open(dir);
    for (const v of versions()) store.putVersion(v, 1);
    const before = await listAnswers(store);
    expect((before[1] as unknown[]).length).toBe(FILES_PER_SET);
    await store.close();
    // Turn it into what format 2 wrote: lists keyed by title with a position table, titles in the search keys, no ids.
    const t = openCatalogueTables(dir);
    t.env.transactionSync(() => {
      for (const v of versions()) {
        const ordered = [...v.files].sort((a, b) => (a.title < b.title ? -1 : 1));
        ordered.forEach((f, i) => {
          t.legacySetFiles.putSync([v.set.id, 1, f.title], [f.sha1, f.path, f.size, f.volume, f.mime ?? '', f.license ?? null, f.author ?? null, f.uploaded ?? '']);
          t.legacySetOrder.putSync([v.set.id, 1, i], f.title);
        });
      }
      for (const db of [t.setRows, t.factStrings, t.titleNames, t.titleIds, t.titleWords]) db.clearSync();
      t.titleWords.putSync(Buffer.from('\u0000meta', 'latin1'), Buffer.from(JSON.stringify({ format: 1, complete: true, after: null })));
      t.storeInfo.putSync('format', 2);
    });
    await t.env.close();
    const migrated = CatalogueStore.open(dir);
    expect(migrated.searchTitles('paris', { limit: 10 }).indexComplete).toBe(false);
    const after = await listAnswers(migrated);
    expect(after).toEqual(before);
    expect(migrated.searchTitles('paris', { limit: 10 }).indexComplete).toBe(true);
    await migrated.close();
    const t2 = openCatalogueTables(dir);
    expect(t2.legacySetFiles.getKeysCount()).toBe(0);
    expect(t2.legacySetOrder.getKeysCount()).toBe(0);
    expect(t2.storeInfo.get('format')).toBe(STORE_FORMAT);
    await t2.env.close();
  });
});

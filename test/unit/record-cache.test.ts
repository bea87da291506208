import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isEmptyTable, openCatalogueTables, type CatalogueTables } from '../../services/tracker-web/store/open-lmdb.ts';
import { RecordCache } from '../../services/tracker-web/store/record-cache.ts';
import type { SetRecord, VolumeRecord } from '../../services/tracker-web/store/records.ts';
import { SETS_GENERATION_KEY } from '../../services/tracker-web/store/write-version.ts';

const opened: Array<{ dir: string; t: CatalogueTables }> = [];
afterEach(async () => {
  for (const { dir, t } of opened.splice(0)) {
    await t.env.close();
    await rm(dir, { recursive: true, force: true });
  }
});

async function tables(): Promise<CatalogueTables> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-record-cache-'));
  const t = openCatalogueTables(dir);
  opened.push({ dir, t });
  return t;
}

const set = (id: string): SetRecord => ({ id, title: id, description: '', tags: [], publicKey: 'k', previousKeys: [], copyTarget: 3, latestVersion: 1, registeredAt: 1, updatedAt: 1 });
const volume = (ih: string): VolumeRecord => ({ infoHash: ih, setId: 's', versions: [{ setId: 's', version: 1 }], prefix: '', size: 1, files: 1, pieceLength: 16384, pieces: 1, no: 1 });

describe('catalogue record cache', () => {
  it('keeps at most its bound of records, dropping the least recently used', async () => {
    const t = await tables();
    for (const id of ['a', 'b', 'c']) t.sets.putSync(id, set(id));
    for (const ih of ['1', '2', '3']) t.volumes.putSync(ih, volume(ih));
    const cache = new RecordCache(t, 2, 2);
    cache.set('a');
    cache.set('b');
    cache.set('a'); // a is now the most recently used
    expect(cache.reads).toBe(2);
    cache.set('c'); // drops b
    cache.set('a');
    expect(cache.reads).toBe(3);
    cache.set('b');
    expect(cache.reads).toBe(4);
    cache.volume('1');
    cache.volume('2');
    cache.volume('3'); // drops 1
    cache.volume('1');
    expect(cache.reads).toBe(8);
    expect(cache.set('nope')).toBeUndefined();
    expect(cache.volume('1')).toEqual(volume('1'));
    expect(Object.isFrozen(cache.volume('1')!.versions)).toBe(true);
  });

  it('drops records and the set list when the sets generation moves', async () => {
    const t = await tables();
    t.sets.putSync('a', set('a'));
    const cache = new RecordCache(t);
    let builds = 0;
    const build = () => (builds++, []);
    cache.list(build);
    cache.list(build);
    cache.set('a');
    expect([builds, cache.reads]).toEqual([1, 1]);
    t.sets.putSync('a', { ...set('a'), latestVersion: 2 });
    t.storeInfo.putSync(SETS_GENERATION_KEY, 7);
    expect(cache.set('a')?.latestVersion).toBe(2);
    cache.list(build);
    expect([builds, cache.reads, cache.current()]).toEqual([2, 2, 7]);
  });

  it('tells an empty table from a filled one without walking it', async () => {
    const t = await tables();
    expect(isEmptyTable(t.sets)).toBe(true);
    t.sets.putSync('a', set('a'));
    expect(isEmptyTable(t.sets)).toBe(false);
  });
});

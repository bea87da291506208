// One page of the set list (store/set-page.ts) over a real LMDB sets table: the page is an LMDB
// range from the cursor, so a page reads its own records and one more, however many sets there are.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalogueTables, type CatalogueTables } from '../../services/tracker-web/store/open-lmdb.ts';
import type { SetRecord } from '../../services/tracker-web/store/records.ts';
import { readSetPage } from '../../services/tracker-web/store/set-page.ts';

const opened: Array<{ dir: string; t: CatalogueTables }> = [];
afterEach(async () => {
  for (const { dir, t } of opened.splice(0)) {
    await t.env.close();
    await rm(dir, { recursive: true, force: true });
  }
});

const set = (id: string): SetRecord => ({ id, title: id, description: '', tags: [], publicKey: 'k', previousKeys: [], copyTarget: 3, latestVersion: 1, registeredAt: 1, updatedAt: 1 });

/** A sets table holding `count` sets (ids s00000…), and a count of the records its ranges hand out. */
async function setsTable(count: number): Promise<{ t: CatalogueTables; decoded: () => number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-set-page-'));
  const t = openCatalogueTables(dir);
  opened.push({ dir, t });
  await t.env.transaction(() => {
    for (let i = 0; i < count; i++) void t.sets.put(`s${String(i).padStart(5, '0')}`, set(`s${String(i).padStart(5, '0')}`));
  });
  let decoded = 0;
  const getRange = t.sets.getRange.bind(t.sets);
  // Counts what the real range yields (each entry is a decoded record), passing it on unchanged.
  t.sets.getRange = ((options) => {
    const range = getRange(options);
    return range.map((entry) => {
      decoded++;
      return entry;
    });
  }) as typeof t.sets.getRange;
  return { t, decoded: () => decoded };
}

describe('a page of the set list', () => {
  it('reads its own sets and one more from a 20,000-set table, from any cursor', async () => {
    const { t, decoded } = await setsTable(20_000);
    const first = readSetPage(t.sets, undefined, 100);
    expect([first.sets[0]!.id, first.sets.length, first.next]).toEqual(['s00000', 100, 's00099']);
    expect(decoded()).toBe(101);
    const middle = readSetPage(t.sets, 's12344', 1_000);
    expect([middle.sets[0]!.id, middle.sets.at(-1)!.id, middle.next]).toEqual(['s12345', 's13344', 's13344']);
    expect(decoded()).toBe(101 + 1_001);
  });

  it('ends with next null when the page reaches the last set, exactly or not', async () => {
    const { t } = await setsTable(10);
    expect(readSetPage(t.sets, 's00004', 5)).toMatchObject({ next: null });
    expect(readSetPage(t.sets, 's00004', 5).sets.map((s) => s.id)).toEqual(['s00005', 's00006', 's00007', 's00008', 's00009']);
    expect(readSetPage(t.sets, 's00003', 5).next).toBe('s00008');
    expect(readSetPage(t.sets, 's00009', 5)).toEqual({ sets: [], next: null });
    expect(readSetPage(t.sets, undefined, 1_000).sets).toHaveLength(10);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildVersion } from '../../bench/catalogue/synthetic.ts';
import { categoryCopies } from '../../services/tracker-web/redundancy/category-copies.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';

const SETS = 3;
const FILES_PER_SET = 60;
let dir: string;
let store: CatalogueStore;
const versions = Array.from({ length: SETS }, (_, i) => buildVersion(i, FILES_PER_SET, 0).version);
/** A copy count that differs between files, so the figures are not all alike. */
const copiesOf = (sha1: string) => Number.parseInt(sha1.slice(0, 2), 16) % 4;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-category-copies-'));
  store = CatalogueStore.open(dir);
  for (const v of versions) store.putVersion(v);
});
afterAll(async () => {
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The category holding the most files of the synthetic versions, and its files by SHA-1. */
function biggestCategory(): { name: string; files: Map<string, { size: number; target: number }> } {
  const by = new Map<string, Map<string, { size: number; target: number }>>();
  for (const v of versions) {
    for (const f of v.files) {
      for (const c of f.categories ?? []) {
        const m = by.get(c) ?? new Map();
        m.set(f.sha1, { size: f.size, target: Math.max(m.get(f.sha1)?.target ?? 0, store.getSet(v.set.id)!.copyTarget) });
        by.set(c, m);
      }
    }
  }
  const [name, files] = [...by].sort((a, b) => b[1].size - a[1].size)[0]!;
  return { name, files };
}

describe("a category's copy figures", () => {
  it('counts every file once, with bytes and files under target, whatever the slice', async () => {
    const { name, files } = biggestCategory();
    expect(files.size).toBeGreaterThan(10);
    const whole = await categoryCopies(store, name, copiesOf, 1_000_000);
    const under = [...files].filter(([sha1, f]) => copiesOf(sha1) < f.target);
    expect(whole).toMatchObject({
      category: name,
      files: files.size,
      bytes: [...files.values()].reduce((a, f) => a + f.size, 0),
      filesUnderTarget: under.length,
      bytesUnderTarget: under.reduce((a, [, f]) => a + f.size, 0),
      min: Math.min(...[...files.keys()].map(copiesOf)),
    });
    expect(await categoryCopies(store, name, copiesOf, 3)).toEqual(whole);
  });

  it('hands the event loop back between slices, so timers (and LMDB read renewals) run during a large category', async () => {
    const { name, files } = biggestCategory();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await categoryCopies(store, name, copiesOf, 1_000_000);
      const inOneTurn = ticks;
      await categoryCopies(store, name, copiesOf, 2);
      // Two slices a category file at least (reading the index, then counting): many turns.
      expect(ticks - inOneTurn).toBeGreaterThanOrEqual(Math.floor(files.size / 2));
      expect(inOneTurn).toBeLessThanOrEqual(1);
    } finally {
      clearInterval(timer);
    }
  });

  it('refuses an unknown category with the closest names', async () => {
    const { name } = biggestCategory();
    await expect(categoryCopies(store, `${name}x`, copiesOf)).rejects.toMatchObject({ code: 'CATEGORY_NOT_FOUND', message: expect.stringContaining(name) });
  });
});

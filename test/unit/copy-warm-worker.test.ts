/**
 * The copy figures' warm-up on a worker thread (services/tracker-web/redundancy/warm-in-worker.ts,
 * warm-worker.ts) reaches exactly the figures the main thread reaches, writes them and the copy
 * history the same way, gives up when a newer invalidation comes, ends its thread whatever
 * happens, and when the worker cannot do it the main thread does. On a real store (LMDB in a temp
 * folder): six sets of one four-file volume each, held whole, in part (files sharing pieces),
 * with operator keys, or not at all; the census stands in as a results list.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import type { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { censusOf, NOW, openSixSets, SETS, sixSetFigures, sixSetVerdicts, type SixSets } from '../helpers/six-sets.ts';

let six: SixSets;
let store: CatalogueStore;
let work: string;

beforeAll(async () => {
  six = await openSixSets('seedbank-warm-worker-');
  ({ store, work } = six);
}, 60_000);

afterAll(async () => {
  await six?.close();
});

/** The six sets' census (six-sets.ts). */
function census() {
  const results = sixSetVerdicts(six.ih);
  return censusOf(() => results);
}

/** Every set's figures and every volume's copy count, as a reader sees them. */
const figures = (copies: CopyIndex) => sixSetFigures(copies, six.ih);

/** Threads of this process now (Linux: one task each). */
const threads = () => readdirSync('/proc/self/task').length;

describe('copy figures warm-up on a worker thread', () => {
  it('reaches the main thread figures, writes them and the copy history, and ends its thread', async () => {
    const inline = new CopyIndex(store, census(), { now: () => NOW, warmWorker: false });
    await inline.warm();
    expect(inline.lastWarmUp).toBeNull();
    const expected = figures(inline);
    // Sanity: the fixture holds something of every kind (whole, partial, two hosts of one operator, nothing).
    expect(expected.map((f) => f.set?.min)).toEqual([2, 0, 1, 1, 0, 0]);
    // set-1: Alpha on one host, Beta (one piece, shared) on two, Gamma and Delta on none.
    expect(expected[1]!.set!.histogram).toEqual([[0, 2], [1, 1], [2, 1]]);

    const before = threads();
    const errors: unknown[] = [];
    const onWorker = new CopyIndex(store, census(), { now: () => NOW, warmWorker: true, warmWorkerMinVolumes: 0, onWorkerError: (e) => errors.push(e) });
    const round = NOW - 5_000;
    // The figures the first index kept still hold (figure-basis.ts): a full invalidation (as an
    // operator-list change makes) has every set walked, which is what goes to the worker.
    onWorker.invalidate();
    await onWorker.warm(round);
    expect(errors).toEqual([]);
    expect(onWorker.lastWarmUp).toMatchObject({ onWorker: true, finished: true, sets: SETS, volumes: SETS, endedItself: true });
    expect(figures(onWorker)).toEqual(expected);
    await store.flushed();
    for (let i = 0; i < SETS; i++) {
      const kept = store.allSetFigures().get(`set-${i}`);
      expect(kept?.min, `set-${i} figures on disk`).toBe(expected[i]!.set!.min);
      expect(store.history.copyHistory(`set-${i}`, { since: round }).map((h) => h.min)).toEqual([expected[i]!.set!.min]);
    }
    expect(threads(), 'the worker thread ended').toBeLessThanOrEqual(before);
  }, 60_000);

  it('gives up when a newer invalidation comes, and the next warm-up finishes', async () => {
    const copies = new CopyIndex(store, census(), { now: () => NOW, warmWorker: true, warmWorkerMinVolumes: 0 });
    const before = threads();
    const first = copies.warm();
    copies.invalidate();
    const second = copies.warm();
    await Promise.all([first, second]);
    expect(threads(), 'both worker threads ended').toBeLessThanOrEqual(before);
    expect(copies.lastWarmUp).toMatchObject({ finished: true, sets: SETS });
    expect(figures(copies).map((f) => f.set?.min)).toEqual([2, 0, 1, 1, 0, 0]);
  }, 60_000);

  it('ends its worker before whenWarm resolves after an invalidation (a close then frees the store under no reader)', async () => {
    const copies = new CopyIndex(store, census(), { now: () => NOW, warmWorker: true, warmWorkerMinVolumes: 0 });
    const before = threads();
    copies.invalidate();
    const run = copies.warm();
    // Once the worker has started (a thread more), abandon the warm-up as a catalogue's close does.
    await expect.poll(() => threads(), { timeout: 20_000, interval: 5 }).toBeGreaterThan(before);
    copies.invalidate();
    await copies.whenWarm();
    expect(threads(), 'the worker ended before whenWarm resolved').toBeLessThanOrEqual(before);
    await run;
    expect(copies.lastWarmUp).toBeNull();
  }, 60_000);

  it('falls back to the main thread when the worker cannot open the store, and says why', async () => {
    const copies = new CopyIndex(store, census(), { now: () => NOW, warmWorker: true, warmWorkerMinVolumes: 0, onWorkerError: (e) => errors.push(e) });
    const errors: unknown[] = [];
    // The worker opens the store where the main thread says it is: somewhere with no store.
    Object.defineProperty(store, 'location', { value: { dataDir: path.join(work, 'no-store-here'), lmdb: {} }, configurable: true });
    try {
      copies.invalidate();
      await copies.warm();
    } finally {
      Object.defineProperty(store, 'location', { value: { dataDir: path.join(work, 'catalogue'), lmdb: {} }, configurable: true });
    }
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/no-store-here/);
    expect(copies.lastWarmUp).toBeNull();
    expect(figures(copies).map((f) => f.set?.min)).toEqual([2, 0, 1, 1, 0, 0]);
  }, 60_000);
});

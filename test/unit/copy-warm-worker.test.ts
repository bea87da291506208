/**
 * The copy figures' warm-up on a worker thread (services/tracker-web/redundancy/warm-in-worker.ts,
 * warm-worker.ts) reaches exactly the figures the main thread reaches, writes them and the copy
 * history the same way, gives up when a newer invalidation comes, ends its thread whatever
 * happens, and when the worker cannot do it the main thread does. On a real store (LMDB in a temp
 * folder): six sets of one four-file volume each, held whole, in part (files sharing pieces),
 * with operator keys, or not at all; the census stands in as a results list.
 */
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAuditResult } from '../../services/tracker-web/census/audit-types.ts';
import { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { FOUR_FILE_PIECE_LENGTH, FOUR_FILES, makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';

const NOW = Date.UTC(2026, 11, 5, 12);
const SETS = 6;
let work: string;
let store: CatalogueStore;
const fixtures: VolumeFixture[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-warm-worker-'));
  store = CatalogueStore.open(path.join(work, 'catalogue'));
  for (let i = 0; i < SETS; i++) {
    const fixture = await makeVolumeFixture(path.join(work, `v${i}`), FOUR_FILES.map((f) => ({ ...f, path: f.path.replace('.jpg', `_${i}.jpg`) })), FOUR_FILE_PIECE_LENGTH);
    fixtures.push(fixture);
    await putHandVersion(store, { setId: `set-${i}`, keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s: FOUR_FILES.map((_, k) => `${i}${k}`.padEnd(40, 'a')), copyTarget: 3 });
  }
  await store.flushed();
}, 60_000);

afterAll(async () => {
  await store?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A passing audit of one peer: `bits` of the volume's 7 pieces (0x7f.. is none, 0xfe whole). */
function audit(ih: string, host: string, bits: number, operatorKey: string | null = null): PeerAuditResult {
  const bitfield = Buffer.from([bits]);
  let have = 0;
  for (let p = 0; p < 7; p++) if (bits & (0x80 >> p)) have++;
  return { host, port: 6881, infoHash: ih, reachable: true, havePieces: have, complete: have === 7, bitfield, audited: { piece: 0, ok: true, ms: 1 }, ms: 1, at: NOW - 60_000, operatorKey };
}

/** Whole, partial (without Delta: pieces 0-4), keyed and missing holders across the six volumes; set-5 nobody holds. */
function census() {
  const ih = (i: number) => fixtures[i]!.parsed.infoHash;
  const results: PeerAuditResult[] = [
    audit(ih(0), '127.0.1.1', 0xfe),
    audit(ih(0), '127.0.1.2', 0xfe),
    audit(ih(0), '127.0.1.3', 0xf8),
    audit(ih(1), '127.0.2.1', 0xf8),
    audit(ih(1), '127.0.2.2', 0x20),
    audit(ih(2), '127.0.3.1', 0xfe, 'k'.repeat(64)),
    audit(ih(2), '127.0.3.2', 0xfe, 'k'.repeat(64)),
    audit(ih(3), '127.0.4.1', 0xfe),
    audit(ih(4), '127.0.5.1', 0x80),
  ];
  const volumes = [...new Set(results.map((r) => r.infoHash))];
  return {
    results: () => results,
    countedResults: (infoHash: string) => results.filter((r) => r.infoHash === infoHash),
    auditedVolumes: () => ({ count: volumes.length, infoHashes: volumes[Symbol.iterator]() }),
  };
}

/** Every set's figures and every volume's copy count, as a reader sees them. */
function figures(copies: CopyIndex) {
  return Array.from({ length: SETS }, (_, i) => {
    const s = copies.peekSet(`set-${i}`);
    return { set: s && { ...s, histogram: [...s.histogram].sort((a, b) => a[0] - b[0]) }, volume: copies.peekVolumeCopies(fixtures[i]!.parsed.infoHash) };
  });
}

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

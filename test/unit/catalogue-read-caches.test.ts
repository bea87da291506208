/**
 * The catalogue's read caches follow what they cache: on a real store (LMDB in a temp folder),
 * the home page's kept base and the store's kept set and volume records change as soon as a
 * publish, a key rotation or a census verdict (through the copy index's invalidation) changes
 * what they show. The census verdicts come from a results list the test fills, standing in for
 * a census round (which needs real peers; the census tests cover that part). The home page and
 * /metrics read the last known volume copy counts (never a recount of every volume), kept on
 * disk with the set figures, so a restarted catalogue shows them at its first view.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAuditResult } from '../../services/tracker-web/census/audit-types.ts';
import { mountMetrics } from '../../services/tracker-web/metrics.ts';
import type { CensusRunner } from '../../services/tracker-web/redundancy/census-runner.ts';
import { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { SwarmStore } from '../../services/tracker-web/tracker/swarm-store.ts';
import { homeModel } from '../../services/tracker-web/views/home-model.ts';
import type { ViewSources } from '../../services/tracker-web/views/set-summaries.ts';
import type { HomeQuery } from '../../services/tracker-web/pages/view-models.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { FOUR_FILE_PIECE_LENGTH, FOUR_FILES, makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';

const NOW = Date.UTC(2026, 11, 5, 12);
const NO_OFFER = { offeredBytes: 0, usedBytes: 0, seeders: 0 };
const QUERY: HomeQuery = { q: '', tag: '', region: '', sort: 'risk' };
let work: string;
let store: CatalogueStore;
let fixture: VolumeFixture;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-read-caches-'));
  store = CatalogueStore.open(path.join(work, 'catalogue'));
  fixture = await makeVolumeFixture(work, [{ path: 'a/ab/Cached.bin', length: 64 * 1024 }], 16 * 1024);
  await putHandVersion(store, { setId: 'alpha', keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s: ['1'.repeat(40)], copyTarget: 2 });
});

afterAll(async () => {
  await store?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A passing audit of the whole volume by `host`, as a census round reports it. */
function verdict(host: string): PeerAuditResult {
  return { host, port: 6881, infoHash: fixture.parsed.infoHash, reachable: true, havePieces: 4, complete: true, bitfield: Buffer.from([0xf0]), audited: { piece: 0, ok: true, ms: 1 }, ms: 1, at: NOW - 60_000 };
}

describe('catalogue read caches', () => {
  it('the home page shows a new census verdict and a new set at once, and keeps its base between them', async () => {
    const verdicts: PeerAuditResult[] = [];
    const census = { results: () => [...verdicts], countedResults: () => [...verdicts] };
    const copies = new CopyIndex(store, census, { now: () => NOW });
    const swarms = new SwarmStore({ ttlMs: 3_600_000, sweepIntervalMs: 0, now: () => NOW });
    const src: ViewSources = { store, copies, swarms, now: () => new Date(NOW) };
    const home = () => homeModel(src, { ...QUERY }, { offer: NO_OFFER, drills: [] });
    try {
      const first = home();
      expect(first.sets.map((s) => [s.id, s.copies.min])).toEqual([['alpha', 0]]);
      expect(first.totals.neededBytes).toBe(2 * 64 * 1024);
      // Nothing changed: the base is reused (the same derived objects), not recomputed.
      expect(home().tags).toBe(first.tags);

      // A census round audits a host holding the volume, then invalidates the copy figures and
      // recomputes them in the background (census.onRound in the server).
      verdicts.push(verdict('127.0.4.1'));
      copies.invalidate();
      await copies.warm();
      const audited = home();
      // Only the figures' part of the base is rebuilt: what follows the sets alone is kept.
      expect(audited.tags).toBe(first.tags);
      expect(audited.sets[0]!.copies.min).toBe(1);
      expect(audited.totals.neededBytes).toBe(64 * 1024);

      // A publish of another set (sharing the volume) shows on the next view.
      await putHandVersion(store, { setId: 'beta', keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s: ['1'.repeat(40)] });
      const published = home();
      expect(published.tags).not.toBe(first.tags);
      expect(published.sets.map((s) => s.id).sort()).toEqual(['alpha', 'beta']);
      expect(published.totals.sets).toBe(2);
    } finally {
      swarms.close();
    }
  });

  it('kept set and volume records follow a publish and a key rotation', async () => {
    const ih = fixture.parsed.infoHash;
    // Both sets hold the volume (the first test published beta over it).
    expect(store.getVolume(ih)?.versions.map((v) => v.setId)).toEqual(['alpha', 'beta']);
    const before = store.getSet('alpha')!;
    expect(store.getSet('alpha')).toBe(before);
    const old = await store.rotateKey('alpha', 'ab'.repeat(32));
    expect(old).toBe(before.publicKey);
    expect(store.getSet('alpha')?.publicKey).toBe('ab'.repeat(32));
    expect(store.getSet('alpha')?.previousKeys.map((k) => k.publicKey)).toEqual([before.publicKey]);
    // Shared records cannot be changed by a careless caller.
    expect(() => (store.getVolume(ih)!.versions as unknown[]).push({})).toThrow(TypeError);
  });
});

/** A passing audit of a volume by `host` holding the pieces set in `bitfield`. */
function audit(infoHash: string, host: string, bitfield: number[], complete: boolean): PeerAuditResult {
  return { host, port: 6881, infoHash, reachable: true, havePieces: 0, complete, bitfield: Buffer.from(bitfield), audited: { piece: 0, ok: true, ms: 1 }, ms: 1, at: NOW - 60_000 };
}

/** Resolves once `check` holds, or fails saying what did not happen. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('last known volume copy counts', () => {
  it('a census verdict shows on the home page and /metrics after the warm-up, and at the first view after a restart', async () => {
    const dir = await mkdtemp(path.join(work, 'last-known-'));
    const own = CatalogueStore.open(path.join(dir, 'catalogue'));
    const swarms = new SwarmStore({ ttlMs: 3_600_000, sweepIntervalMs: 0, now: () => NOW });
    try {
      // Four files over 7 pieces (Alpha 0-2, Beta 2, Gamma 2-5, Delta 5-6).
      const vol = await makeVolumeFixture(dir, FOUR_FILES, FOUR_FILE_PIECE_LENGTH);
      const ih = vol.parsed.infoHash;
      const size = vol.parsed.totalBytes;
      await putHandVersion(own, { setId: 'delta', keysDir: path.join(dir, 'keys'), torrent: vol.torrent, parsed: vol.parsed, sha1s: ['a', 'b', 'c', 'd'].map((c) => c.repeat(40)), copyTarget: 2 });
      // C holds all; A pieces 0-4 (Alpha, Beta, not Delta), B pieces 2-6 (Beta, Gamma, Delta): every
      // file has 2 copies, though only one holder is whole (a whole-holders-only count would say 1).
      let verdicts = [audit(ih, '127.0.5.1', [0xf8], false), audit(ih, '127.0.5.2', [0x3e], false), audit(ih, '127.0.5.3', [0xfe], true)];
      const census = { results: () => [...verdicts], countedResults: () => [...verdicts] };
      const open = () => {
        const copies = new CopyIndex(own, census, { now: () => NOW });
        const src: ViewSources = { store: own, copies, swarms, now: () => new Date(NOW) };
        const registry = mountMetrics(express(), { store: own, copies, swarms, census: { lastRound: null } as unknown as CensusRunner });
        // One scrape's figures are kept until the next turn of the event loop: each read here is a new scrape.
        const gauge = async (name: string) => {
          await new Promise<void>((resolve) => setImmediate(resolve));
          return (await registry.getSingleMetric(name)!.get()).values[0]?.value;
        };
        return { copies, home: () => homeModel(src, { ...QUERY }, { offer: NO_OFFER, drills: [] }), gauge };
      };

      const first = open();
      first.copies.invalidate();
      await first.copies.warm();
      expect(first.home().sets[0]!.copies.min).toBe(2);
      expect(first.home().totals.neededBytes).toBe(0);
      expect(await first.gauge('seedbank_space_needed_bytes')).toBe(0);
      expect(await first.gauge('seedbank_volumes_under_target')).toBe(0);

      // A restart: the counts kept with the set figures show at the first view, before any recount.
      await until(() => (own.allSetFigures().get('delta')?.volumeCopies ?? []).length === 1, 'the set figures with volume counts on disk');
      expect(own.allSetFigures().get('delta')?.volumeCopies).toEqual([[ih, 2, expect.any(Number)]]);
      const restarted = open();
      expect(restarted.home().totals.neededBytes).toBe(0);
      expect(await restarted.gauge('seedbank_space_needed_bytes')).toBe(0);

      // The next round loses B: until the warm-up is done the pages show the last known count,
      // then the new verdict (Delta has one copy left: the volume is one copy short).
      // (As the server's census round does: only a set whose volume's holders changed is walked.)
      verdicts = verdicts.filter((v) => v.host !== '127.0.5.2');
      restarted.copies.invalidate('census');
      expect(restarted.home().totals.neededBytes).toBe(0);
      await restarted.copies.warm();
      expect(restarted.home().sets[0]!.copies.min).toBe(1);
      expect(restarted.home().totals.neededBytes).toBe(size);
      expect(await restarted.gauge('seedbank_space_needed_bytes')).toBe(size);
      expect(await restarted.gauge('seedbank_volumes_under_target')).toBe(1);
    } finally {
      swarms.close();
      await own.close();
    }
  });

  it("keeps a census round in the copy history when a publish abandons the round's warm-up", async () => {
    const census = { results: () => [verdict('127.0.6.1')], countedResults: () => [verdict('127.0.6.1')] };
    const copies = new CopyIndex(store, census, { now: () => NOW });
    const round = NOW - 30_000;
    const ids = [...store.setIds()];
    expect(ids.length).toBeGreaterThan(1);
    const sampled = () => ids.filter((id) => store.history.copyHistory(id).some((x) => x.time === round));
    expect(sampled()).toEqual([]);
    // census.onRound: invalidate, then the round's warm-up; a publish right after abandons it.
    copies.invalidate();
    const abandoned = copies.warm(round);
    copies.invalidate();
    void copies.warm();
    await abandoned;
    await copies.whenWarm();
    // Every set has the round's sample, not only those the abandoned warm-up reached.
    expect(sampled()).toEqual(ids);
    // Once written, a later warm-up owes the round nothing: no sample at another time.
    const times = () => ids.flatMap((id) => store.history.copyHistory(id).map((x) => x.time));
    copies.invalidate();
    await copies.warm();
    expect(new Set(times())).toEqual(new Set([round]));
  });
});

/**
 * The catalogue's read caches follow what they cache: on a real store (LMDB in a temp folder),
 * the home page's kept base and the store's kept set and volume records change as soon as a
 * publish, a key rotation or a census verdict (through the copy index's invalidation) changes
 * what they show. The census verdicts come from a results list the test fills, standing in for
 * a census round (which needs real peers; the census tests cover that part).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAuditResult } from '../../services/tracker-web/census/audit-types.ts';
import { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { SwarmStore } from '../../services/tracker-web/tracker/swarm-store.ts';
import { homeModel } from '../../services/tracker-web/views/home-model.ts';
import type { ViewSources } from '../../services/tracker-web/views/set-summaries.ts';
import type { HomeQuery } from '../../services/tracker-web/pages/view-models.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';

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
      expect(audited.tags).not.toBe(first.tags);
      expect(audited.sets[0]!.copies.min).toBe(1);
      expect(audited.totals.neededBytes).toBe(64 * 1024);

      // A publish of another set (sharing the volume) shows on the next view.
      await putHandVersion(store, { setId: 'beta', keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s: ['1'.repeat(40)] });
      const published = home();
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

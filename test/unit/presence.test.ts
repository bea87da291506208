/**
 * Presence: a copy counts only while its host is around. On a real catalogue store (LMDB in a
 * temp folder) with one published volume and the census's observations of two hosts audited
 * within the 6 h copy window, the copy count holds only the host seen within the presence
 * window (announce or census contact); an announce brings the other one back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import { CensusRunner } from '../../services/tracker-web/redundancy/census-runner.ts';
import { DEFAULT_PRESENCE_WINDOW_MS } from '../../services/tracker-web/redundancy/presence.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { addressBytes, compactPeer } from '../../services/tracker-web/tracker/peer-address.ts';
import { SwarmStore } from '../../services/tracker-web/tracker/swarm-store.ts';
import { silentLogger } from '../../shared/log.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 11, 5, 12);
let work: string;
let store: CatalogueStore;
let fixture: VolumeFixture;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-presence-'));
  store = CatalogueStore.open(path.join(work, 'catalogue'));
  fixture = await makeVolumeFixture(work, [{ path: 'a/ab/Presence.bin', length: 64 * 1024 }], 16 * 1024);
  await putHandVersion(store, { setId: 'presence', keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s: ['0'.repeat(40)] });
  const audited = { complete: true, havePieces: 4, auditOk: true, bitfield: Uint8Array.from([0xf0]) };
  // Both audited 2 h ago (inside the 6 h copy window); .1 was last reached then, .2 ten minutes ago.
  await store.observations.put(fixture.parsed.infoHash, '127.0.3.1', 6881, { ...audited, lastSeen: NOW - 120 * MINUTE, auditedAt: NOW - 120 * MINUTE });
  await store.observations.put(fixture.parsed.infoHash, '127.0.3.2', 6881, { ...audited, lastSeen: NOW - 10 * MINUTE, auditedAt: NOW - 120 * MINUTE });
});

afterAll(async () => {
  await store?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('presence', () => {
  it('counts only hosts seen within the window, and an announce brings a host back', () => {
    let clock = NOW;
    const swarms = new SwarmStore({ ttlMs: DEFAULT_PRESENCE_WINDOW_MS, sweepIntervalMs: 0, now: () => clock });
    const census = new CensusRunner({ store, swarms, logger: silentLogger, seenAt: (h) => swarms.seenAt(h), now: () => clock });
    const copies = new CopyIndex(store, census, { now: () => clock });
    const ih = fixture.parsed.infoHash;

    expect(census.results(ih)).toHaveLength(2);
    expect(census.present('127.0.3.1')).toBe(false);
    expect(census.present('127.0.3.2')).toBe(true);
    expect(census.countedResults(ih).map((r) => r.host)).toEqual(['127.0.3.2']);
    expect(copies.volumeCopies(ih)).toBe(1);

    // The silent host announces again: the tracker has seen it, so its audited copy counts.
    swarms.announce({ infoHash: ih, key: compactPeer(addressBytes('127.0.3.1')!, 6881), ip: '127.0.3.1', port: 6881, peerId: '-SB0001-presence0001', event: 'started', left: 0, numwant: 0 });
    copies.invalidate();
    expect(copies.volumeCopies(ih)).toBe(2);

    // An hour and a bit later nobody has been seen: no copy counts, though both audits are inside 6 h.
    clock = NOW + DEFAULT_PRESENCE_WINDOW_MS + MINUTE;
    copies.invalidate();
    expect(census.countedResults(ih)).toHaveLength(0);
    expect(copies.volumeCopies(ih)).toBe(0);
    swarms.close();
  });
});

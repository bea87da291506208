/**
 * The census runner's signature of a volume's holders (CensusRunner.holderSignature, made from
 * the verdict table without result objects), what the copy figures' warm-up compares to decide
 * which sets to walk again: it changes when what the figures count changes (a piece, a host
 * going silent or coming back, a verdict ageing out, an operator key) and not when a re-audit
 * finds the same thing, nor with the order verdicts were recorded or restored in. On a real store
 * (LMDB in a temp folder), a real tracker swarm store and a real census runner; no network.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAuditResult } from '../../services/tracker-web/census/audit-types.ts';
import { CensusRunner, DEFAULT_COPY_MAX_AGE_MS } from '../../services/tracker-web/redundancy/census-runner.ts';
import { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import { DEFAULT_PRESENCE_WINDOW_MS } from '../../services/tracker-web/redundancy/presence.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { addressBytes, compactPeer } from '../../services/tracker-web/tracker/peer-address.ts';
import { SwarmStore } from '../../services/tracker-web/tracker/swarm-store.ts';
import { silentLogger } from '../../shared/log.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 11, 6, 12);
let work: string;
let store: CatalogueStore;
let fixture: VolumeFixture;
let clock = NOW;
let swarms: SwarmStore;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-holder-signature-'));
  store = CatalogueStore.open(path.join(work, 'catalogue'));
  fixture = await makeVolumeFixture(work, [{ path: 'a/ab/Signature.bin', length: 64 * 1024 }], 16 * 1024);
  await putHandVersion(store, { setId: 'signature', keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s: ['0'.repeat(40)] });
  swarms = new SwarmStore({ ttlMs: DEFAULT_PRESENCE_WINDOW_MS, sweepIntervalMs: 0, now: () => clock });
});

afterAll(async () => {
  swarms?.close();
  await store?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A passing audit of 127.0.6.<n>:6881 holding `bits` of the volume's 4 pieces, reached at `at`. */
function audit(n: number, bits: number, at: number, operatorKey: string | null = null): PeerAuditResult {
  let have = 0;
  for (let p = 0; p < 4; p++) if (bits & (0x80 >> p)) have++;
  return { host: `127.0.6.${n}`, port: 6881, infoHash: fixture.parsed.infoHash, reachable: true, havePieces: have, complete: have === 4, bitfield: Buffer.from([bits]), audited: { piece: 0, ok: true, ms: 1 }, ms: 1, at, operatorKey };
}

const runner = () => new CensusRunner({ store, swarms, logger: silentLogger, seenAt: (h) => swarms.seenAt(h), now: () => clock });
const sig = (census: CensusRunner) => census.holderSignature(fixture.parsed.infoHash, clock, DEFAULT_COPY_MAX_AGE_MS);

describe("the census runner's holder signature", () => {
  it('follows what the copy figures count, and nothing else', async () => {
    clock = NOW;
    const census = runner();
    const empty = sig(census);
    census.takeVerdicts([audit(1, 0xf0, NOW - MINUTE), audit(2, 0xc0, NOW - MINUTE)]);
    const two = sig(census);
    expect(two).not.toBe(empty);

    // A re-audit that finds the same pieces, later: the same signature.
    census.takeVerdicts([audit(1, 0xf0, NOW)]);
    expect(sig(census)).toBe(two);

    // A piece more on host 2.
    census.takeVerdicts([audit(2, 0xe0, NOW)]);
    const more = sig(census);
    expect(more).not.toBe(two);

    // An operator key proved by host 1 (same pieces).
    census.takeVerdicts([audit(1, 0xf0, NOW, 'k'.repeat(64))]);
    const keyed = sig(census);
    expect(keyed).not.toBe(more);

    // An hour and a bit later nobody has been seen: nothing counts (the audits are inside 6 h).
    clock = NOW + DEFAULT_PRESENCE_WINDOW_MS + MINUTE;
    expect(sig(census)).toBe(empty);
    // Host 2 announces: it counts again, alone.
    swarms.announce({ infoHash: fixture.parsed.infoHash, key: compactPeer(addressBytes('127.0.6.2')!, 6881), ip: '127.0.6.2', port: 6881, peerId: '-SB0001-signature0002', event: 'started', left: 0, numwant: 0 });
    const alone = sig(census);
    expect(alone).not.toBe(empty);
    expect(alone).not.toBe(keyed);

    // Past the copy window every verdict has aged out, announces or not.
    clock = NOW + DEFAULT_COPY_MAX_AGE_MS + MINUTE;
    swarms.announce({ infoHash: fixture.parsed.infoHash, key: compactPeer(addressBytes('127.0.6.2')!, 6881), ip: '127.0.6.2', port: 6881, peerId: '-SB0001-signature0002', event: 'started', left: 0, numwant: 0 });
    expect(sig(census)).toBe(empty);
  });

  it('does not depend on the order verdicts were recorded or restored in', async () => {
    clock = NOW;
    const verdicts = [audit(3, 0xf0, NOW - MINUTE), audit(4, 0x80, NOW - MINUTE), audit(5, 0x30, NOW - MINUTE, 'q'.repeat(64))];
    const forward = runner();
    forward.takeVerdicts(verdicts);
    const backward = runner();
    backward.takeVerdicts([...verdicts].reverse());
    expect(sig(backward)).toBe(sig(forward));
    // What a restart reads back from the store (in the store's key order) signs the same.
    await store.flushed();
    const restored = runner();
    restored.restoreFromStore();
    const live = runner();
    live.restoreFromStore();
    live.takeVerdicts([audit(5, 0x30, NOW, 'q'.repeat(64)), audit(3, 0xf0, NOW)]);
    expect(sig(live)).toBe(sig(restored));
  });

  it("has the copy index walk a set again when a host's presence changes, and keep it when nothing did", async () => {
    clock = NOW;
    const census = runner();
    census.restoreFromStore();
    const copies = new CopyIndex(store, census, { now: () => clock, warmWorker: false });
    copies.invalidate();
    await copies.warm();
    expect(copies.warmUpSets).toEqual({ kept: 0, walked: 1 });
    const before = copies.peekSet('signature')!.min;
    copies.invalidate('census');
    await copies.warm();
    expect(copies.warmUpSets).toEqual({ kept: 1, walked: 0 });
    // Everyone falls silent: the set is walked, and its least-copied file has no copy left.
    clock = NOW + DEFAULT_PRESENCE_WINDOW_MS + MINUTE;
    copies.invalidate('census');
    await copies.warm();
    expect(copies.warmUpSets).toEqual({ kept: 0, walked: 1 });
    expect(before).toBeGreaterThan(0);
    expect(copies.peekSet('signature')!.min).toBe(0);
  });
});

/**
 * The copy figures' background warm-up makes room for requests without being starved by them
 * (services/tracker-web/redundancy/copy-index.ts): while requests keep arriving it rests between
 * slices (timer ticks of at least 1 ms, up to a bound), and a steady stream of requests slows it
 * but never stops it; the figures it reaches are the same either way. On a real store (LMDB in a
 * temp folder) with four sets of one volume each; the census stands in as a results list whose
 * reads take 1 ms, so each volume fills a slice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAuditResult } from '../../services/tracker-web/census/audit-types.ts';
import { CopyIndex, type WarmSlice } from '../../services/tracker-web/redundancy/copy-index.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';

const NOW = Date.UTC(2026, 11, 5, 12);
const SETS = 4;
/** What one volume's census read costs here: more than a slice (0.5 ms), so every volume ends one. */
const READ_MS = 1;
let work: string;
let store: CatalogueStore;
const fixtures: VolumeFixture[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-warm-rest-'));
  store = CatalogueStore.open(path.join(work, 'catalogue'));
  for (let i = 0; i < SETS; i++) {
    const fixture = await makeVolumeFixture(path.join(work, `v${i}`), [{ path: `a/ab/Rest_${i}.bin`, length: 64 * 1024 }], 16 * 1024);
    fixtures.push(fixture);
    await putHandVersion(store, { setId: `set-${i}`, keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s: [String(i).repeat(40)], copyTarget: 2 });
  }
});

afterAll(async () => {
  await store?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** One host holding every volume, whose verdicts take READ_MS to read (a busy wait: the warm-up's work is synchronous). */
function slowCensus() {
  const results: PeerAuditResult[] = fixtures.map((f) => ({ host: '127.0.5.1', port: 6881, infoHash: f.parsed.infoHash, reachable: true, havePieces: 4, complete: true, bitfield: Buffer.from([0xf0]), audited: { piece: 0, ok: true, ms: 1 }, ms: 1, at: NOW - 60_000 }));
  const read = (ih: string) => {
    const until = performance.now() + READ_MS;
    while (performance.now() < until);
    return results.filter((r) => r.infoHash === ih);
  };
  return { results: () => results, countedResults: read };
}

/** Warms a fresh copy index with `requestsServed` and returns its slices, its duration and the figures. */
async function warmWith(requestsServed: () => number) {
  const copies = new CopyIndex(store, slowCensus(), { now: () => NOW, requestsServed });
  const slices: WarmSlice[] = [];
  copies.sliceObserver = (s) => slices.push(s);
  const t0 = performance.now();
  await copies.warm();
  const ms = performance.now() - t0;
  return { slices, ms, figures: Array.from({ length: SETS }, (_, i) => copies.peekSet(`set-${i}`)?.min) };
}

describe('copy figures warm-up', () => {
  it('rests while requests keep arriving, and still finishes with the same figures', async () => {
    // A first warm-up decodes the records and compiles the code, so the two compared below pay the same.
    await warmWith(() => 0);
    const quiet = await warmWith(() => 0);
    // A request arrives at every turn of the event loop: the warm-up can never find a quiet tick.
    let served = 0;
    const busy = await warmWith(() => ++served);
    expect(quiet.figures).toEqual([1, 1, 1, 1]);
    expect(busy.figures).toEqual(quiet.figures);
    // Every volume but the last ended a slice. Between two slices a busy warm-up rested at least
    // three 1 ms ticks (timers never fire early: a lower bound the machine's load cannot break;
    // without the rests the gaps are one turn of the loop, 0.1-0.5 ms).
    expect(busy.slices.length).toBeGreaterThanOrEqual(SETS - 1);
    const gaps = (slices: WarmSlice[]) => slices.slice(1).map((s, i) => s.endMs - s.wallMs - slices[i]!.endMs).sort((a, b) => a - b);
    expect(gaps(busy.slices)[0], `gaps between slices with requests arriving: ${gaps(busy.slices).join(', ')} ms`).toBeGreaterThanOrEqual(2.9);
  });
});
